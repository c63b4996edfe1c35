import AdmZip from 'adm-zip';
import TableStore from 'tablestore';
import { expect } from 'chai';
import { encode } from 'cbor-x';
import { execFileSync, fork } from 'node:child_process';
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EncryptedReply } from '../../lib/dingtalk/callback-crypto';
import { TEST_APPS_JSON, appSide } from '../support/apps';
import { signPush } from '../../lib/dingtalk/push-sender';
import { DEV_DINGTALK_ENV } from '../../local-dev/dev-credentials';
import { DingTalkOpenApiStandIn } from '../../local-dev/dingtalk-open-api-standin';
import { PROJECT_ROOT, SERVERLESS_BIN } from '../../local-dev/serverless-config';
import { fcHttpEvent } from '../support/aliyun-events';
import { runCli } from '../support/cli';
import { devCrypto, signedPush } from '../support/dingtalk-client';
import { freePort } from '../support/local-stack';
import { TablestoreWireFake } from '../support/tablestore-wire-fake';
import { chineseApproval } from '../support/large-payloads';
import { createTablestoreClient } from '../../lib/aliyun/tablestore-client';
import { TablestoreDeliveryStore } from '../../lib/aliyun/tablestore-delivery-store';
import { TablestoreEventStore } from '../../lib/aliyun/tablestore-event-store';
import { TablestoreParkingStore } from '../../lib/aliyun/tablestore-parking-store';

const TABLES = {
  events: 'dingtalk_callback_events_dev',
  approvals: 'dingtalk_callback_approvals_dev',
  parked: 'dingtalk_callback_parked_dev',
  journal: 'dingtalk_callback_recovery_dev',
  deliveries: 'dingtalk_callback_deliveries_dev',
};
const ROLE_CREDENTIALS = { accessKeyId: 'STS.fakeRoleKey', accessKeySecret: 'fake-role-secret' };
const CONTEXT = { requestId: 'req-1', credentials: { ...ROLE_CREDENTIALS, securityToken: 'fake-sts-token' } };

interface Invocation {
  eventBase64: string;
  context: unknown;
}

