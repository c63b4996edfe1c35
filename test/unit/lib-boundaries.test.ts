import { expect } from 'chai';
import { ESLint } from 'eslint';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../support/local-stack';

/** The import direction in lib/ (docs/architecture.md) is enforced by eslint.config.mjs; this proves the rules bite. */
describe('lib/ boundaries (ESLint no-restricted-imports, as `npm test` lints)', function () {
  this.timeout(60_000);
  const eslint = new ESLint({ cwd: PROJECT_ROOT });

  async function restricted(file: string, code: string): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath: join(PROJECT_ROOT, file) });
    return (result?.messages ?? [])
      .filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports')
      .map((m) => m.message);
  }

  const cases: Array<[string, string, boolean]> = [
    ['lib/dingtalk/probe.ts', "import type { StoredEvent } from '../core/stored-event';", true],
    ['lib/dingtalk/probe.ts', "import TableStore from 'tablestore';", true],
    ['lib/dingtalk/probe.ts', "import { text } from './values';", false],
    ['lib/core/probe.ts', "import { DynamoDbEventStore } from '../aws/dynamodb-event-store';", true],
    ['lib/core/probe.ts', "import { PutCommand } from '@aws-sdk/lib-dynamodb';", true],
    ['lib/core/probe.ts', "import { loadStreamConfig } from '../startup/config';", true],
    ['lib/core/probe.ts', "import { parseEvent } from '../dingtalk/event-payload';", false],
    ['lib/aws/probe.ts', "import { TablestoreEventStore } from '../aliyun/tablestore-event-store';", true],
    ['lib/aws/probe.ts', "import TableStore from 'tablestore';", true],
    ['lib/aliyun/probe.ts', "import { DynamoDbEventWriter } from '../aws/dynamodb-event-writer';", true],
    ['lib/aliyun/probe.ts', "import { unmarshall } from '@aws-sdk/util-dynamodb';", true],
    ['lib/aliyun/probe.ts', "import { storedEventFrom } from '../core/stored-event';", false],
  ];
  for (const [file, code, forbidden] of cases) {
    it(`GIVEN ${file}: ${code} THEN ${forbidden ? 'lint fails' : 'lint allows it'}`, async () => {
      const messages = await restricted(file, `${code}\nexport {};\n`);
      expect(messages.length > 0, messages.join('; ')).to.equal(forbidden);
    });
  }
});
