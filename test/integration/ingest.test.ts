import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { DynamoDbEventWriter } from '../../lib/aws/dynamodb-event-writer';
import type { CallbackRequest } from '../../lib/core/ingest';
import { createIngest } from '../../lib/core/ingest';
import { DEV_DINGTALK_ENV } from '../../local-dev/dev-credentials';
import { devCrypto, signedPush } from '../support/dingtalk-client';
import { freePort, sharedLocalStack } from '../support/local-stack';
import { RecordingLogger } from '../support/recording-logger';

function request(plaintext: string, ownerKey?: string): CallbackRequest {
  const { query, body } = signedPush(plaintext, ownerKey);
  return { method: 'POST', query, body };
}

describe('ingest use case in process, against DynamoDB Local', function () {
  this.timeout(120_000);
  // The callback's own writer, as handlers/aws/callback.ts builds it.
  let store: DynamoDbEventWriter;

  before(async () => {
    const stack = await sharedLocalStack();
    store = new DynamoDbEventWriter({
      tableName: stack.eventsTable,
      region: 'us-east-1',
      endpoint: stack.dynamoDbEndpoint,
    });
  });

  it('GIVEN an accepted event THEN info logs name type, id, owner key and outcome, and hold no secret or payload', async () => {
    const logger = new RecordingLogger();
    const ingest = createIngest({ crypto: devCrypto, store, logger, now: Date.now, maxBodyBytes: 1 << 20 });
    const eventId = `log-${randomUUID()}`;
    const plaintext = JSON.stringify({
      EventType: 'bpms_task_change',
      eventId,
      remark: '机密备注 secret-remark',
    });
    const response = await ingest(request(plaintext));
    expect(response.statusCode).to.equal(200);
    const info = logger.records.find((record) => record.message === 'event accepted');
    expect(info?.attributes).to.deep.equal({
      eventType: 'bpms_task_change',
      eventId,
      ownerKey: 'dingdevcorp',
      outcome: 'stored',
    });
    const text = logger.text('info');
    for (const secret of [
      DEV_DINGTALK_ENV.DINGTALK_TOKEN,
      DEV_DINGTALK_ENV.DINGTALK_AES_KEY,
      'secret-remark',
      '机密',
    ]) {
      expect(text).not.to.contain(secret);
    }
    // The payload is only ever logged at debug level.
    expect(logger.text('debug')).to.contain('secret-remark');
  });

  it('GIVEN the same event twice THEN the second is logged as a duplicate and still answered success', async () => {
    const logger = new RecordingLogger();
    const ingest = createIngest({ crypto: devCrypto, store, logger, now: Date.now, maxBodyBytes: 1 << 20 });
    const plaintext = JSON.stringify({ EventType: 'user_add_org', eventId: `dup-${randomUUID()}` });
    expect((await ingest(request(plaintext))).statusCode).to.equal(200);
    expect((await ingest(request(plaintext))).statusCode).to.equal(200);
    expect(
      logger.records.filter((r) => r.message === 'event accepted').map((r) => r.attributes.outcome),
    ).to.deep.equal(['stored', 'duplicate']);
  });

  it('GIVEN a configured body limit THEN a body one byte over it gets 413 before any crypto', async () => {
    const logger = new RecordingLogger();
    const ingest = createIngest({ crypto: devCrypto, store, logger, now: Date.now, maxBodyBytes: 100 });
    const response = await ingest({ method: 'POST', query: {}, body: 'x'.repeat(101) });
    expect(response.statusCode).to.equal(413);
    expect(JSON.parse(response.body)).to.deep.equal({ error: 'body exceeds 100 bytes' });
    expect((await ingest({ method: 'POST', query: {}, body: 'x'.repeat(100) })).statusCode).to.equal(400);
  });

  it('GIVEN the store is unreachable THEN 503 without success, and the error log names no secret', async () => {
    const deadPort = await freePort();
    const deadStore = new DynamoDbEventWriter({
      tableName: 'dingtalk-callback-events-local',
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${deadPort}`,
    });
    const logger = new RecordingLogger();
    const ingest = createIngest({
      crypto: devCrypto,
      store: deadStore,
      logger,
      now: Date.now,
      maxBodyBytes: 1 << 20,
    });
    const plaintext = JSON.stringify({
      EventType: 'bpms_task_change',
      eventId: `outage-${randomUUID()}`,
      remark: '保密',
    });
    const response = await ingest(request(plaintext));
    expect(response.statusCode).to.equal(503);
    expect(response.body).not.to.contain('encrypt');
    const errors = logger.records.filter((r) => r.level === 'error');
    expect(errors.some((r) => r.attributes.outcome === 'store_failed')).to.equal(true);
    const errorText = JSON.stringify(errors);
    for (const secret of [DEV_DINGTALK_ENV.DINGTALK_TOKEN, DEV_DINGTALK_ENV.DINGTALK_AES_KEY, '保密']) {
      expect(errorText).not.to.contain(secret);
    }
    expect(logger.text('info')).not.to.contain('保密');
  });

  it('GIVEN the table does not exist THEN 503 (our fault, DingTalk retries), not 4xx', async () => {
    const stack = await sharedLocalStack();
    const missing = new DynamoDbEventWriter({
      tableName: 'no-such-table',
      region: 'us-east-1',
      endpoint: stack.dynamoDbEndpoint,
    });
    const ingest = createIngest({
      crypto: devCrypto,
      store: missing,
      logger: new RecordingLogger(),
      now: Date.now,
      maxBodyBytes: 1 << 20,
    });
    const response = await ingest(
      request(JSON.stringify({ EventType: 'x', eventId: `missing-${randomUUID()}` })),
    );
    expect(response.statusCode).to.equal(503);
  });
});
