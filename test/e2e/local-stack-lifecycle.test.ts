import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_EVENTS_TABLE, LOCAL_STAGE } from '../../local-dev/dev-credentials';
import { isListening } from '../../local-dev/dynamodb-local';
import { printServerlessConfig } from '../../local-dev/serverless-config';
import { push } from '../support/dingtalk-client';
import { freePort, PROJECT_ROOT, startLocalStack, waitUntilClosed } from '../support/local-stack';

describe('npm start lifecycle (real processes)', function () {
  this.timeout(180_000);

  it('GIVEN a running stack WHEN sent SIGTERM THEN it exits 0 and frees the HTTP and DynamoDB ports', async () => {
    const stack = await startLocalStack();
    expect(await isListening(stack.httpPort)).to.equal(true);
    expect(await isListening(stack.dynamoDbPort)).to.equal(true);
    const result = await push(
      stack.url,
      JSON.stringify({ EventType: 'user_add_org', eventId: `life-${randomUUID()}` }),
    );
    expect(result.reply?.message).to.equal('success');
    expect(await stack.stop()).to.equal(0);
    expect(await waitUntilClosed(stack.httpPort)).to.equal(true);
    expect(await waitUntilClosed(stack.dynamoDbPort)).to.equal(true);
  });

  it('GIVEN the store is down WHEN an event is pushed THEN 5xx, never success', async () => {
    const deadPort = await freePort();
    const stack = await startLocalStack({
      DYNAMODB_ENDPOINT: `http://127.0.0.1:${deadPort}`,
      SKIP_TABLE_CREATION: '1',
      LOCAL_STREAMS: 'off',
    });
    try {
      const result = await push(
        stack.url,
        JSON.stringify({ EventType: 'user_add_org', eventId: `down-${randomUUID()}` }),
      );
      expect(result.status).to.be.within(500, 599);
      expect(result.reply).to.equal(undefined);
    } finally {
      await stack.stop();
    }
  });

  it('GIVEN no java on PATH WHEN npm start runs THEN it exits 1 saying how to install a JRE', async () => {
    // A PATH holding only node: java (which lives beside node in /usr/bin on Debian) is out of reach.
    const onlyNode = mkdtempSync(join(tmpdir(), 'only-node-'));
    symlinkSync(process.execPath, join(onlyNode, 'node'));
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'local-dev/start.ts'], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        PATH: onlyNode,
        DYNAMODB_ENDPOINT: '',
        DYNAMODB_LOCAL_PORT: String(await freePort()),
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).to.equal(1);
    expect(result.stderr).to.contain('DynamoDB Local needs Java');
    expect(result.stderr).to.contain('apt-get install');
  });

  it('GIVEN the template WHEN resolved for the local stage THEN the CLI default table is the one it declares', async () => {
    const config = await printServerlessConfig('serverless.aws.yml', LOCAL_STAGE);
    expect(config.custom.tables.events).to.equal(LOCAL_EVENTS_TABLE);
    expect(config.provider.environment?.EVENTS_TABLE).to.equal(LOCAL_EVENTS_TABLE);
  });
});
