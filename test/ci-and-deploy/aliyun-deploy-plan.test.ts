import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT, SERVERLESS_BIN } from '../../local-dev/serverless-config';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { planAliyunDeployment, relocateArtifacts } = require('../../serverless-plugins/aliyun-project.js') as {
  planAliyunDeployment: (
    service: unknown,
    options: { stage: string; region: string; accountId: string },
  ) => {
    fcService: string;
    functions: Array<{ key: string; name: string; environment: Record<string, string> }>;
    triggers: Array<Record<string, unknown>>;
    tablestore: {
      instance: string;
      tables: Array<{ name: string; primaryKey: string; streamHours?: number; timeToLive: number }>;
    };
  };
  relocateArtifacts: (
    template: { Resources: Record<string, { Properties: Record<string, string> }> },
    dir: string,
  ) => number;
};

describe('Alibaba deploy plan (what aliyun-project.js makes true after `sls deploy`), from the resolved serverless.aliyun.yml', function () {
  this.timeout(60_000);
  let plan: ReturnType<typeof planAliyunDeployment>;

  before(() => {
    const work = mkdtempSync(join(tmpdir(), 'aliyun-plan-'));
    const credentials = join(work, 'credentials');
    writeFileSync(
      credentials,
      '[default]\naliyun_account_id = 1234567890123456\naliyun_access_key_id = x\naliyun_access_key_secret = y\n',
    );
    const printed = execFileSync(
      process.execPath,
      [SERVERLESS_BIN, 'print', '--config', 'serverless.aliyun.yml', '--stage', 'prod', '--format', 'json'],
      {
        cwd: PROJECT_ROOT,
        env: {
          ...process.env,
          ALIYUN_CREDENTIALS_FILE: credentials,
          DINGTALK_TOKEN: 'ci-token',
          DINGTALK_AES_KEY: 'ciAesKey'.padEnd(43, 'x'),
          DINGTALK_OWNER_KEY: 'dingcorp',
          TABLESTORE_INSTANCE: 'prod-inst',
          SLS_TELEMETRY_DISABLED: '1',
        },
        encoding: 'utf8',
      },
    );
    plan = planAliyunDeployment(JSON.parse(printed), {
      stage: 'prod',
      region: 'cn-hangzhou',
      accountId: '1234567890123456',
    });
  });

  it('GIVEN the config WHEN planned THEN each of the four functions gets only the variables it uses, from CI at deploy time', () => {
    expect(plan.fcService).to.equal('dingtalk-callback-prod');
    expect(plan.functions.map((fn) => fn.name)).to.deep.equal([
      'dingtalk-callback-prod-callback',
      'dingtalk-callback-prod-eventStream',
      'dingtalk-callback-prod-retryDeliveries',
      'dingtalk-callback-prod-recoverFailedPushes',
    ]);
    const common = ['EVENTS_TABLE', 'POWERTOOLS_LOG_LEVEL', 'TABLESTORE_ENDPOINT', 'TABLESTORE_INSTANCE'];
    const forwarding = [
      'DELIVERIES_TABLE',
      'FORWARD_ALLOW_HTTP',
      'FORWARD_RETRY_SCHEDULE',
      'FORWARD_SECRET',
      'FORWARD_TIMEOUT_MS',
      'FORWARD_URL',
    ];
    const expected: Record<string, string[]> = {
      callback: [
        ...common,
        'DINGTALK_AES_KEY',
        'DINGTALK_APPS', // several apps instead of the single app's three (docs/apps-and-suites.md)
        'DINGTALK_OWNER_KEY',
        'DINGTALK_TOKEN',
        'MAX_BODY_BYTES',
        'RECOVERY_JOURNAL_TABLE', // where it notes its own failures (failed-list-asking.ts)
      ],
      eventStream: [...common, 'APPROVALS_TABLE', 'PARKED_TABLE', 'SUITE_STATE_TABLE', ...forwarding],
      retryDeliveries: [...common, 'SUITE_STATE_TABLE', ...forwarding],
      recoverFailedPushes: [
        ...common,
        'DINGTALK_API_BASE',
        'DINGTALK_APP_KEY',
        'DINGTALK_APP_SECRET',
        'RECOVERY_BASELINE',
        'RECOVERY_JOURNAL_TABLE',
      ],
    };
    for (const fn of plan.functions) {
      expect(Object.keys(fn.environment).sort(), fn.key).to.deep.equal(expected[fn.key]!.sort());
      expect(fn.environment).to.include({
        EVENTS_TABLE: 'dingtalk_callback_events_prod',
        TABLESTORE_INSTANCE: 'prod-inst',
      });
    }
    const byKey = Object.fromEntries(plan.functions.map((fn) => [fn.key, fn.environment]));
    expect(byKey.callback).to.include({ DINGTALK_TOKEN: 'ci-token', DINGTALK_OWNER_KEY: 'dingcorp' });
    expect(byKey.eventStream).to.include({
      APPROVALS_TABLE: 'dingtalk_callback_approvals_prod',
      PARKED_TABLE: 'dingtalk_callback_parked_prod',
    });
  });

  it('GIVEN the config WHEN planned THEN the events table has a stream and feeds eventStream; recovery and delivery retries run on timers', () => {
    expect(plan.tablestore.tables).to.deep.equal([
      {
        name: 'dingtalk_callback_events_prod',
        primaryKey: 'eventId',
        streamHours: 168,
        timeToLive: 7_776_000,
      },
      { name: 'dingtalk_callback_approvals_prod', primaryKey: 'processInstanceId', timeToLive: 31_536_000 },
      { name: 'dingtalk_callback_parked_prod', primaryKey: 'eventId', timeToLive: 7_776_000 },
      { name: 'dingtalk_callback_recovery_prod', primaryKey: 'rowId', timeToLive: 2_592_000 },
      { name: 'dingtalk_callback_deliveries_prod', primaryKey: 'eventId', timeToLive: 7_776_000 },
      { name: 'dingtalk_callback_suite_state_prod', primaryKey: 'stateKey', timeToLive: -1 },
    ]);
    expect(plan.triggers).to.deep.equal([
      {
        functionName: 'dingtalk-callback-prod-eventStream',
        triggerName: 'events-stream',
        triggerType: 'tablestore',
        sourceArn:
          'acs:ots:cn-hangzhou:1234567890123456:instance/prod-inst/table/dingtalk_callback_events_prod',
        invocationRole: 'acs:ram::1234567890123456:role/AliyunTableStoreStreamNotificationRole',
        triggerConfig: {},
      },
      {
        functionName: 'dingtalk-callback-prod-recoverFailedPushes',
        triggerName: 'recover-failed-pushes',
        triggerType: 'timer',
        triggerConfig: { cronExpression: '@every 5m', enable: true },
      },
      {
        functionName: 'dingtalk-callback-prod-retryDeliveries',
        triggerName: 'retry-deliveries',
        triggerType: 'timer',
        triggerConfig: { cronExpression: '@every 1m', enable: true },
      },
    ]);
  });

  it('GIVEN the retention defaults WHEN planned THEN each table’s time to live: events, parked and deliveries 90 days, approvals 365, the journal 30; suite state kept (-1)', () => {
    const kept = plan.tablestore.tables.filter((t) => t.timeToLive === -1).map((t) => t.name);
    expect(kept).to.deep.equal(['dingtalk_callback_suite_state_prod']);
    const days = Object.fromEntries(
      plan.tablestore.tables.filter((t) => t.timeToLive !== -1).map((t) => [t.name, t.timeToLive / 86_400]),
    );
    expect(days).to.deep.equal({
      dingtalk_callback_events_prod: 90,
      dingtalk_callback_approvals_prod: 365,
      dingtalk_callback_parked_prod: 90,
      dingtalk_callback_recovery_prod: 30,
      dingtalk_callback_deliveries_prod: 90,
    });
  });

  it('GIVEN retention 0 or too short WHEN planned THEN 0 keeps forever (-1), 3 days is refused naming the setting', () => {
    const service = (events: string) => ({
      service: 'dingtalk-callback',
      provider: {},
      custom: {
        tablestore: { tables: { events: 'e' }, retentionDays: { events, approvals: '365', journal: '30' } },
      },
    });
    const options = { stage: 'prod', region: 'cn-hangzhou', accountId: '1' };
    expect(planAliyunDeployment(service('0'), options).tablestore.tables[0]!.timeToLive).to.equal(-1);
    expect(() => planAliyunDeployment(service('3'), options)).to.throw(
      'custom.tablestore.retentionDays.events',
    );
  });
});

describe('aliyun-project relocateArtifacts (sls deploy --package in another checkout)', () => {
  it('GIVEN a packaged template naming the zip under another checkout WHEN relocated THEN it names the zip beside the template', () => {
    const template = {
      Resources: {
        'sls-function-object': {
          Properties: { ObjectName: 'x.zip', LocalPath: '/builds/a/1/.serverless/x.zip' },
        },
        'sls-storage-bucket': { Properties: { BucketName: 'b' } },
      },
    };
    expect(relocateArtifacts(template, '/builds/b/2/.serverless')).to.equal(1);
    expect(template.Resources['sls-function-object'].Properties.LocalPath).to.equal(
      '/builds/b/2/.serverless/x.zip',
    );
    expect(relocateArtifacts(template, '/builds/b/2/.serverless')).to.equal(0);
  });
});
