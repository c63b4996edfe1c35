import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamoDbDocumentClient } from '../../lib/aws/dynamodb-client';
import { DynamoDbApprovalStore } from '../../lib/aws/dynamodb-approval-store';
import { DynamoDbDeliveryStore } from '../../lib/aws/dynamodb-delivery-store';
import { DynamoDbEventStore } from '../../lib/aws/dynamodb-event-store';
import { DynamoDbEventWriter } from '../../lib/aws/dynamodb-event-writer';
import { DynamoDbRecoveryJournal } from '../../lib/aws/dynamodb-recovery-journal';
import { approvalChangeFor } from '../../lib/core/approval-projection';
import { newPageId } from '../../lib/core/journal-pages';
import type { StoredEvent } from '../../lib/core/stored-event';
import {
  LOCAL_APPROVALS_TABLE,
  LOCAL_DELIVERIES_TABLE,
  LOCAL_RECOVERY_JOURNAL_TABLE,
} from '../../local-dev/dev-credentials';
import { incompressible } from '../support/large-payloads';
import { sharedLocalStack } from '../support/local-stack';
import { RecordingLogger } from '../support/recording-logger';

const DAY_S = 86_400;

describe('retention on DynamoDB: every item of a growing table carries its time to live (DynamoDB Local)', function () {
  this.timeout(120_000);
  let client: ReturnType<typeof createDynamoDbDocumentClient>;
  let eventsTable: string;
  let endpoint: string;
  const item = async (table: string, key: Record<string, string>) =>
    (await client.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;

  before(async () => {
    const stack = await sharedLocalStack();
    endpoint = stack.dynamoDbEndpoint;
    eventsTable = stack.eventsTable;
    client = createDynamoDbDocumentClient({ region: 'us-east-1', endpoint, requestTimeoutMs: 10_000 });
  });

  const event = (overrides: Partial<StoredEvent> = {}): StoredEvent => ({
    eventId: `retention-${randomUUID()}`,
    eventType: 'user_add_org',
    receivedAt: new Date().toISOString(),
    ownerKey: 'dingcorp',
    payload: '{"EventType":"user_add_org"}',
    ...overrides,
  });

  it('GIVEN an event too large for one item, written by the callback’s writer WHEN stored THEN the item and each part expire 90 days after it was received', async () => {
    const writer = new DynamoDbEventWriter({
      tableName: eventsTable,
      region: 'us-east-1',
      endpoint,
      eventsDays: 90,
    });
    const id = `retention-${randomUUID()}`;
    const large = event({ eventId: id, payload: incompressible(id) });
    expect(await writer.put(large)).to.equal('stored');
    const expected = Math.floor(Date.parse(large.receivedAt) / 1000) + 90 * DAY_S;
    const own = await item(eventsTable, { eventId: large.eventId });
    expect(own?.ttl).to.equal(expected);
    const parts = Number(own?.payloadParts);
    expect(parts).to.be.greaterThan(1);
    for (let part = 1; part < parts; part++) {
      expect(
        (await item(eventsTable, { eventId: `${large.eventId}#part${part}` }))?.ttl,
        `part ${part}`,
      ).to.equal(expected);
    }
    writer.destroy();
  });

  it('GIVEN retention 0 WHEN an event is stored THEN it carries no time to live (kept forever)', async () => {
    const store = new DynamoDbEventStore(client, eventsTable, 0);
    const kept = event();
    await store.put(kept);
    expect(await item(eventsTable, { eventId: kept.eventId })).to.not.have.property('ttl');
  });

  it('GIVEN an event past its retention that DynamoDB has not deleted yet WHEN read or listed THEN it is not there', async () => {
    const store = new DynamoDbEventStore(client, eventsTable, 90);
    const type = `expired_${randomUUID().slice(0, 8)}`;
    const old = event({
      eventType: type,
      receivedAt: new Date(Date.now() - 91 * DAY_S * 1000).toISOString(),
    });
    const fresh = event({ eventType: type });
    await store.put(old);
    await store.put(fresh);
    expect(await item(eventsTable, { eventId: old.eventId })).to.not.equal(undefined); // still in the table
    expect(await store.get(old.eventId)).to.equal(undefined);
    expect((await store.list({ eventType: type, limit: 10 })).map((e) => e.eventId)).to.deep.equal([
      fresh.eventId,
    ]);
  });

  it('GIVEN a delivery record WHEN created and updated THEN it expires with its event, and reads back without the attribute', async () => {
    const store = new DynamoDbDeliveryStore(client, LOCAL_DELIVERIES_TABLE, 90);
    const receivedAt = new Date().toISOString();
    const delivery = {
      eventId: `retention-${randomUUID()}`,
      eventType: 't',
      receivedAt,
      status: 'pending' as const,
      attempts: 0,
      nextAttemptAt: receivedAt,
      updatedAt: receivedAt,
      revision: 0,
    };
    await store.create(delivery);
    await store.update({
      ...delivery,
      status: 'delivered',
      attempts: 1,
      nextAttemptAt: undefined,
      revision: 1,
    });
    const stored = await item(LOCAL_DELIVERIES_TABLE, { eventId: delivery.eventId });
    expect(stored?.ttl).to.equal(Math.floor(Date.parse(receivedAt) / 1000) + 90 * DAY_S);
    expect(await store.get(delivery.eventId)).to.not.have.property('ttl');
  });

  it('GIVEN an approval WHEN a later change arrives THEN it is kept 365 days from that change', async () => {
    let clock = Date.parse('2026-11-01T00:00:00Z');
    const store = new DynamoDbApprovalStore(client, LOCAL_APPROVALS_TABLE, 365, () => clock);
    const instance = `pi-retention-${randomUUID()}`;
    const change = (type: string) =>
      approvalChangeFor(
        'bpms_instance_change',
        { processInstanceId: instance, type },
        `${instance}-${type}`,
      )!;
    await store.apply(change('start'));
    clock += 30 * DAY_S * 1000;
    await store.apply(change('finish'));
    const stored = await item(LOCAL_APPROVALS_TABLE, { processInstanceId: instance });
    expect(stored?.ttl).to.equal(Math.floor(clock / 1000) + 365 * DAY_S);
    expect(await store.get(instance)).to.not.have.property('ttl');
  });

  it('GIVEN journal pages, a set-aside item and the asking row WHEN written THEN each expires 30 days after', async () => {
    const now = Date.now();
    const journal = new DynamoDbRecoveryJournal(
      client,
      LOCAL_RECOVERY_JOURNAL_TABLE,
      new RecordingLogger(),
      () => now,
      30,
    );
    const page = await journal.save(`{"errcode":0,"failed_list":[{"run":"${randomUUID()}"}]}`);
    await journal.recordAsking({ lastAskedAt: now });
    const aside = `{"call_back_tag":"test","run":"${randomUUID()}"}`;
    await journal.setAside(aside, 'ValidationException');
    const expected = Math.floor(now / 1000) + 30 * DAY_S;
    for (const rowId of [...page.rowIds, 'asking', `aside#${newPageId(aside, now)}`])
      expect((await item(LOCAL_RECOVERY_JOURNAL_TABLE, { rowId }))?.ttl, rowId).to.equal(expected);
    await journal.done(page);
  });
});
