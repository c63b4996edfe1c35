import { expect } from 'chai';
import { ESLint } from 'eslint';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
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
    ['lib/core/probe.ts', "import { loadSettings } from '../startup/settings';", true],
    ['lib/core/probe.ts', "import { parseEvent } from '../dingtalk/event-payload';", false],
    ['lib/aws/probe.ts', "import { TablestoreEventStore } from '../aliyun/tablestore-event-store';", true],
    ['lib/aws/probe.ts', "import TableStore from 'tablestore';", true],
    ['lib/aliyun/probe.ts', "import { DynamoDbEventWriter } from '../aws/dynamodb-event-writer';", true],
    ['lib/aliyun/probe.ts', "import { unmarshall } from '@aws-sdk/util-dynamodb';", true],
    ['lib/aliyun/probe.ts', "import { storedEventFrom } from '../core/stored-event';", false],
    ['lib/aws/probe.ts', "import { loadForwardSettings } from '../startup/settings';", true],
    ['lib/aws/probe.ts', "import type { ParameterSource } from '../startup/secrets';", false],
    ['lib/aliyun/probe.ts', "import { loadSettings } from '../startup/settings';", true],
    ['lib/aliyun/functions/probe.ts', "import { loadSettings } from '../../startup/settings';", false],
    ['lib/aws/functions/probe.ts', "import { createLogger } from '../../startup/logger';", false],
    [
      'lib/aws/functions/probe.ts',
      "import { TablestoreEventStore } from '../../aliyun/tablestore-event-store';",
      true,
    ],
    ['lib/startup/probe.ts', "import { awsRegion } from '../aws/aws-settings';", true],
    [
      'lib/startup/probe.ts',
      "import { TablestoreEventWriter } from '../aliyun/tablestore-event-writer';",
      true,
    ],
    ['lib/webhook/probe.ts', "import { loadForwardSettings } from '../startup/settings';", true],
    ['handlers/aws/probe.ts', "import { Logger } from '@aws-lambda-powertools/logger';", true],
    ['handlers/aws/probe.ts', "import { GetCommand } from '@aws-sdk/lib-dynamodb';", true],
    ['handlers/aliyun/probe.ts', "import { createLogger } from '../../lib/startup/logger';", true],
    [
      'handlers/aliyun/probe.ts',
      "import { processTableChanges } from '../../lib/core/table-change-batch';",
      true,
    ],
    ['handlers/aliyun/probe.ts', "import type { RetryReport } from '../../lib/core/forwarding';", false],
    ['handlers/aws/probe.ts', "import { awsCallback } from '../../lib/aws/functions/callback';", false],
  ];
  for (const [file, code, forbidden] of cases) {
    it(`GIVEN ${file}: ${code} THEN ${forbidden ? 'lint fails' : 'lint allows it'}`, async () => {
      const messages = await restricted(file, `${code}\nexport {};\n`);
      expect(messages.length > 0, messages.join('; ')).to.equal(forbidden);
    });
  }
});

/** Every relative import in lib/ (type imports too), as a graph of files, searched for a cycle. */
describe('lib/ imports', () => {
  it('GIVEN every file in lib/ THEN no chain of imports leads back to where it started', () => {
    const root = join(PROJECT_ROOT, 'lib');
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
      .map((file) => join(root, file));
    const imports = new Map<string, string[]>();
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const targets = [...text.matchAll(/from '(\.{1,2}\/[^']+)'/g)].map(
        (match) => `${resolve(dirname(file), match[1]!)}.ts`,
      );
      imports.set(
        file,
        targets.filter((target) => files.includes(target)),
      );
    }
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(root, f)).join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const target of imports.get(file) ?? []) visit(target, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    expect(files.length).to.be.greaterThan(40);
    expect(cycles).to.deep.equal([]);
  });
});
