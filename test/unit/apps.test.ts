import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallbackRequest } from '../../lib/core/ingest';
import { createIngest } from '../../lib/core/ingest';
import { DingTalkApps } from '../../lib/dingtalk/apps';
import { DingTalkCrypto } from '../../lib/dingtalk/callback-crypto';
import { signPush } from '../../lib/dingtalk/push-sender';
import { readDingTalkApps } from '../../lib/startup/app-settings';
import { DEV_DINGTALK_ENV } from '../../local-dev/dev-credentials';
import type { TestAppId } from '../support/apps';
import { TEST_APPS, TEST_APPS_JSON, appSide } from '../support/apps';
import {
  InMemoryApprovalStore,
  InMemoryDeliveryStore,
  InMemoryEventStore,
  InMemorySuiteState,
} from '../support/in-memory-stores';
import { createForwarding } from '../../lib/core/forwarding';
import { createStoredEventProcessor } from '../../lib/core/stored-event-processing';
import { SuiteState } from '../../lib/core/suite-state';
import { suiteItem } from '../contract/suite-state.contract';
import { RecordingLogger } from '../support/recording-logger';

const FIXTURES = join(__dirname, '..', '..', 'examples', 'events');

function problemsOf(env: Record<string, string | undefined>, use: 'push' | 'recovery' | 'stream' = 'push') {
  const problems: string[] = [];
  const apps = readDingTalkApps(env, problems, use);
  return { apps, problems };
}

function request(app: TestAppId, plaintext: string, path?: string): CallbackRequest {
  const { crypto, ownerKey } = appSide(app);
  const { query, body } = signPush(crypto, plaintext, ownerKey);
  return { method: 'POST', query, body, ...(path === undefined ? {} : { appId: path }) };
}

function ingestOf(store = new InMemoryEventStore(), logger = new RecordingLogger()) {
  const { apps } = problemsOf({ DINGTALK_APPS: TEST_APPS_JSON });
  return {
    store,
    logger,
    ingest: createIngest({
      apps: DingTalkApps.of(apps),
      store,
      logger,
      now: Date.now,
      maxBodyBytes: 1 << 20,
    }),
  };
}

