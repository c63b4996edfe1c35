import { expect } from 'chai';
import { allRows, createTablestoreClient } from '../../lib/aliyun/tablestore-client';
import { TablestoreApprovalStore } from '../../lib/aliyun/tablestore-approval-store';
import { TablestoreEventStore } from '../../lib/aliyun/tablestore-event-store';
import { TablestoreDeliveryStore } from '../../lib/aliyun/tablestore-delivery-store';
import { TablestoreParkingStore } from '../../lib/aliyun/tablestore-parking-store';
import { TablestoreFailureNotes } from '../../lib/aliyun/tablestore-failure-notes';
import { TablestorePutRow } from '../../lib/aliyun/tablestore-put-row';
import { TablestoreRecoveryJournal } from '../../lib/aliyun/tablestore-recovery-journal';
import { TablestoreSuiteState } from '../../lib/aliyun/tablestore-suite-state';
import { approvalStoreContract } from '../contract/approval-store.contract';
import { deliveryStoreContract } from '../contract/delivery-store.contract';
import { eventStoreContract } from '../contract/event-store.contract';
import { parkingStoreContract } from '../contract/parking-store.contract';
import { purgeContract } from '../contract/purge.contract';
import { recoveryJournalContract } from '../contract/recovery-journal.contract';
import { suiteStateContract } from '../contract/suite-state.contract';
import { RecordingLogger } from '../support/recording-logger';
import { TablestoreWireFake } from '../support/tablestore-wire-fake';

const CREDENTIALS = { accessKeyId: 'LTAIfakeKeyId', accessKeySecret: 'fake-secret-for-the-loopback-fake' };

describe('Tablestore adapters against a wire-level loopback fake built from the SDK’s protobuf definitions', function () {
  this.timeout(60_000);
  let fake: TablestoreWireFake;

  before(async () => {
    fake = await new TablestoreWireFake({
      instance: 'fake-instance',
      ...CREDENTIALS,
      tables: {
        events: 'eventId',
        approvals: 'processInstanceId',
        deliveries: 'eventId',
        journal: 'rowId',
        parked: 'eventId',
        suite_state: 'stateKey',
      },
    }).start();
  });

  after(() => fake.stop());

  const client = () =>
    createTablestoreClient({
      endpoint: fake.endpoint,
      instance: 'fake-instance',
      credentials: CREDENTIALS,
      timeoutMs: 5000,
    });

  it('GIVEN an event with an epoch-ms time WHEN put THEN the fake received an Int64, not a DOUBLE', async () => {
    const store = new TablestoreEventStore(client(), 'events');
    await store.put({
      eventId: 'int64-check',
      eventType: 't',
      receivedAt: new Date().toISOString(),
      ownerKey: 'o',
      payload: '{}',
      eventTime: 1663143335567,
    });
    expect(fake.rawRow('events', 'int64-check')?.get('eventTime')).to.equal(1663143335567n);
  });

  it('GIVEN a client with the wrong secret WHEN it writes THEN the fake refuses it (OTSAuthFailed) and stores nothing', async () => {
    const wrong = createTablestoreClient({
      endpoint: fake.endpoint,
      instance: 'fake-instance',
      credentials: { ...CREDENTIALS, accessKeySecret: 'wrong' },
      timeoutMs: 5000,
      maxRetries: 0,
    });
    const error = await new TablestoreEventStore(wrong, 'events')
      .put({
        eventId: 'auth-check',
        eventType: 't',
        receivedAt: new Date().toISOString(),
        ownerKey: 'o',
        payload: '{}',
      })
      .then(
        () => undefined,
        (e: unknown) => e as { code?: unknown; message?: string },
      );
    expect(error?.code).to.equal(403);
    expect(error?.message).to.contain('OTSAuthFailed');
    expect(fake.rawRow('events', 'auth-check')).to.equal(undefined);
  });

  it('GIVEN more rows than a page WHEN read with allRows THEN every row once, in key order, across pages', async () => {
    const store = new TablestoreEventStore(client(), 'events');
    const ids = Array.from({ length: 10 }, (_, i) => `page-${String(i).padStart(2, '0')}`);
    for (const eventId of [...ids].reverse()) {
      await store.put({
        eventId,
        eventType: 'paging',
        receivedAt: new Date().toISOString(),
        ownerKey: 'o',
        payload: '{}',
      });
    }
    const seen: string[] = [];
    for await (const row of allRows(client(), 'events', 'eventId', 3)) {
      const id = String(row.primaryKey?.[0]?.value);
      if (id.startsWith('page-')) seen.push(id);
    }
    expect(seen).to.deep.equal(ids);
  });

  eventStoreContract(
    'Tablestore (wire-level loopback fake)',
    async () => new TablestoreEventStore(client(), 'events'),
  );
  approvalStoreContract(
    'Tablestore (wire-level loopback fake)',
    async () => new TablestoreApprovalStore(client(), 'approvals'),
  );
  deliveryStoreContract(
    'Tablestore (wire-level loopback fake)',
    async () => new TablestoreDeliveryStore(client(), 'deliveries'),
  );
  recoveryJournalContract(
    'Tablestore (wire-level loopback fake)',
    async () => new TablestoreRecoveryJournal(client(), 'journal', new RecordingLogger()),
    // The callback's own PutRow (no SDK), as the callback writes the note.
    async () =>
      new TablestoreFailureNotes(
        new TablestorePutRow({
          endpoint: fake.endpoint,
          instance: 'fake-instance',
          credentials: CREDENTIALS,
          attemptTimeoutMs: 2000,
          deadlineMs: 5000,
        }),
        'journal',
      ),
  );
  purgeContract('Tablestore (wire-level loopback fake)', async () => {
    const events = new TablestoreEventStore(client(), 'events');
    const deliveries = new TablestoreDeliveryStore(client(), 'deliveries');
    const approvals = new TablestoreApprovalStore(client(), 'approvals');
    const parked = new TablestoreParkingStore(client(), 'parked');
    return { deps: { events, deliveries, approvals, parked }, events, deliveries, approvals };
  });
  suiteStateContract(
    'Tablestore (wire-level loopback fake)',
    async () => new TablestoreSuiteState(client(), 'suite_state'),
  );

  parkingStoreContract('Tablestore (wire-level loopback fake)', async () => ({
    store: new TablestoreParkingStore(client(), 'parked'),
    read: async (eventId) => {
      const row = fake.rawRow('parked', eventId);
      if (!row) return undefined;
      return {
        eventType: String(row.get('eventType')),
        reason: String(row.get('reason')),
        record: String(row.get('record')),
        attempts: Number(row.get('attempts')),
      };
    },
  }));
});

