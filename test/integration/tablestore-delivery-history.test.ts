import { expect } from 'chai';
import { createTablestoreClient } from '../../lib/aliyun/tablestore-client';
import { TablestoreApprovalStore } from '../../lib/aliyun/tablestore-approval-store';
import { TablestoreDeliveryStore } from '../../lib/aliyun/tablestore-delivery-store';
import { eventRowColumns } from '../../lib/aliyun/tablestore-event-row';
import { TablestoreEventStore } from '../../lib/aliyun/tablestore-event-store';
import type { Delivery } from '../../lib/core/forwarding';
import { TablestoreWireFake } from '../support/tablestore-wire-fake';

const CREDENTIALS = { accessKeyId: 'LTAIfakeKeyId', accessKeySecret: 'fake-secret-for-the-loopback-fake' };
const HISTORY = 20_000;
const NOW = '2026-11-30T12:00:00.000Z';

/** A record as an earlier version stored it: the row only, no index entries. */
function olderRow(index: number, status: 'delivered' | 'pending' | 'failed') {
  const receivedAt = new Date(Date.parse('2026-01-01T00:00:00Z') + index * 60_000).toISOString();
  return [
    `history-${String(index).padStart(6, '0')}`,
    {
      eventType: 'bpms_instance_change',
      receivedAt,
      status,
      attempts: 1,
      ...(status === 'pending' ? { nextAttemptAt: '2026-11-30T11:00:00.000Z' } : {}),
      updatedAt: receivedAt,
      revision: 1,
    },
  ] as [string, Record<string, string | number>];
}