describe('DINGTALK_APPS: the apps one deployment serves', () => {
  it('GIVEN two internal apps and a suite WHEN read THEN each with its kind, credentials and owner key', () => {
    const { apps, problems } = problemsOf({ DINGTALK_APPS: TEST_APPS_JSON });
    expect(problems).to.deep.equal([]);
    expect(apps.map(({ id, kind, ownerKeys, stream }) => ({ id, kind, ownerKeys, stream }))).to.deep.equal([
      { id: 'hr', kind: 'internal', ownerKeys: ['dinghrappkey'], stream: false },
      { id: 'oa', kind: 'internal', ownerKeys: ['dingoaappkey'], stream: false },
      { id: 'isv', kind: 'suite', ownerKeys: ['suite1234567key'], stream: false },
    ]);
  });

  it('GIVEN DINGTALK_APPS_FILE WHEN read THEN the same apps as the variable', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'apps-')), 'apps.json');
    writeFileSync(file, TEST_APPS_JSON);
    expect(problemsOf({ DINGTALK_APPS_FILE: file }).apps).to.deep.equal(
      problemsOf({ DINGTALK_APPS: TEST_APPS_JSON }).apps,
    );
  });

  it('GIVEN neither WHEN read THEN the single-app variables are the app `default`, as before', () => {
    const { apps, problems } = problemsOf({ ...DEV_DINGTALK_ENV });
    expect(problems).to.deep.equal([]);
    expect(apps).to.deep.equal([
      {
        id: 'default',
        kind: 'internal',
        token: DEV_DINGTALK_ENV.DINGTALK_TOKEN,
        aesKey: DEV_DINGTALK_ENV.DINGTALK_AES_KEY,
        ownerKeys: ['dingdevcorp', 'devappkey'],
        stream: false,
      },
    ]);
  });

  it('GIVEN a bad list WHEN read THEN every problem names the app and the field, never a value', () => {
    const secret = 'VerySecretTokenValue';
    const list = [
      { id: 'hr', token: secret, aesKey: 'short', ownerKey: 'k' },
      { id: 'bad id!', token: secret, aesKey: TEST_APPS[0].aesKey, ownerKey: 'k' },
      { id: 'hr', token: 'x', aesKey: TEST_APPS[0].aesKey, kind: 'isv', stream: 'yes', aeskey: secret },
      'not an object',
    ];
    const { problems } = problemsOf({ DINGTALK_APPS: JSON.stringify(list) });
    expect(problems).to.deep.equal([
      'DINGTALK_APPS[0] (hr): aesKey must be exactly 43 characters of [A-Za-z0-9] (got 5 characters)',
      'DINGTALK_APPS[1]: id must be 1-32 letters, digits or "-", starting with a letter or digit',
      'DINGTALK_APPS[2] (hr): unknown field "aeskey" (known: id, kind, token, aesKey, ownerKey, appKey, appSecret, stream)',
      'DINGTALK_APPS[2] (hr): kind must be "internal" or "suite"',
      'DINGTALK_APPS[2] (hr): stream must be true or false',
      'DINGTALK_APPS[2] (hr): token must be 3-63 printable ASCII characters without spaces',
      'DINGTALK_APPS[2] (hr): ownerKey is not set',
      'DINGTALK_APPS[2] (hr): id is listed twice',
      'DINGTALK_APPS[3] must be an object',
    ]);
    expect(problems.join('\n')).not.to.contain(secret);
  });

  it('GIVEN DINGTALK_APPS and DINGTALK_TOKEN both WHEN read THEN refused: one way to describe the apps', () => {
    const { problems } = problemsOf({ DINGTALK_APPS: TEST_APPS_JSON, DINGTALK_TOKEN: 'x-token' });
    expect(problems).to.deep.equal([
      'DINGTALK_TOKEN describe one app; with DINGTALK_APPS list it there (as id "default") instead',
    ]);
  });

  it('GIVEN an app without appKey/appSecret WHEN the recovery or Stream Mode reads it THEN named as needed there', () => {
    const list = [
      { id: 'hr', token: 'hr-token', aesKey: TEST_APPS[0].aesKey, ownerKey: 'dingcorp' },
      { id: 'live', token: 'live-token', aesKey: TEST_APPS[0].aesKey, ownerKey: 'k', stream: true },
      { id: 'isv', kind: 'suite', token: 'isv-token', aesKey: TEST_APPS[0].aesKey, ownerKey: 'suite' },
    ];
    const env = { DINGTALK_APPS: JSON.stringify(list) };
    expect(problemsOf(env, 'push').problems).to.deep.equal([]);
    expect(problemsOf(env, 'recovery').problems).to.deep.equal([
      'DINGTALK_APPS[0] (hr): appKey is not set (needed to ask its failed list)',
      'DINGTALK_APPS[0] (hr): appSecret is not set (needed to ask its failed list)',
      'DINGTALK_APPS[1] (live): appKey is not set (needed to ask its failed list)',
      'DINGTALK_APPS[1] (live): appSecret is not set (needed to ask its failed list)',
    ]);
    expect(problemsOf(env, 'stream').problems).to.deep.equal([
      'DINGTALK_APPS[1] (live): appKey is not set (needed by Stream Mode)',
      'DINGTALK_APPS[1] (live): appSecret is not set (needed by Stream Mode)',
    ]);
  });
});