/** Invokes a handler file from the unzipped artifact in a process of its own, as FC's runtime does. */
function invokeFromArtifact(
  bundle: string,
  env: NodeJS.ProcessEnv,
  events: Buffer[],
  context: unknown = CONTEXT,
): Promise<unknown[]> {
  const child = fork(join(PROJECT_ROOT, 'test/support/fc-invoke.cjs'), [], {
    env,
    execArgv: [],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const invocations: Invocation[] = events.map((event) => ({
    eventBase64: event.toString('base64'),
    context,
  }));
  return new Promise((resolve, reject) => {
    child.once('message', (results) => {
      const list = results as Array<{ ok: boolean; value?: unknown; error?: string }>;
      const failure = list.find((result) => !result.ok);
      if (failure) reject(new Error(failure.error));
      else resolve(list.map((result) => result.value));
    });
    child.once('error', reject);
    child.send({ bundle, invocations });
  });
}

function decryptedReply(response: unknown): string {
  const { statusCode, body, isBase64Encoded } = response as {
    statusCode: number;
    body: string;
    isBase64Encoded: boolean;
  };
  expect(statusCode, body).to.equal(200);
  expect(isBase64Encoded).to.equal(false);
  return devCrypto.openReply(JSON.parse(body) as EncryptedReply).message;
}

describe('Alibaba Cloud artifact: `sls package --config serverless.aliyun.yml` offline, then the unzipped handlers alone', function () {
  this.timeout(180_000);
  let work: string;
  let zip: string;
  let unzipped: string;
  let fake: TablestoreWireFake;
  let env: NodeJS.ProcessEnv;
  let template: {
    Resources: Record<
      string,
      {
        Type?: string;
        Properties: {
          RequestConfig?: { RequestProtocol: string; RequestPath: string };
          environmentVariables?: Record<string, string>;
          Policies?: Array<{
            PolicyDocument: { Statement: Array<{ Action: string[]; Resource: string[] }> };
          }>;
        };
      }
    >;
  };

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'aliyun-package-'));
    // A dummy credentials file is all the Alibaba plugin needs to package (it contacts nothing).
    const credentials = join(work, 'aliyun_credentials');
    writeFileSync(
      credentials,
      '[default]\naliyun_account_id = 1234567890123456\naliyun_access_key_id = dummy\naliyun_access_key_secret = dummy\n',
    );
    execFileSync(
      process.execPath,
      [SERVERLESS_BIN, 'package', '--config', 'serverless.aliyun.yml', '--stage', 'dev'],
      {
        cwd: PROJECT_ROOT,
        env: {
          ...process.env,
          ALIYUN_CREDENTIALS_FILE: credentials,
          SLS_TELEMETRY_DISABLED: '1',
          SLS_NOTIFICATIONS_MODE: 'off',
          CI: '1',
        },
        stdio: 'pipe',
      },
    );
    // The Alibaba plugin ignores --package: its artifact is always .serverless/<service>.zip.
    zip = join(work, 'dingtalk-callback.zip');
    copyFileSync(join(PROJECT_ROOT, '.serverless', 'dingtalk-callback.zip'), zip);
    template = JSON.parse(
      readFileSync(join(PROJECT_ROOT, '.serverless', 'configuration-template-update.json'), 'utf8'),
    ) as typeof template;
    unzipped = join(work, 'unzipped');
    new AdmZip(zip).extractAllTo(unzipped, true);
    fake = await new TablestoreWireFake({
      instance: 'dingtalk-cb',
      ...ROLE_CREDENTIALS,
      tables: {
        [TABLES.events]: 'eventId',
        [TABLES.approvals]: 'processInstanceId',
        [TABLES.parked]: 'eventId',
        [TABLES.journal]: 'rowId',
        [TABLES.deliveries]: 'eventId',
      },
    }).start();
    env = {
      PATH: process.env.PATH ?? '',
      ...DEV_DINGTALK_ENV,
      EVENTS_TABLE: TABLES.events,
      APPROVALS_TABLE: TABLES.approvals,
      PARKED_TABLE: TABLES.parked,
      RECOVERY_JOURNAL_TABLE: TABLES.journal,
      DELIVERIES_TABLE: TABLES.deliveries,
      TABLESTORE_ENDPOINT: fake.endpoint,
      TABLESTORE_INSTANCE: 'dingtalk-cb',
    };
  });

  after(() => fake?.stop());

  it('GIVEN the package WHEN inspected THEN it holds only the four bundles and is a few hundred KB, not a node_modules tree', () => {
    const entries = new AdmZip(zip)
      .getEntries()
      .map((entry) => entry.entryName)
      .filter((name) => !name.endsWith('/'));
    expect(entries.sort()).to.deep.equal([
      'aliyun-bundle/callback.js',
      'aliyun-bundle/recover-failed-pushes.js',
      'aliyun-bundle/retry-deliveries.js',
      'aliyun-bundle/table-changes.js',
    ]);
    expect(statSync(zip).size).to.be.below(3 * 1024 * 1024);
    expect(readdirSync(unzipped)).to.deep.equal(['aliyun-bundle']);
  });

  it('GIVEN the callback bundle WHEN read THEN it carries no tablestore SDK (its own PutRow instead) and stays under 100 KB', () => {
    const callback = readFileSync(join(unzipped, 'aliyun-bundle', 'callback.js'), 'utf8');
    // The SDK's compiled protobuf definitions and its global-agent mutation would show up in the bundle.
    expect(callback).not.to.contain('TableStore');
    expect(callback).not.to.contain('globalAgent');
    expect(Buffer.byteLength(callback)).to.be.below(100 * 1024);
  });

  it('GIVEN the packaged template WHEN the function role is read THEN row operations on the six tables of this instance only', () => {
    const statements = template.Resources['sls-fc-exec-role']!.Properties.Policies!.flatMap(
      (policy) => policy.PolicyDocument.Statement,
    );
    const ots = statements.filter((statement) =>
      statement.Action.some((action) => action.startsWith('ots:')),
    );
    expect(ots).to.have.length(1);
    expect(ots[0]!.Action.sort()).to.deep.equal([
      'ots:BatchGetRow', // the deliveries' index entries (tablestore-delivery-store.ts)
      'ots:BatchWriteRow',
      'ots:DeleteRow',
      'ots:GetRange',
      'ots:GetRow',
      'ots:PutRow',
    ]);
    expect(ots[0]!.Resource).to.deep.equal([
      'acs:ots:cn-hangzhou:*:instance/dingtalk-cb/table/dingtalk_callback_events_dev',
      'acs:ots:cn-hangzhou:*:instance/dingtalk-cb/table/dingtalk_callback_approvals_dev',
      'acs:ots:cn-hangzhou:*:instance/dingtalk-cb/table/dingtalk_callback_parked_dev',
      'acs:ots:cn-hangzhou:*:instance/dingtalk-cb/table/dingtalk_callback_recovery_dev',
      'acs:ots:cn-hangzhou:*:instance/dingtalk-cb/table/dingtalk_callback_deliveries_dev',
      'acs:ots:cn-hangzhou:*:instance/dingtalk-cb/table/dingtalk_callback_suite_state_dev',
    ]);
  });

  it('GIVEN the packaged template WHEN the API and functions are read THEN both APIs (/dingtalk, /dingtalk/[app]) are HTTPS-only, and no function carries a secret', () => {
    const resources = Object.values(template.Resources);
    const apis = resources.filter((resource) => resource.Type === 'ALIYUN::API::HTTP');
    expect(apis.map((api) => api.Properties.RequestConfig)).to.deep.equal([
      { ...apis[0]!.Properties.RequestConfig, RequestProtocol: 'HTTPS', RequestPath: '/dingtalk' },
      { ...apis[0]!.Properties.RequestConfig, RequestProtocol: 'HTTPS', RequestPath: '/dingtalk/[app]' },
    ]);
    const perApp = apis[1]!.Properties as unknown as {
      RequestParameters: Array<{ ApiParameterName: string; Location: string; Required: string }>;
    };
    expect(perApp.RequestParameters).to.deep.include.members([
      {
        ApiParameterName: 'app',
        ParameterType: 'String',
        Location: 'Path',
        Required: 'REQUIRED',
        isHide: false,
        Description: 'the app id (DINGTALK_APPS)',
      },
    ]);
    // Environment variables (secrets) join the functions at deploy time, never the artifact.
    const functions = resources.filter((resource) => resource.Type === 'ALIYUN::FC::Function');
    expect(functions).to.have.length(4);
    for (const fn of functions) expect(fn.Properties.environmentVariables).to.equal(undefined);
  });

  it('GIVEN the packaged template WHEN the log store is read THEN the functions log to one store kept 30 days', () => {
    const stores = Object.values(
      template.Resources as Record<string, { Type?: string; Properties: Record<string, unknown> }>,
    ).filter((resource) => resource.Type === 'ALIYUN::SLS::Store');
    expect(stores).to.have.length(1);
    expect(stores[0]!.Properties).to.include({ storeName: 'dingtalk-callback-dev', ttl: 30 });
  });

  for (const shape of ['api-gateway', 'fc3-http-trigger'] as const) {
    it(`GIVEN a signed check_url as a ${shape} event WHEN the unzipped callback handles it THEN an encrypted success, nothing stored`, async () => {
      const before = fake.rowCount(TABLES.events);
      const [response] = await invokeFromArtifact(join(unzipped, 'aliyun-bundle/callback.js'), env, [
        fcHttpEvent(shape, signedPush('{"EventType":"check_url"}')),
      ]);
      expect(decryptedReply(response)).to.equal('success');
      expect(fake.rowCount(TABLES.events)).to.equal(before);
    });
  }

  it('GIVEN DINGTALK_APPS WHEN the unzipped callback gets a push for oa on /dingtalk/oa (API Gateway path parameter, FC 3.0 raw path) THEN answered under oa’s key and stored with its appId; hr’s push on oa’s path THEN 401', async () => {
    const { DINGTALK_TOKEN: _t, DINGTALK_AES_KEY: _a, DINGTALK_OWNER_KEY: _o, ...tables } = env;
    const appsEnv = { ...tables, DINGTALK_APPS: TEST_APPS_JSON };
    const eventId = `apps-${randomUUID()}`;
    const asApp = (app: 'hr' | 'oa', shape: 'api-gateway' | 'fc3-http-trigger') => {
      const { crypto, ownerKey } = appSide(app);
      const event = JSON.parse(
        fcHttpEvent(
          shape,
          signPush(crypto, JSON.stringify({ EventType: 'user_add_org', eventId }), ownerKey),
        ).toString(),
      ) as Record<string, unknown>;
      if (shape === 'api-gateway')
        Object.assign(event, { path: '/dingtalk/oa', pathParameters: { app: 'oa' } });
      else event.rawPath = '/dingtalk/oa';
      return Buffer.from(JSON.stringify(event));
    };
    const responses = (await invokeFromArtifact(join(unzipped, 'aliyun-bundle/callback.js'), appsEnv, [
      asApp('oa', 'api-gateway'),
      asApp('oa', 'fc3-http-trigger'),
      asApp('hr', 'api-gateway'),
    ])) as Array<{ statusCode: number; body: string }>;
    for (const response of responses.slice(0, 2)) {
      expect(response.statusCode, response.body).to.equal(200);
      expect(appSide('oa').crypto.openReply(JSON.parse(response.body) as EncryptedReply)).to.deep.equal({
        message: 'success',
        ownerKey: 'dingoaappkey',
      });
    }
    expect(responses[2]!.statusCode).to.equal(401);
    expect(fake.rawRow(TABLES.events, eventId)?.get('appId')).to.equal('oa');
  });

  it('GIVEN only DINGTALK_* set and no FC credentials WHEN check_url arrives on both shapes THEN success; a real event THEN 503', async () => {
    const onlyDingTalk = { PATH: process.env.PATH ?? '', ...DEV_DINGTALK_ENV };
    const responses = await invokeFromArtifact(
      join(unzipped, 'aliyun-bundle/callback.js'),
      onlyDingTalk,
      [
        fcHttpEvent('api-gateway', signedPush('{"EventType":"check_url"}')),
        fcHttpEvent('fc3-http-trigger', signedPush('{"EventType":"check_url"}')),
        fcHttpEvent(
          'api-gateway',
          signedPush(JSON.stringify({ EventType: 'user_add_org', eventId: 'needs-a-store' })),
        ),
      ],
      {},
    );
    expect(decryptedReply(responses[0])).to.equal('success');
    expect(decryptedReply(responses[1])).to.equal('success');
    expect((responses[2] as { statusCode: number }).statusCode).to.equal(503);
  });

  it('GIVEN an event delivered on both shapes and retried WHEN handled THEN success each time and one Tablestore row', async () => {
    const eventId = `aliyun-${randomUUID()}`;
    const plaintext = JSON.stringify({
      EventType: 'user_add_org',
      eventId,
      UserId: ['u1'],
      CorpId: 'dingdevcorp',
    });
    const responses = await invokeFromArtifact(join(unzipped, 'aliyun-bundle/callback.js'), env, [
      fcHttpEvent('api-gateway', signedPush(plaintext)),
      fcHttpEvent('fc3-http-trigger', signedPush(plaintext)),
      fcHttpEvent('api-gateway', signedPush(plaintext)),
    ]);
    for (const response of responses) expect(decryptedReply(response)).to.equal('success');
    const row = fake.rawRow(TABLES.events, eventId);
    expect(row?.get('payload')).to.equal(plaintext);
    expect(row?.get('eventType')).to.equal('user_add_org');
  });

  it('GIVEN a valid push of 460 KB of Chinese text WHEN the unzipped callback handles it THEN success and the row holds the exact text (Tablestore columns take 2 MB)', async () => {
    const eventId = `aliyun-large-${randomUUID()}`;
    const plaintext = chineseApproval(eventId);
    const [response] = await invokeFromArtifact(join(unzipped, 'aliyun-bundle/callback.js'), env, [
      fcHttpEvent('api-gateway', signedPush(plaintext)),
    ]);
    expect(decryptedReply(response)).to.equal('success');
    expect(fake.rawRow(TABLES.events, eventId)?.get('payload')).to.equal(plaintext);
  });

  it('GIVEN a person’s events stored by the unzipped callback WHEN `purge --user` runs THEN it lists them and deletes nothing; with --yes they are gone and others stay', async () => {
    const person = `u-purge-${randomUUID()}`;
    const theirs = `aliyun-purge-${randomUUID()}`;
    const others = `aliyun-keep-${randomUUID()}`;
    await invokeFromArtifact(join(unzipped, 'aliyun-bundle/callback.js'), env, [
      fcHttpEvent(
        'api-gateway',
        signedPush(JSON.stringify({ EventType: 'user_leave_org', eventId: theirs, UserId: [person] })),
      ),
      fcHttpEvent(
        'api-gateway',
        signedPush(JSON.stringify({ EventType: 'user_leave_org', eventId: others, UserId: ['u-else'] })),
      ),
    ]);
    const cliEnv = {
      ...process.env,
      TABLESTORE_ENDPOINT: fake.endpoint,
      TABLESTORE_INSTANCE: 'dingtalk-cb',
      TABLESTORE_ACCESS_KEY_ID: ROLE_CREDENTIALS.accessKeyId,
      TABLESTORE_ACCESS_KEY_SECRET: ROLE_CREDENTIALS.accessKeySecret,
      EVENTS_TABLE: TABLES.events,
      APPROVALS_TABLE: TABLES.approvals,
      DELIVERIES_TABLE: TABLES.deliveries,
      PARKED_TABLE: TABLES.parked,
    };
    const dry = await runCli(['purge', '--user', person], cliEnv);
    expect(dry.code, dry.stderr).to.equal(0);
    expect(dry.stdout).to.contain(theirs).and.contain('run again with --yes').and.not.contain(others);
    expect(fake.rawRow(TABLES.events, theirs)).to.not.equal(undefined);
    const done = await runCli(['purge', '--user', person, '--yes', '--json'], cliEnv);
    expect(done.code, done.stderr).to.equal(0);
    expect(JSON.parse(done.stdout.trim().split('\n').at(-1)!)).to.include({
      kind: 'summary',
      deleted: true,
      events: 1,
    });
    expect(fake.rawRow(TABLES.events, theirs)).to.equal(undefined);
    expect(fake.rawRow(TABLES.events, others)).to.not.equal(undefined);
  });

  it('GIVEN events stored on Alibaba WHEN the CLI lists them with TABLESTORE_* set THEN it reads the Tablestore table', async () => {
    const eventId = `aliyun-cli-${randomUUID()}`;
    const plaintext = JSON.stringify({ EventType: 'user_leave_org', eventId, UserId: ['u9'] });
    await invokeFromArtifact(join(unzipped, 'aliyun-bundle/callback.js'), env, [
      fcHttpEvent('api-gateway', signedPush(plaintext)),
    ]);
    const listed = await runCli(['events', '--json', '--type', 'user_leave_org'], {
      ...process.env,
      TABLESTORE_ENDPOINT: fake.endpoint,
      TABLESTORE_INSTANCE: 'dingtalk-cb',
      TABLESTORE_ACCESS_KEY_ID: ROLE_CREDENTIALS.accessKeyId,
      TABLESTORE_ACCESS_KEY_SECRET: ROLE_CREDENTIALS.accessKeySecret,
      EVENTS_TABLE: TABLES.events,
      APPROVALS_TABLE: TABLES.approvals,
    });
    expect(listed.code, listed.stderr).to.equal(0);
    const rows = listed.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { eventId: string; payload: unknown });
    expect(rows.find((row) => row.eventId === eventId)?.payload).to.deep.equal(JSON.parse(plaintext));
  });

  it('GIVEN Tablestore unreachable WHEN a push arrives THEN 503 (DingTalk retries), no success', async () => {
    const push = signedPush(JSON.stringify({ EventType: 'user_add_org', eventId: `down-${randomUUID()}` }));
    const [response] = await invokeFromArtifact(
      join(unzipped, 'aliyun-bundle/callback.js'),
      { ...env, TABLESTORE_ENDPOINT: `http://127.0.0.1:${await freePort()}` },
      [fcHttpEvent('api-gateway', push)],
    );
    const { statusCode, body } = response as { statusCode: number; body: string };
    expect(statusCode).to.equal(503);
    expect(body).not.to.contain('encrypt');
  });

  it('GIVEN a push with a wrong signature WHEN handled THEN 401 and no row', async () => {
    const eventId = `aliyun-bad-${randomUUID()}`;
    const push = signedPush(JSON.stringify({ EventType: 'user_add_org', eventId }));
    push.query.signature = '0'.repeat(40);
    const [response] = await invokeFromArtifact(join(unzipped, 'aliyun-bundle/callback.js'), env, [
      fcHttpEvent('fc3-http-trigger', push),
    ]);
    expect((response as { statusCode: number }).statusCode).to.equal(401);
    expect(fake.rawRow(TABLES.events, eventId)).to.equal(undefined);
  });

  it('GIVEN a Tablestore trigger batch (CBOR) with a good row, a poison row and a delete WHEN the unzipped stream handler runs THEN one processed, one parked with its reason, one skipped, no event row written back', async () => {
    const instance = `pi-${randomUUID()}`;
    const good = {
      EventType: 'bpms_instance_change',
      processInstanceId: instance,
      type: 'start',
      title: '请假',
      createTime: 1700000000000,
      corpId: 'dingdevcorp',
    };
    const row = (eventId: string, payload: string, extra: Array<Record<string, unknown>> = []) => ({
      Type: 'PutRow',
      Info: { Timestamp: 1700000000123456n },
      PrimaryKey: [{ ColumnName: 'eventId', Value: eventId }],
      Columns: [
        { Type: 'Put', ColumnName: 'eventType', Value: 'bpms_instance_change', Timestamp: 1700000000123n },
        { Type: 'Put', ColumnName: 'receivedAt', Value: new Date().toISOString(), Timestamp: 1700000000123n },
        { Type: 'Put', ColumnName: 'ownerKey', Value: 'dingdevcorp', Timestamp: 1700000000123n },
        { Type: 'Put', ColumnName: 'payload', Value: payload, Timestamp: 1700000000123n },
        { Type: 'Put', ColumnName: 'eventTime', Value: 1700000000000n, Timestamp: 1700000000123n },
        ...extra,
      ],
    });
    const payload = encode({
      Version: 'Sync-v1',
      Records: [
        row(`bpms_instance_change:${instance}:start`, JSON.stringify(good)),
        row(`poison-${instance}`, '{not json'),
        {
          Type: 'DeleteRow',
          Info: { Timestamp: 1700000000999999n },
          PrimaryKey: [{ ColumnName: 'eventId', Value: 'gone' }],
          Columns: [],
        },
      ],
    });
    const eventRows = () => fake.rowKeys(TABLES.events).filter((key) => !key.startsWith('~'));
    const eventsBefore = eventRows();
    const [report] = await invokeFromArtifact(join(unzipped, 'aliyun-bundle/table-changes.js'), env, [
      Buffer.from(payload),
    ]);
    expect(report).to.deep.equal({ processed: 1, parked: 1, skipped: 1, deferred: 0 });
    const approval = JSON.parse(String(fake.rawRow(TABLES.approvals, instance)?.get('state'))) as {
      approval: Record<string, unknown>;
    };
    expect(approval.approval).to.include({ processInstanceId: instance, status: 'RUNNING', title: '请假' });
    const parked = fake.rawRow(TABLES.parked, `poison-${instance}`);
    expect(String(parked?.get('reason'))).to.contain('SyntaxError');
    // No event row written back (that would re-trigger the function): only the two stored events'
    // listing entries (tablestore-event-store.ts), which the trigger passes by.
    expect(eventRows()).to.deep.equal(eventsBefore);
    expect(
      fake.rowKeys(TABLES.events).filter((key) => key.includes(instance) && key.startsWith('~')),
    ).to.have.length(4);
  });

  describe('the unzipped recovery handler against a loopback stand-in for DingTalk’s destructive failed list', () => {
    const APP = { appKey: 'dingstandinappkey', appSecret: 'stand-in-app-secret', corpId: 'dingdevcorp' };
    let dingtalk: DingTalkOpenApiStandIn;
    let recoveryEnv: NodeJS.ProcessEnv;
    const bundle = () => join(unzipped, 'aliyun-bundle', 'recover-failed-pushes.js');
    const items = (run: string, count: number) =>
      Array.from({ length: count }, (_, i) => ({
        call_back_tag: 'bpms_instance_change',
        event_time: 1_700_000_000_000 + i,
        bpms_instance_change: {
          corpid: APP.corpId,
          bpmsCallBackData: { processInstanceId: `${run}-p${i}`, type: 'finish', result: 'agree' },
        },
      }));

    beforeEach(async () => {
      dingtalk = await new DingTalkOpenApiStandIn({ ...APP, pageSize: 200 }).start();
      recoveryEnv = {
        ...env,
        DINGTALK_APP_KEY: APP.appKey,
        DINGTALK_APP_SECRET: APP.appSecret,
        DINGTALK_API_BASE: dingtalk.baseUrl,
        // These tests try how a run reads the list: a 1 ms baseline makes every run ask.
        RECOVERY_BASELINE: '1ms',
      };
    });
    afterEach(() => dingtalk.stop());

    it('GIVEN a push answered 503 by the unzipped callback WHEN the next push is stored THEN the timer run asks the failed list at once, and the run after it asks nothing', async () => {
      // A deployment that asked a minute ago: only our own failure is a reason to ask now.
      fake.seed(TABLES.journal, [['asking', { lastAskedAt: Date.now() - 60_000 }]]);
      const run = randomUUID();
      const failed = {
        EventType: 'user_add_org',
        eventId: `own-failure-${run}`,
        UserId: ['u1'],
        CorpId: APP.corpId,
      };
      fake.withholdNextAnswers(2); // both PutRow attempts go unanswered: the callback answers 503
      const responses = (await invokeFromArtifact(join(unzipped, 'aliyun-bundle/callback.js'), env, [
        fcHttpEvent('api-gateway', signedPush(JSON.stringify(failed))),
        fcHttpEvent('api-gateway', signedPush(JSON.stringify({ ...failed, eventId: `after-${run}` }))),
      ])) as Array<{ statusCode: number }>;
      expect(responses.map((response) => response.statusCode)).to.deep.equal([503, 200]);
      expect(fake.rawRow(TABLES.journal, 'note#own-failure')?.get('at')).to.be.a('bigint');

      dingtalk.addFailed({
        call_back_tag: 'user_add_org',
        user_add_org: { callbackData: failed, corpid: APP.corpId },
      });
      const { RECOVERY_BASELINE: _every, ...defaults } = recoveryEnv;
      const [first] = (await invokeFromArtifact(bundle(), defaults, [Buffer.from('{}')])) as Array<
        Record<string, unknown>
      >;
      expect(first).to.deep.include({ asking: { ask: true, reason: 'own_failure' }, items: 1 });
      const [second] = (await invokeFromArtifact(bundle(), defaults, [Buffer.from('{}')])) as Array<
        Record<string, unknown>
      >;
      expect((second!.asking as { reason: string }).reason).to.equal('quiet');
      expect(dingtalk.failedListCalls).to.equal(1);
    });

    it('GIVEN Tablestore unreachable WHEN the timer invokes recovery THEN it fails and DingTalk saw no failed-list call', async () => {
      dingtalk.addFailed(...items(randomUUID(), 3));
      const down = { ...recoveryEnv, TABLESTORE_ENDPOINT: `http://127.0.0.1:${await freePort()}` };
      let failure: Error | undefined;
      await invokeFromArtifact(bundle(), down, [Buffer.from('{}')]).catch(
        (error: Error) => (failure = error),
      );
      expect(failure?.message).to.contain('RecoveryStoreUnavailableError');
      expect(dingtalk.failedListCalls).to.equal(0);
      expect(dingtalk.failedRemaining).to.equal(3);
    });

    it('GIVEN five pages and a run whose time budget (FC timeout 34 s) is cut short WHEN the next run follows THEN every item is stored once, none lost', async () => {
      const run = randomUUID();
      const all = items(run, 1000);
      dingtalk.addFailed(...all);
      dingtalk.failedListDelayMs = 2_000; // a slow DingTalk: two pages fit the budget, not five
      const [cut] = (await invokeFromArtifact(bundle(), recoveryEnv, [Buffer.from('{}')], {
        ...CONTEXT,
        function: { name: 'recoverFailedPushes', timeout: 34 },
      })) as Array<Record<string, unknown>>;
      expect(cut).to.include({ stoppedForTime: true });
      expect(cut!.pages).to.be.within(1, 3);
      expect(cut!.stored).to.equal((cut!.pages as number) * 200);
      dingtalk.failedListDelayMs = 0;
      const [rest] = (await invokeFromArtifact(bundle(), recoveryEnv, [Buffer.from('{}')], {
        ...CONTEXT,
        function: { name: 'recoverFailedPushes', timeout: 120 },
      })) as Array<Record<string, unknown>>;
      expect(rest).to.include({ stoppedForTime: false, duplicates: 0 });
      expect((cut!.stored as number) + (rest!.stored as number)).to.equal(1000);
      for (let i = 0; i < 1000; i++) {
        expect(fake.rawRow(TABLES.events, `bpms_instance_change:${run}-p${i}:finish`), `p${i}`).not.to.equal(
          undefined,
        );
      }
      // No page left; only the rows about asking (failed-list-asking.ts).
      expect(
        fake.rowKeys(TABLES.journal).filter((key) => !['asking', 'note#own-failure'].includes(key)),
      ).to.deep.equal([]);
    });
  });

  it('GIVEN the approvals table unavailable (OTSPartitionUnavailable) WHEN the unzipped stream handler runs THEN the invocation fails and nothing is parked; once it is back, the retried batch is projected (issue 20)', async () => {
    const instance = `pi-blip-${randomUUID()}`;
    const eventId = `bpms_instance_change:${instance}:start`;
    const payload = JSON.stringify({
      EventType: 'bpms_instance_change',
      processInstanceId: instance,
      type: 'start',
      title: '出差',
      createTime: 1700000000000,
    });
    const batch = Buffer.from(
      encode({
        Version: 'Sync-v1',
        Records: [
          {
            Type: 'PutRow',
            Info: { Timestamp: 1700000000123456n },
            PrimaryKey: [{ ColumnName: 'eventId', Value: eventId }],
            Columns: [
              { Type: 'Put', ColumnName: 'eventType', Value: 'bpms_instance_change', Timestamp: 1n },
              { Type: 'Put', ColumnName: 'receivedAt', Value: new Date().toISOString(), Timestamp: 1n },
              { Type: 'Put', ColumnName: 'ownerKey', Value: 'dingdevcorp', Timestamp: 1n },
              { Type: 'Put', ColumnName: 'payload', Value: payload, Timestamp: 1n },
            ],
          },
        ],
      }),
    );
    const bundle = join(unzipped, 'aliyun-bundle/table-changes.js');
    fake.unavailable(TABLES.approvals);
    let failure: unknown;
    try {
      await invokeFromArtifact(bundle, env, [batch]);
    } catch (error) {
      failure = error;
    } finally {
      fake.available(TABLES.approvals);
    }
    expect(String(failure)).to.contain('OTSPartitionUnavailable');
    expect(fake.rawRow(TABLES.parked, eventId)).to.equal(undefined);
    const [report] = await invokeFromArtifact(bundle, env, [batch]);
    expect(report).to.include({ processed: 1, parked: 0 });
    expect(String(fake.rawRow(TABLES.approvals, instance)?.get('state'))).to.contain('出差');
  });

  it('GIVEN a receiver that hangs 10 s per request and a trigger batch of 20 records WHEN the unzipped stream handler runs with FC’s 60 s timeout THEN it finishes inside the budget, every event has its delivery record, none waits on the receiver past the budget', async () => {
    const hanging = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const forwardEnv = {
      ...env,
      FORWARD_URL: `http://127.0.0.1:${(hanging.address() as { port: number }).port}/hooks`,
      FORWARD_SECRET: secret,
    };
    const run = randomUUID();
    const ids = Array.from({ length: 20 }, (_, i) => `hang-${run}-${i}`);
    const record = (eventId: string) => ({
      Type: 'PutRow',
      Info: { Timestamp: 1700000000123456n },
      PrimaryKey: [{ ColumnName: 'eventId', Value: eventId }],
      Columns: [
        { Type: 'Put', ColumnName: 'eventType', Value: 'user_add_org', Timestamp: 1700000000123n },
        { Type: 'Put', ColumnName: 'receivedAt', Value: new Date().toISOString(), Timestamp: 1700000000123n },
        { Type: 'Put', ColumnName: 'ownerKey', Value: 'dingdevcorp', Timestamp: 1700000000123n },
        {
          Type: 'Put',
          ColumnName: 'payload',
          Value: JSON.stringify({ EventType: 'user_add_org', eventId }),
          Timestamp: 1700000000123n,
        },
      ],
    });
    const started = Date.now();
    try {
      const [report] = (await invokeFromArtifact(
        join(unzipped, 'aliyun-bundle/table-changes.js'),
        forwardEnv,
        [Buffer.from(encode({ Version: 'Sync-v1', Records: ids.map(record) }))],
        { ...CONTEXT, function: { name: 'eventStream', timeout: 60 } },
      )) as Array<Record<string, number>>;
      const elapsed = Date.now() - started;
      console.log(`      (batch of 20 finished in ${elapsed} ms: ${JSON.stringify(report)})`);
      expect(elapsed).to.be.below(60_000);
      expect(report).to.include({ processed: 20, parked: 0 });
      expect(report!.deferred).to.be.greaterThan(0);
      for (const id of ids) {
        const delivery = fake.rawRow(TABLES.deliveries, id);
        expect(delivery?.get('status'), id).to.equal('pending');
      }
      const attempted = ids.filter(
        (id) => fake.rawRow(TABLES.deliveries, id)?.get('lastStatus') === 'TimeoutError',
      );
      expect(attempted.length).to.equal(20 - report!.deferred!);
    } finally {
      hanging.closeAllConnections();
      hanging.close();
    }
  });

  it('GIVEN a parked record and an event never projected WHEN `parked` and `reprocess --parked` / `--id` run against Tablestore THEN both are projected from the events table and the parked row is gone (issue 20)', async () => {
    const client = createTablestoreClient({
      endpoint: fake.endpoint,
      instance: 'dingtalk-cb',
      credentials: ROLE_CREDENTIALS,
      timeoutMs: 5000,
    });
    const events = new TablestoreEventStore(client, TABLES.events);
    const [parkedInstance, lostInstance] = [`pi-parked-${randomUUID()}`, `pi-lost-${randomUUID()}`];
    for (const instance of [parkedInstance, lostInstance]) {
      await events.put({
        eventId: `bpms_instance_change:${instance}:start`,
        eventType: 'bpms_instance_change',
        receivedAt: new Date().toISOString(),
        ownerKey: 'dingdevcorp',
        payload: JSON.stringify({
          EventType: 'bpms_instance_change',
          processInstanceId: instance,
          type: 'start',
          title: '报销',
          createTime: 1700000000000,
        }),
      });
    }
    const parkedId = `bpms_instance_change:${parkedInstance}:start`;
    await new TablestoreParkingStore(client, TABLES.parked).park({
      eventId: parkedId,
      eventType: 'bpms_instance_change',
      reason: 'Error: OTSPartitionUnavailable (parked by an older version)',
      record: '{}',
      attempts: 3,
    });
    const cliEnv = {
      ...process.env,
      TABLESTORE_ENDPOINT: fake.endpoint,
      TABLESTORE_INSTANCE: 'dingtalk-cb',
      TABLESTORE_ACCESS_KEY_ID: ROLE_CREDENTIALS.accessKeyId,
      TABLESTORE_ACCESS_KEY_SECRET: ROLE_CREDENTIALS.accessKeySecret,
      EVENTS_TABLE: TABLES.events,
      APPROVALS_TABLE: TABLES.approvals,
      PARKED_TABLE: TABLES.parked,
    };
    const listed = await runCli(['parked', '--json'], cliEnv);
    expect(listed.code, listed.stderr).to.equal(0);
    expect(listed.stdout).to.contain(parkedId);
    // Other tests' parked rows (a poison record whose event is not in the table) report themselves, exit 1.
    const fromParked = await runCli(['reprocess', '--parked', '--json'], cliEnv);
    expect(fromParked.stdout).to.contain(`{"eventId":"${parkedId}","status":"processed"}`);
    expect(fake.rawRow(TABLES.parked, parkedId)).to.equal(undefined);
    const byId = await runCli(
      ['reprocess', '--id', `bpms_instance_change:${lostInstance}:start`, '--json'],
      cliEnv,
    );
    expect(byId.code, byId.stderr).to.equal(0);
    for (const instance of [parkedInstance, lostInstance]) {
      expect(String(fake.rawRow(TABLES.approvals, instance)?.get('state')), instance).to.contain('报销');
    }
  });

  describe('the unzipped retry handler never stalls on one bad delivery (issue 20; loopback receiver)', () => {
    const sdk = () =>
      createTablestoreClient({
        endpoint: fake.endpoint,
        instance: 'dingtalk-cb',
        credentials: ROLE_CREDENTIALS,
        timeoutMs: 5000,
      });
    const received: string[] = [];
    let receiver: ReturnType<typeof createServer>;
    let forwardEnv: NodeJS.ProcessEnv;

    before(async () => {
      receiver = createServer((request, response) => {
        received.push(String(request.headers['webhook-id']));
        // A slow receiver: overlapping runs would both be inside one attempt.
        setTimeout(() => response.writeHead(200).end(), 300);
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      forwardEnv = {
        ...env,
        FORWARD_URL: `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks`,
        FORWARD_SECRET: `whsec_${Buffer.alloc(32, 9).toString('base64')}`,
      };
    });
    after(() => {
      receiver.closeAllConnections();
      receiver.close();
    });

    /** Due deliveries for `ids`, oldest due first; `broken` gets an event row that lost its columns. */
    async function dueDeliveries(ids: string[], broken?: string): Promise<void> {
      const events = new TablestoreEventStore(sdk(), TABLES.events);
      const deliveries = new TablestoreDeliveryStore(sdk(), TABLES.deliveries);
      const base = Date.now() - 60_000;
      for (const [i, eventId] of ids.entries()) {
        const receivedAt = new Date(base + i * 1000).toISOString();
        if (eventId === broken) {
          await sdk().putRow({
            tableName: TABLES.events,
            condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
            primaryKey: [{ eventId }],
            attributeColumns: [{ eventType: 'user_add_org' }],
          });
        } else {
          await events.put({
            eventId,
            eventType: 'user_add_org',
            receivedAt,
            ownerKey: 'dingdevcorp',
            payload: '{}',
          });
        }
        await deliveries.create({
          eventId,
          eventType: 'user_add_org',
          receivedAt,
          status: 'pending',
          attempts: 1,
          lastStatus: '503',
          nextAttemptAt: receivedAt,
          updatedAt: receivedAt,
          revision: 1,
        });
      }
    }

    it('GIVEN an event row that lost its columns due before three healthy deliveries WHEN the timer runs THEN the three are delivered and the bad one is rescheduled with its reason', async () => {
      const run = randomUUID();
      const ids = ['bad', 'a', 'b', 'c'].map((id) => `hol-${run}-${id}`);
      await dueDeliveries(ids, ids[0]);
      const [report] = (await invokeFromArtifact(
        join(unzipped, 'aliyun-bundle/retry-deliveries.js'),
        forwardEnv,
        [Buffer.from('{}')],
      )) as Array<Record<string, number>>;
      expect(report).to.include({ delivered: 3, errors: 1 });
      for (const id of ids.slice(1))
        expect(fake.rawRow(TABLES.deliveries, id)?.get('status'), id).to.equal('delivered');
      const bad = fake.rawRow(TABLES.deliveries, ids[0]!);
      expect(bad?.get('status')).to.equal('pending');
      expect(bad?.get('lastStatus')).to.equal('Unreadable: Error');
      expect(received.filter((id) => id.startsWith(`hol-${run}`)).sort()).to.deep.equal(ids.slice(1).sort());
    });

    it('GIVEN two timer runs that overlap WHEN the same deliveries are due THEN each is sent once', async () => {
      const run = randomUUID();
      const ids = [0, 1, 2, 3, 4].map((i) => `overlap-${run}-${i}`);
      await dueDeliveries(ids);
      const bundle = join(unzipped, 'aliyun-bundle/retry-deliveries.js');
      const reports = (
        await Promise.all([
          invokeFromArtifact(bundle, forwardEnv, [Buffer.from('{}')]),
          invokeFromArtifact(bundle, forwardEnv, [Buffer.from('{}')]),
        ])
      ).flat() as Array<Record<string, number>>;
      expect(received.filter((id) => id.startsWith(`overlap-${run}`)).sort()).to.deep.equal(ids);
      expect(reports.reduce((sum, r) => sum + r.delivered!, 0)).to.equal(5);
      for (const id of ids) expect(fake.rawRow(TABLES.deliveries, id)?.get('attempts'), id).to.equal(2n);
    });
  });
});
