import { expect } from 'chai';
import http from 'node:http';
import https from 'node:https';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { TablestoreEventWriter } from '../../lib/aliyun/tablestore-event-writer';
import { createTablestoreClient } from '../../lib/aliyun/tablestore-client';
import { TablestoreEventStore } from '../../lib/aliyun/tablestore-event-store';
import { TablestorePutRow, TablestoreWriteError } from '../../lib/aliyun/tablestore-put-row';
import type { StoredEvent } from '../../lib/core/stored-event';
import { TablestoreWireFake } from '../support/tablestore-wire-fake';

const CREDENTIALS = { accessKeyId: 'LTAIfakeKeyId', accessKeySecret: 'fake-secret-for-the-loopback-fake' };
const INSTANCE = 'fake-instance';

const event = (eventId: string): StoredEvent => ({
  eventId,
  eventType: 'bpms_instance_change',
  receivedAt: '2026-11-27T08:00:00.000Z',
  ownerKey: 'dingcorp',
  payload: '{"EventType":"bpms_instance_change","title":"请假 ✓","processInstanceId":"p-1"}',
  corpId: 'dingcorp',
  eventTime: 1764230400123,
  processInstanceId: 'p-1',
});

describe('The callback’s own signed PutRow against the wire-level loopback fake of Tablestore', function () {
  this.timeout(30_000);
  let fake: TablestoreWireFake;
  const clients: TablestorePutRow[] = [];

  const putRow = (overrides: Partial<ConstructorParameters<typeof TablestorePutRow>[0]> = {}) => {
    const client = new TablestorePutRow({
      endpoint: fake.endpoint,
      instance: INSTANCE,
      credentials: CREDENTIALS,
      attemptTimeoutMs: 400,
      deadlineMs: 1000,
      ...overrides,
    });
    clients.push(client);
    return client;
  };
  const sdkStore = () =>
    new TablestoreEventStore(
      createTablestoreClient({
        endpoint: fake.endpoint,
        instance: INSTANCE,
        credentials: CREDENTIALS,
        timeoutMs: 5000,
      }),
      'events',
    );

  beforeEach(async () => {
    fake = await new TablestoreWireFake({
      instance: INSTANCE,
      ...CREDENTIALS,
      tables: { events: 'eventId' },
    }).start();
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await fake.stop();
  });

  it('GIVEN an event WHEN written by the callback’s writer THEN the SDK reads back the same event, epoch ms as Int64 (signature, MD5 and CRC-8 checked by the fake)', async () => {
    const writer = new TablestoreEventWriter(putRow({ attemptTimeoutMs: 400, deadlineMs: 1000 }), 'events');
    expect(await writer.put(event('e-1'))).to.equal('stored');
    expect(await sdkStore().get('e-1')).to.deep.equal(event('e-1'));
    expect(fake.rawRow('events', 'e-1')?.get('eventTime')).to.equal(1764230400123n);
    expect(fake.rawRow('events', 'e-1')?.get('receivedMonth')).to.equal('2026-11');
  });

  it('GIVEN a row already stored WHEN put again THEN "exists" and the first row stays', async () => {
    const client = putRow();
    const request = {
      table: 'events',
      primaryKey: ['eventId', 'dup'] as const,
      columns: [['payload', 'first']] as const,
    };
    expect(await client.putIfAbsent(request)).to.equal('stored');
    expect(await client.putIfAbsent({ ...request, columns: [['payload', 'second']] })).to.equal('exists');
    expect(fake.rawRow('events', 'dup')?.get('payload')).to.equal('first');
  });

  it('GIVEN the wrong secret WHEN put THEN OTSAuthFailed, not retried, nothing stored', async () => {
    const client = putRow({ credentials: { ...CREDENTIALS, accessKeySecret: 'wrong' } });
    const error = await client
      .putIfAbsent({ table: 'events', primaryKey: ['eventId', 'auth'], columns: [] })
      .then(
        () => undefined,
        (e: unknown) => e as TablestoreWriteError,
      );
    expect(error).to.be.instanceOf(TablestoreWriteError);
    expect(error?.code).to.equal('OTSAuthFailed');
    expect(error?.retryable).to.equal(false);
    expect(fake.operations.filter((op) => op === 'PutRow')).to.have.length(1);
    expect(fake.rowCount('events')).to.equal(0);
  });

  it('GIVEN the store wrote the row but its answer never came WHEN put THEN one retry, answered "exists", stored once', async () => {
    const client = putRow({ attemptTimeoutMs: 300, deadlineMs: 1000 });
    fake.withholdNextAnswers(1);
    const outcome = await client.putIfAbsent({
      table: 'events',
      primaryKey: ['eventId', 'lost-answer'],
      columns: [['payload', 'x']],
    });
    expect(outcome).to.equal('exists');
    expect(fake.operations.filter((op) => op === 'PutRow')).to.have.length(2);
    expect(fake.rowCount('events')).to.equal(1);
  });

  it('GIVEN a store that never answers WHEN put THEN it gives up after two attempts with a retryable timeout', async () => {
    const client = putRow({ attemptTimeoutMs: 300, deadlineMs: 800 });
    fake.withholdNextAnswers(10);
    const error = await client
      .putIfAbsent({ table: 'events', primaryKey: ['eventId', 'silent'], columns: [] })
      .then(
        () => undefined,
        (e: unknown) => e as TablestoreWriteError,
      );
    expect(error?.code).to.equal('Timeout');
    expect(error?.retryable).to.equal(true);
    expect(fake.operations.filter((op) => op === 'PutRow')).to.have.length(2);
  });

  it('GIVEN a port that resets every connection WHEN put THEN a retryable network error after two attempts', async () => {
    let accepted = 0;
    const resetter: Server = createServer((socket) => {
      accepted++;
      socket.resetAndDestroy();
    });
    await new Promise<void>((resolve) => resetter.listen(0, '127.0.0.1', resolve));
    try {
      const client = putRow({ endpoint: `http://127.0.0.1:${(resetter.address() as AddressInfo).port}` });
      const error = await client
        .putIfAbsent({ table: 'events', primaryKey: ['eventId', 'reset'], columns: [] })
        .then(
          () => undefined,
          (e: unknown) => e as TablestoreWriteError,
        );
      expect(error?.retryable).to.equal(true);
      expect(accepted).to.equal(2);
    } finally {
      await new Promise((resolve) => resetter.close(resolve));
    }
  });

  it('GIVEN ten puts in a row WHEN written THEN one kept-alive connection carries them and the global agents are untouched', async () => {
    const before = [http.globalAgent.maxSockets, https.globalAgent.maxSockets];
    const client = putRow();
    for (let i = 0; i < 10; i++) {
      await client.putIfAbsent({ table: 'events', primaryKey: ['eventId', `ka-${i}`], columns: [['n', i]] });
    }
    expect(fake.rowCount('events')).to.equal(10);
    expect(fake.connections).to.equal(1);
    expect([http.globalAgent.maxSockets, https.globalAgent.maxSockets]).to.deep.equal(before);
  });

  it('GIVEN a number that is not a safe integer WHEN put THEN refused before anything is sent', async () => {
    const client = putRow();
    const error = await client
      .putIfAbsent({ table: 'events', primaryKey: ['eventId', 'nan'], columns: [['n', 1.5]] })
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(error).to.be.instanceOf(TypeError);
    expect(fake.operations).to.have.length(0);
  });
});