describe('ingest with several apps (in process, in-memory store)', () => {
  it('GIVEN a push to each app’s path WHEN handled THEN opened with its credentials, answered under its owner key, stored with its appId', async () => {
    const { ingest, store } = ingestOf();
    for (const app of ['hr', 'oa'] as const) {
      const plaintext = JSON.stringify({
        EventType: 'user_add_org',
        eventId: `e-${app}`,
        CorpId: 'dingcorp1',
      });
      const response = await ingest(request(app, plaintext, app));
      expect(response.statusCode).to.equal(200);
      const reply = appSide(app).crypto.openReply(JSON.parse(response.body));
      expect(reply).to.deep.equal({ message: 'success', ownerKey: appSide(app).ownerKey });
      expect(store.events.get(`e-${app}`)).to.include({ appId: app, corpId: 'dingcorp1' });
    }
  });

  it('GIVEN a push signed for one app WHEN sent to another app’s path THEN 401 and nothing stored', async () => {
    const { ingest, store } = ingestOf();
    const plaintext = JSON.stringify({ EventType: 'user_add_org', eventId: 'forged' });
    const response = await ingest(request('hr', plaintext, 'oa'));
    expect(response.statusCode).to.equal(401);
    expect(store.events.size).to.equal(0);
  });

  it('GIVEN a path naming no app WHEN a push arrives THEN 404 and nothing stored', async () => {
    const { ingest, store } = ingestOf();
    const response = await ingest(request('hr', JSON.stringify({ EventType: 'x', eventId: 'y' }), 'payroll'));
    expect([response.statusCode, JSON.parse(response.body)]).to.deep.equal([404, { error: 'no such app' }]);
    expect(store.events.size).to.equal(0);
  });

  it('GIVEN pushes on the shared path WHEN handled THEN the app whose token verifies opens each; one under no app is 401', async () => {
    const { ingest, store } = ingestOf();
    for (const app of ['hr', 'oa', 'isv'] as const) {
      const response = await ingest(
        request(app, JSON.stringify({ EventType: 'org_dept_create', eventId: `shared-${app}` })),
      );
      expect(appSide(app).crypto.openReply(JSON.parse(response.body)).ownerKey).to.equal(
        appSide(app).ownerKey,
      );
      expect(store.events.get(`shared-${app}`)?.appId).to.equal(app);
    }
    const stranger = new DingTalkCrypto({ ...appSide('hr').app, token: 'a-token-no-app-has' });
    const { query, body } = signPush(
      stranger,
      JSON.stringify({ EventType: 'x', eventId: 'z' }),
      'dinghrappkey',
    );
    expect((await ingest({ method: 'POST', query, body })).statusCode).to.equal(401);
    expect(store.events.has('z')).to.equal(false);
  });

  it('GIVEN the same text without an eventId pushed to two apps WHEN stored THEN two events: the content identity carries the app', async () => {
    const { ingest, store } = ingestOf();
    const plaintext = JSON.stringify({
      EventType: 'user_add_org',
      UserId: ['u1'],
      TimeStamp: '1646113889363',
    });
    for (const app of ['hr', 'oa'] as const)
      expect((await ingest(request(app, plaintext, app))).statusCode).to.equal(200);
    expect([...store.events.keys()].sort()).to.deep.equal(
      ['hr', 'oa'].map(
        (app) => `${app}:sha256:${[...store.events.values()][0]!.eventId.split('sha256:')[1]}`,
      ),
    );
  });

  it('GIVEN the SyncHTTP HIGH fixture WHEN pushed twice to the suite THEN one event per item (suite_ticket, org_suite_auth), each stored once, with corp and exact text; the ticket never logged', async () => {
    const { ingest, store, logger } = ingestOf();
    // The fixture as written (indented): each item's text is cut from it byte for byte.
    const plaintext = readFileSync(join(FIXTURES, 'SYNC_HTTP_PUSH_HIGH.shape-synchttp.json'), 'utf8');
    for (let i = 0; i < 2; i++) {
      const response = await ingest(request('isv', plaintext, 'isv'));
      expect(appSide('isv').crypto.openReply(JSON.parse(response.body)).message).to.equal('success');
    }
    const events = [...store.events.values()];
    expect(
      events.map(({ eventId, eventType, corpId, appId }) => ({ eventId, eventType, corpId, appId })),
    ).to.deep.equal([
      {
        eventId: 'synchttp:isv:suite1234567_0:dingisvownercorp0001:2:suite1234567:1764567600000',
        eventType: 'suite_ticket',
        corpId: 'dingisvownercorp0001',
        appId: 'isv',
      },
      {
        eventId: 'synchttp:isv:suite1234567_0:dingcustomercorp0001:4:suite1234567:1764567600500',
        eventType: 'org_suite_auth',
        corpId: 'dingcustomercorp0001',
        appId: 'isv',
      },
    ]);
    const items = (JSON.parse(plaintext) as { bizData: unknown[] }).bizData;
    expect(events.map((event) => JSON.parse(event.payload))).to.deep.equal(items);
    for (const event of events) expect(plaintext).to.contain(event.payload);
    expect(events[0]!.payload).to.match(/^\{\n\s+"corp_id"/);
    expect(logger.text('debug')).not.to.contain('DemoSuiteTicketNotSecret0001');
    expect(
      logger.records
        .filter((record) => record.message === 'event accepted')
        .map((record) => record.attributes.outcome),
    ).to.deep.equal(['stored', 'stored', 'duplicate', 'duplicate']);
  });

  it('GIVEN the MEDIUM fixture and then a newer version of one item WHEN pushed THEN each version is its own event, per corp', async () => {
    const { ingest, store } = ingestOf();
    const batch = JSON.parse(
      readFileSync(join(FIXTURES, 'SYNC_HTTP_PUSH_MEDIUM.shape-synchttp.json'), 'utf8'),
    ) as {
      bizData: Array<Record<string, unknown>>;
    };
    expect((await ingest(request('isv', JSON.stringify(batch), 'isv'))).statusCode).to.equal(200);
    const newer = {
      ...batch,
      bizData: [{ ...batch.bizData[0]!, gmt_modified: 1764567800000, open_cursor: 2003 }],
    };
    expect((await ingest(request('isv', JSON.stringify(newer), 'isv'))).statusCode).to.equal(200);
    expect([...store.events.values()].map(({ eventType, corpId }) => `${eventType}@${corpId}`)).to.deep.equal(
      [
        'user_add_org@dingcustomercorp0001',
        'user_modify_org@dingcustomercorp0002',
        'user_add_org@dingcustomercorp0001',
      ],
    );
  });

  it('GIVEN a SyncHTTP batch whose second item the store refuses WHEN pushed THEN 503 (DingTalk resends the batch), and the resend stores the rest once', async () => {
    const store = new InMemoryEventStore();
    const { ingest } = ingestOf(store);
    const plaintext = readFileSync(join(FIXTURES, 'SYNC_HTTP_PUSH_MEDIUM.shape-synchttp.json'), 'utf8');
    store.refuse = (event) => (event.corpId === 'dingcustomercorp0002' ? new Error('store down') : undefined);
    expect((await ingest(request('isv', plaintext, 'isv'))).statusCode).to.equal(503);
    store.refuse = undefined;
    expect((await ingest(request('isv', plaintext, 'isv'))).statusCode).to.equal(200);
    expect(store.events.size).to.equal(2);
  });

  it('GIVEN check_create_suite_url and check_update_suite_url WHEN pushed to the suite THEN success, nothing stored', async () => {
    const { ingest, store } = ingestOf();
    for (const type of ['check_create_suite_url', 'check_update_suite_url']) {
      const response = await ingest(request('isv', JSON.stringify({ EventType: type }), 'isv'));
      expect(appSide('isv').crypto.openReply(JSON.parse(response.body)).message).to.equal('success');
    }
    expect(store.events.size).to.equal(0);
  });

  it('GIVEN a SyncHTTP batch without bizData WHEN pushed THEN 400 and nothing stored', async () => {
    const { ingest, store } = ingestOf();
    const response = await ingest(
      request('isv', JSON.stringify({ EventType: 'SYNC_HTTP_PUSH_HIGH' }), 'isv'),
    );
    expect(response.statusCode).to.equal(400);
    expect(store.events.size).to.equal(0);
  });
});

describe('stored-event processing of a suite’s items (core, in-memory stores, a receiver stand-in at the port)', () => {
  it('GIVEN a stored suite_ticket and an address-book item WHEN processed with forwarding on THEN the ticket becomes the suite’s state and gets no delivery record; the item is forwarded', async () => {
    const sent: string[] = [];
    const deliveries = new InMemoryDeliveryStore();
    const suiteRows = new InMemorySuiteState();
    const forwarding = createForwarding({
      deliveries,
      events: new InMemoryEventStore(),
      forwarder: {
        forward: async (event) => {
          sent.push(event.eventId);
          return { ok: true, status: '200' };
        },
      },
      schedule: [5_000],
      logger: new RecordingLogger(),
      now: Date.now,
      attemptLeaseMs: 8_000,
    });
    const process = createStoredEventProcessor({
      approvals: new InMemoryApprovalStore(),
      suites: new SuiteState(suiteRows),
      forwarding,
      logger: new RecordingLogger(),
    });
    const ticket = suiteItem('isv', 'suite_ticket', 'dingisv', 1_764_600_000_000, { suiteTicket: 'T-1' });
    const user = suiteItem('isv', 'user_add_org', 'dingcorpA', 1_764_600_000_500, { userid: 'u1' });
    for (const event of [ticket, user]) await process(event);
    expect(sent).to.deep.equal([user.eventId]);
    expect(await deliveries.get(ticket.eventId)).to.equal(undefined);
    expect((await new SuiteState(suiteRows).ticket('isv'))?.ticket).to.equal('T-1');
  });
});