describe('Tablestore deliveries, events and approvals over a long history (wire-level loopback fake, rows read counted by the fake)', function () {
  this.timeout(120_000);
  let fake: TablestoreWireFake;
  const client = () =>
    createTablestoreClient({
      endpoint: fake.endpoint,
      instance: 'fake-instance',
      credentials: CREDENTIALS,
      timeoutMs: 10_000,
    });

  beforeEach(async () => {
    fake = await new TablestoreWireFake({
      instance: 'fake-instance',
      ...CREDENTIALS,
      tables: { deliveries: 'eventId', events: 'eventId', approvals: 'processInstanceId' },
    }).start();
  });
  afterEach(() => fake.stop());

  it(`GIVEN ${HISTORY} delivered records and 10 due WHEN a retry run asks what is due THEN it reads about the 10, not the history`, async () => {
    const store = new TablestoreDeliveryStore(client(), 'deliveries');
    // The history as an earlier version left it; the first run adds its entries (measured apart below).
    fake.seed(
      'deliveries',
      Array.from({ length: HISTORY }, (_, n) => olderRow(n, 'delivered')),
    );
    await store.due(NOW, 1); // an older version's table: its entries are added once
    for (let n = 0; n < 10; n++) {
      const [eventId, columns] = olderRow(HISTORY + n, 'pending');
      const pending: Delivery = {
        eventId,
        eventType: String(columns.eventType),
        receivedAt: String(columns.receivedAt),
        status: 'pending',
        attempts: 1,
        nextAttemptAt: String(columns.nextAttemptAt),
        updatedAt: String(columns.updatedAt),
        revision: 0,
      };
      expect(await store.create(pending)).to.equal(true);
    }

    fake.resetRowsRead();
    const due = await store.due(NOW, 500);

    expect(due.map((d) => d.eventId)).to.have.length(10);
    // 10 entries and their 10 records (and the once-per-process marker read).
    expect(fake.rowsReadFrom('deliveries')).to.be.at.most(25);
  });

  it('GIVEN a table from before the index with pending records WHEN first asked what is due THEN they are found, and the full read happens once per table', async () => {
    fake.seed('deliveries', [olderRow(1, 'delivered'), olderRow(2, 'pending'), olderRow(3, 'failed')]);
    const first = new TablestoreDeliveryStore(client(), 'deliveries');
    expect((await first.due(NOW, 10)).map((d) => d.eventId)).to.deep.equal(['history-000002']);
    expect((await first.list({ status: 'failed', limit: 5 })).map((d) => d.eventId)).to.deep.equal([
      'history-000003',
    ]);

    fake.resetRowsRead();
    const later = new TablestoreDeliveryStore(client(), 'deliveries'); // another process, same table
    expect((await later.due(NOW, 10)).map((d) => d.eventId)).to.deep.equal(['history-000002']);
    expect(fake.rowsReadFrom('deliveries')).to.be.at.most(3); // marker, entry, record
  });

  it(`GIVEN ${HISTORY} records, 29 of them failed, WHEN listing 20 failed THEN the newest 20 come back and about 40 rows are read`, async () => {
    const rows = Array.from({ length: HISTORY }, (_, n) =>
      olderRow(n, n % 700 === 0 ? 'failed' : 'delivered'),
    );
    fake.seed('deliveries', rows);
    const store = new TablestoreDeliveryStore(client(), 'deliveries');
    await store.due(NOW, 1);
    fake.resetRowsRead();

    const failed = await store.list({ status: 'failed', limit: 20 });

    const expected = rows
      .filter(([, columns]) => columns.status === 'failed')
      .map(([eventId]) => eventId)
      .reverse()
      .slice(0, 20);
    expect(failed.map((d) => d.eventId)).to.deep.equal(expected);
    expect(fake.rowsReadFrom('deliveries')).to.be.at.most(42); // 20 entries, 20 records, the marker
  });

  it('GIVEN a writer that died between its index entry and its record WHEN read later THEN the extra entry is skipped, and removed once stale', async () => {
    let clock = Date.parse(NOW);
    const store = new TablestoreDeliveryStore(client(), 'deliveries', () => clock);
    const record: Delivery = {
      eventId: 'moved-on',
      eventType: 't',
      receivedAt: '2026-11-30T10:00:00.000Z',
      status: 'pending',
      attempts: 0,
      nextAttemptAt: '2026-11-30T10:00:00.000Z',
      updatedAt: '2026-11-30T10:00:00.000Z',
      revision: 0,
    };
    await store.create(record);
    // What a dead writer leaves: an entry for a state the record never reached.
    fake.seed('deliveries', [
      ['~due|2026-11-30T10:30:00.000Z|moved-on', { record: 'moved-on', writtenAt: clock }],
    ]);
    expect((await store.due(NOW, 10)).map((d) => d.nextAttemptAt)).to.deep.equal([record.nextAttemptAt]);
    expect(fake.rawRow('deliveries', '~due|2026-11-30T10:30:00.000Z|moved-on')).to.not.equal(undefined);

    clock += 6 * 60_000;
    await store.due(NOW, 10);
    expect(fake.rawRow('deliveries', '~due|2026-11-30T10:30:00.000Z|moved-on')).to.equal(undefined);
    expect(await store.get('moved-on')).to.deep.equal(record);
  });

  it(`GIVEN ${HISTORY} events of two types WHEN 20 of one type, and 20 of any, are listed THEN the newest come back and about 40 rows are read each`, async () => {
    const store = new TablestoreEventStore(client(), 'events');
    const events = Array.from({ length: HISTORY }, (_, n) => ({
      eventId: `event-${String(n).padStart(6, '0')}`,
      eventType: n % 2 === 0 ? 'bpms_instance_change' : 'user_add_org',
      receivedAt: new Date(Date.parse('2026-01-01T00:00:00Z') + n * 60_000).toISOString(),
      ownerKey: 'dingcorp',
      payload: '{}',
    }));
    // The rows as the callback writes them; their entries come from the one-time build (an older table).
    fake.seed(
      'events',
      events.map((event) => [event.eventId, Object.fromEntries(eventRowColumns(event))]),
    );
    await store.list({ limit: 1 });
    fake.resetRowsRead();

    const typed = await store.list({ eventType: 'user_add_org', limit: 20 });
    expect(typed.map((e) => e.eventId)).to.deep.equal(
      events
        .filter((e) => e.eventType === 'user_add_org')
        .map((e) => e.eventId)
        .reverse()
        .slice(0, 20),
    );
    expect(fake.rowsReadFrom('events')).to.be.at.most(41);
    fake.resetRowsRead();
    const any = await store.list({ since: events[HISTORY - 30]!.receivedAt, limit: 20 });
    expect(any.map((e) => e.eventId)).to.deep.equal(
      events
        .map((e) => e.eventId)
        .reverse()
        .slice(0, 20),
    );
    expect(fake.rowsReadFrom('events')).to.be.at.most(40);
  });

  it(`GIVEN ${HISTORY} approval instances WHEN 20 completed ones are listed THEN the newest created come back and about 40 rows are read`, async () => {
    const store = new TablestoreApprovalStore(client(), 'approvals');
    const approvals = Array.from({ length: HISTORY }, (_, n) => ({
      processInstanceId: `pi-${String(n).padStart(6, '0')}`,
      status: n % 3 === 0 ? 'COMPLETED' : 'RUNNING',
      createTime: Date.parse('2026-01-01T00:00:00Z') + n * 60_000,
      tasks: {},
    }));
    // Rows as an older version wrote them; their entries come from the one-time build.
    fake.seed(
      'approvals',
      approvals.map((approval) => [
        approval.processInstanceId,
        {
          state: JSON.stringify({ approval }),
          status: approval.status,
          createTime: approval.createTime,
          version: 1,
        },
      ]),
    );
    await store.list({ limit: 1 });
    fake.resetRowsRead();

    const completed = await store.list({ status: 'COMPLETED', limit: 20 });

    expect(completed.map((a) => a.processInstanceId)).to.deep.equal(
      approvals
        .filter((a) => a.status === 'COMPLETED')
        .map((a) => a.processInstanceId)
        .reverse()
        .slice(0, 20),
    );
    expect(fake.rowsReadFrom('approvals')).to.be.at.most(40);
  });
});