/**
 * The same contracts against a real Tablestore instance. Runs only when credentials and an instance with
 * both tables are configured; otherwise reported as pending, with the reason in its title.
 */
const live = {
  endpoint: process.env.TABLESTORE_TEST_ENDPOINT,
  instance: process.env.TABLESTORE_TEST_INSTANCE,
  accessKeyId: process.env.ALIBABA_CLOUD_ACCESS_KEY_ID,
  accessKeySecret: process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
};
const liveConfigured = Object.values(live).every(Boolean);
const describeLive = liveConfigured ? describe : describe.skip;

describeLive(
  `Tablestore adapters against a real instance${liveConfigured ? '' : ' (SKIPPED: set TABLESTORE_TEST_ENDPOINT, TABLESTORE_TEST_INSTANCE, ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET; tables from TABLESTORE_TEST_EVENTS_TABLE / TABLESTORE_TEST_APPROVALS_TABLE)'}`,
  function () {
    this.timeout(120_000);
    const client = () =>
      createTablestoreClient({
        endpoint: live.endpoint!,
        instance: live.instance!,
        credentials: { accessKeyId: live.accessKeyId!, accessKeySecret: live.accessKeySecret! },
        timeoutMs: 10_000,
        maxRetries: 3,
      });
    eventStoreContract(
      'Tablestore (live)',
      async () =>
        new TablestoreEventStore(
          client(),
          process.env.TABLESTORE_TEST_EVENTS_TABLE ?? 'dingtalk_callback_events_test',
        ),
    );
    approvalStoreContract(
      'Tablestore (live)',
      async () =>
        new TablestoreApprovalStore(
          client(),
          process.env.TABLESTORE_TEST_APPROVALS_TABLE ?? 'dingtalk_callback_approvals_test',
        ),
    );
  },
);
