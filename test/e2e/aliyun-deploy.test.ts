import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TablestorePutRow } from '../../lib/aliyun/tablestore-put-row';
import { PROJECT_ROOT, SERVERLESS_BIN } from '../../local-dev/serverless-config';
import { AlibabaCloudStandin } from '../support/alibaba-cloud-standin';
import { TablestoreWireFake } from '../support/tablestore-wire-fake';

const ACCOUNT = {
  accountId: '1234567890123456',
  accessKeyId: 'LTAIstandinDeployKey',
  accessKeySecret: 'standin-deploy-secret-not-real',
};
const STAGE = 'standin';
const SERVICE = `dingtalk-callback-${STAGE}`;
const INSTANCE = 'standin-ots';
const TABLE = (name: string) => `dingtalk_callback_${name}_${STAGE}`;
const DOMAIN = 'dingtalk-cb.example.com';
const EXEC_POLICY = `fc-${SERVICE}-cn-hangzhou-access`;
const EXEC_ROLE = `sls-${SERVICE}-cn-hangzhou-exec-role`;

/** A real `sls` run of serverless.aliyun.yml, its Alibaba calls sent to the loopback stand-ins. */
function sls(
  command: string[],
  env: Record<string, string>,
): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [SERVERLESS_BIN, ...command, '--config', 'serverless.aliyun.yml', '--stage', STAGE],
      { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

describe('sls deploy / sls remove of serverless.aliyun.yml against a loopback stand-in of the Alibaba Cloud APIs (FC, API Gateway, RAM, OSS, Log Service, Tablestore)', function () {
  this.timeout(600_000);
  let cloud: AlibabaCloudStandin;
  let tablestore: TablestoreWireFake;
  let work: string;
  let env: Record<string, string>;
  const deploys: Array<{ status: number | null; output: string; mutations: string[]; tableOps: string[] }> =
    [];

  /** What the deploy leaves in place: everything but the code object, which each deploy uploads anew. */
  const snapshot = () => ({
    services: [...cloud.fc.entries()].map(([name, service]) => ({
      name,
      role: service.config.role,
      logConfig: service.config.logConfig,
      functions: [...service.functions.entries()].map(([fn, { config, triggers }]) => ({
        fn,
        handler: config.handler,
        runtime: config.runtime,
        env: config.environmentVariables,
        triggers: [...triggers.values()],
      })),
    })),
    policies: [...cloud.policies.values()].map((p) => ({ name: p.PolicyName, versions: p.versions })),
    roles: [...cloud.roles.values()],
    apis: [...cloud.apis.values()].map(({ RequestConfig, ServiceConfig }) => ({
      RequestConfig,
      ServiceConfig,
    })),
    domains: [...cloud.groups.values()].map((g) => [...g.domains.entries()]),
    streams: tablestore.tableNames().map((t) => [t, tablestore.streamOf(t), tablestore.optionsOf(t)]),
  });

  const deploy = async () => {
    const before = { calls: cloud.calls.length, ops: tablestore.operations.length };
    const result = await sls(['deploy'], env);
    deploys.push({
      ...result,
      mutations: cloud.calls.slice(before.calls).filter((call) => cloud.mutations().includes(call)),
      tableOps: tablestore.operations.slice(before.ops),
    });
    return result;
  };

  before(async () => {
    cloud = await new AlibabaCloudStandin(ACCOUNT).start();
    tablestore = await new TablestoreWireFake({
      instance: INSTANCE,
      accessKeyId: ACCOUNT.accessKeyId,
      accessKeySecret: ACCOUNT.accessKeySecret,
      tables: {},
    }).start();
    work = mkdtempSync(join(tmpdir(), 'aliyun-deploy-'));
    const credentials = join(work, 'aliyun_credentials');
    writeFileSync(
      credentials,
      `[default]\naliyun_account_id = ${ACCOUNT.accountId}\naliyun_access_key_id = ${ACCOUNT.accessKeyId}\naliyun_access_key_secret = ${ACCOUNT.accessKeySecret}\n`,
    );
    // Not a real certificate: the stand-in checks PEM framing only (what it cannot check: the chain).
    const certificate = join(work, 'domain.crt');
    const key = join(work, 'domain.key');
    writeFileSync(certificate, '-----BEGIN CERTIFICATE-----\nc3RhbmQtaW4=\n-----END CERTIFICATE-----\n');
    writeFileSync(key, '-----BEGIN PRIVATE KEY-----\nc3RhbmQtaW4ta2V5\n-----END PRIVATE KEY-----\n');
    env = {
      PATH: process.env.PATH ?? '',
      HOME: work,
      CI: '1',
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
      NODE_OPTIONS: `--require ${join(PROJECT_ROOT, 'test', 'support', 'resolve-localhost.cjs')}`,
      ALIYUN_CREDENTIALS_FILE: credentials,
      ALIYUN_API_ENDPOINT: cloud.endpoint,
      TABLESTORE_ENDPOINT: tablestore.endpoint,
      TABLESTORE_INSTANCE: INSTANCE,
      DINGTALK_TOKEN: 'standin-token',
      DINGTALK_AES_KEY: 'standinAesKeyForDeployTestsOnly0123456789ab',
      DINGTALK_OWNER_KEY: 'dingstandincorp',
      DINGTALK_APP_KEY: 'standin-app-key',
      DINGTALK_APP_SECRET: 'standin-app-secret',
      FORWARD_URL: 'https://hooks.example.com/dingtalk',
      FORWARD_SECRET: 'whsec_c3RhbmRpbi1mb3J3YXJkLXNlY3JldA==',
      ALIYUN_CUSTOM_DOMAIN: DOMAIN,
      ALIYUN_CUSTOM_DOMAIN_CERT_FILE: certificate,
      ALIYUN_CUSTOM_DOMAIN_KEY_FILE: key,
    };
    // What an older deploy left behind: an events table without a stream, a function policy with an
    // outdated document, an FC service pointing at another role.
    tablestore.addTable(TABLE('events'), 'eventId');
    cloud.policies.set(EXEC_POLICY, {
      PolicyName: EXEC_POLICY,
      Description: 'from an older deploy',
      versions: [
        { VersionId: 'v1', PolicyDocument: '{"Version":"1","Statement":[]}', IsDefaultVersion: true },
      ],
      nextVersion: 2,
    });
    cloud.fc.set(SERVICE, {
      config: { serviceName: SERVICE, role: `acs:ram::${ACCOUNT.accountId}:role/an-old-role` },
      functions: new Map(),
    });
    await deploy();
  });

  after(async () => {
    await cloud?.stop();
    await tablestore?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('GIVEN an account with an older deploy WHEN sls deploy runs THEN it succeeds and prints the HTTPS URL on the custom domain', () => {
    const [first] = deploys;
    expect(first!.status, first!.output.slice(-3000)).to.equal(0);
    expect(first!.output).to.contain(`URL to register with DingTalk: https://${DOMAIN}/dingtalk`);
    expect(first!.output).not.to.contain('1,000 calls a day');
  });

  it('THEN four functions exist, each created with only its own variables (no secret it does not use)', () => {
    const functions = cloud.fc.get(SERVICE)!.functions;
    expect([...functions.keys()].sort()).to.deep.equal(
      ['callback', 'eventStream', 'recoverFailedPushes', 'retryDeliveries']
        .map((k) => `${SERVICE}-${k}`)
        .sort(),
    );
    const envOf = (key: string) =>
      functions.get(`${SERVICE}-${key}`)!.config.environmentVariables as Record<string, string>;
    expect(envOf('callback')).to.include({
      DINGTALK_TOKEN: 'standin-token',
      DINGTALK_OWNER_KEY: 'dingstandincorp',
    });
    expect(envOf('callback')).not.to.have.any.keys('DINGTALK_APP_SECRET', 'FORWARD_SECRET');
    expect(envOf('recoverFailedPushes')).to.include({ DINGTALK_APP_SECRET: 'standin-app-secret' });
    expect(envOf('recoverFailedPushes')).not.to.have.any.keys(
      'DINGTALK_AES_KEY',
      'DINGTALK_TOKEN',
      'FORWARD_SECRET',
    );
    expect(envOf('eventStream')).to.include({ FORWARD_SECRET: env.FORWARD_SECRET });
    expect(envOf('eventStream')).not.to.have.any.keys('DINGTALK_AES_KEY', 'DINGTALK_APP_SECRET');
    for (const [name, fn] of functions) {
      expect(cloud.environmentAtCreate.get(name), `${name} at create`).to.deep.equal(
        fn.config.environmentVariables,
      );
      expect(fn.config.runtime).to.equal('nodejs20');
    }
  });

  it('THEN the Tablestore trigger and both timers are in place', () => {
    const functions = cloud.fc.get(SERVICE)!.functions;
    const triggersOf = (key: string) => [...functions.get(`${SERVICE}-${key}`)!.triggers.values()];
    expect(triggersOf('eventStream')).to.have.length(1);
    expect(triggersOf('eventStream')[0]).to.include({
      triggerType: 'tablestore',
      sourceArn: `acs:ots:cn-hangzhou:${ACCOUNT.accountId}:instance/${INSTANCE}/table/${TABLE('events')}`,
    });
    expect(triggersOf('recoverFailedPushes')[0]).to.deep.include({
      triggerType: 'timer',
      triggerConfig: { cronExpression: '@every 5m', enable: true },
    });
    expect(triggersOf('retryDeliveries')[0]).to.deep.include({
      triggerType: 'timer',
      triggerConfig: { cronExpression: '@every 1m', enable: true },
    });
  });

  it('THEN both APIs (/dingtalk and /dingtalk/[app]) are HTTPS-only and released, and the domain is bound with the certificate', () => {
    const apis = [...cloud.apis.values()];
    expect(apis.map((api) => JSON.parse(api.RequestConfig!) as Record<string, string>)).to.deep.equal(
      ['/dingtalk', '/dingtalk/[app]'].map((RequestPath) => ({
        ...(JSON.parse(apis[0]!.RequestConfig!) as Record<string, string>),
        RequestProtocol: 'HTTPS',
        RequestPath,
      })),
    );
    for (const api of apis) expect([...cloud.deployments.get(api.ApiId!)!]).to.deep.equal(['RELEASE']);
    const [group] = [...cloud.groups.values()];
    expect(group!.domains.get(DOMAIN)?.CertificateBody).to.contain('BEGIN CERTIFICATE');
  });

  it('THEN the outdated policy got a new default version with the six tables, the service its execution role, the events table its stream', () => {
    const policy = cloud.policies.get(EXEC_POLICY)!;
    expect(policy.versions.map((v) => [v.VersionId, v.IsDefaultVersion])).to.deep.equal([
      ['v1', false],
      ['v2', true],
    ]);
    const resources = JSON.stringify(JSON.parse(policy.versions[1]!.PolicyDocument));
    for (const table of ['events', 'approvals', 'parked', 'recovery', 'deliveries', 'suite_state'])
      expect(resources).to.contain(`table/${TABLE(table)}`);
    expect(cloud.attachments.get(EXEC_ROLE)).to.include(`Custom:${EXEC_POLICY}`);
    expect(cloud.fc.get(SERVICE)!.config.role).to.equal(cloud.roles.get(EXEC_ROLE)!.Arn);
    expect(tablestore.tableNames()).to.deep.equal(
      ['approvals', 'deliveries', 'events', 'parked', 'recovery', 'suite_state'].map(TABLE).sort(),
    );
    expect(tablestore.streamOf(TABLE('events'))).to.deep.equal({ enabled: true, hours: 168 });
  });

  it('THEN each table expires its rows at its retention (events, deliveries, parked 90 days; approvals 365; journal 30; suite state never), the older events table included', () => {
    const ttlDays = (table: string) => (tablestore.optionsOf(TABLE(table))?.timeToLive ?? 0) / 86_400;
    expect(
      Object.fromEntries(
        ['events', 'deliveries', 'parked', 'approvals', 'recovery'].map((t) => [t, ttlDays(t)]),
      ),
    ).to.deep.equal({ events: 90, deliveries: 90, parked: 90, approvals: 365, recovery: 30 });
    expect(tablestore.optionsOf(TABLE('suite_state'))?.timeToLive).to.equal(-1);
    expect(deploys[0]!.output).to.contain(`Tablestore table ${TABLE('events')}: time to live 7776000 s`);
  });

  it('GIVEN nothing changed WHEN sls deploy runs again THEN the same state, and no policy, role, service, trigger, domain or table call', async () => {
    const before = snapshot();
    const result = await deploy();
    expect(result.status, result.output.slice(-3000)).to.equal(0);
    expect(snapshot()).to.deep.equal(before);
    const { mutations, tableOps } = deploys[1]!;
    // What the plugin does on every deploy: upload the new artifact, update each function with it,
    // modify and release the API with the same settings.
    const unconditional =
      /^(OSS PUT \/sls-[^/]+\/serverless\/|FC PUT \/services\/[^/]+\/functions\/[^/]+$|APIGW (ModifyApi|DeployApi)$)/;
    expect(mutations.filter((call) => !unconditional.test(call))).to.deep.equal([]);
    expect(tableOps.filter((op) => op !== 'ListTable' && op !== 'DescribeTable')).to.deep.equal([]);
  });

  it('GIVEN a timer and a trust policy changed by hand WHEN sls deploy runs THEN both are put back, with one trigger update and one role update', async () => {
    const retry = cloud.fc
      .get(SERVICE)!
      .functions.get(`${SERVICE}-retryDeliveries`)!
      .triggers.get('retry-deliveries')!;
    retry.triggerConfig = { cronExpression: '@every 1h', enable: false };
    const role = cloud.roles.get(EXEC_ROLE)!;
    const trust = role.AssumeRolePolicyDocument;
    role.AssumeRolePolicyDocument = '{"Version":"1","Statement":[]}';
    const result = await deploy();
    expect(result.status, result.output.slice(-3000)).to.equal(0);
    expect(retry.triggerConfig).to.deep.equal({ cronExpression: '@every 1m', enable: true });
    expect(JSON.parse(role.AssumeRolePolicyDocument!)).to.deep.equal(JSON.parse(trust!));
    const { mutations } = deploys.at(-1)!;
    expect(mutations.filter((call) => call.includes('/triggers/'))).to.deep.equal([
      `FC PUT /services/${SERVICE}/functions/${SERVICE}-retryDeliveries/triggers/retry-deliveries`,
    ]);
    expect(mutations.filter((call) => call.startsWith('RAM '))).to.deep.equal(['RAM UpdateRole']);
  });

  it('GIVEN no custom domain WHEN sls info runs THEN it shows the default-domain URL and warns about its daily cap', async () => {
    const {
      ALIYUN_CUSTOM_DOMAIN: _d,
      ALIYUN_CUSTOM_DOMAIN_CERT_FILE: _c,
      ALIYUN_CUSTOM_DOMAIN_KEY_FILE: _k,
      ...rest
    } = env;
    const result = await sls(['info'], rest);
    expect(result.status, result.output.slice(-3000)).to.equal(0);
    const [group] = [...cloud.groups.values()];
    expect(result.output).to.contain(`URL to register with DingTalk: https://${group!.SubDomain}/dingtalk`);
    expect(result.output).to.contain('1,000 calls a day');
  });

  it('GIVEN ALIYUN_CUSTOM_DOMAIN without its certificate files WHEN sls deploy runs THEN it stops before any Alibaba call, naming the variables', async () => {
    const calls = cloud.calls.length;
    const result = await sls(['deploy'], {
      ...env,
      ALIYUN_CUSTOM_DOMAIN_CERT_FILE: '',
      ALIYUN_CUSTOM_DOMAIN_KEY_FILE: join(work, 'missing.key'),
    });
    expect(result.status).not.to.equal(0);
    expect(result.output).to.contain('ALIYUN_CUSTOM_DOMAIN_CERT_FILE and ALIYUN_CUSTOM_DOMAIN_KEY_FILE');
    expect(cloud.calls.slice(calls)).to.deep.equal([]);
  });

  it('GIVEN a deployed stage with stored events WHEN sls remove runs THEN functions, triggers, API, domain and bucket are gone and the tables keep their rows', async () => {
    const putRow = new TablestorePutRow({
      endpoint: tablestore.endpoint,
      instance: INSTANCE,
      credentials: ACCOUNT,
      attemptTimeoutMs: 2000,
      deadlineMs: 5000,
    });
    await putRow.putIfAbsent({
      table: TABLE('events'),
      primaryKey: ['eventId', 'kept'],
      columns: [['payload', '{}']],
    });
    putRow.close();
    const result = await sls(['remove'], env);
    expect(result.status, result.output.slice(-3000)).to.equal(0);
    expect(cloud.fc.has(SERVICE)).to.equal(false);
    expect(cloud.apis.size).to.equal(0);
    expect(cloud.groups.size).to.equal(0);
    expect([...cloud.buckets.keys()]).to.deep.equal([]);
    expect(tablestore.tableNames()).to.have.length(6);
    expect(tablestore.rowCount(TABLE('events'))).to.equal(1);
    expect(result.output).to.contain('kept Tablestore tables');
  });
});

describe('the loopback stand-in of the Alibaba Cloud APIs refuses what the services refuse', function () {
  this.timeout(60_000);
  let cloud: AlibabaCloudStandin;
  const pluginDir = join(PROJECT_ROOT, 'node_modules', 'serverless-aliyun-function-compute');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = (name: string) => require(require.resolve(name, { paths: [pluginDir] })) as never;

  before(async () => {
    cloud = await new AlibabaCloudStandin(ACCOUNT).start();
  });
  after(() => cloud.stop());

  for (const secret of [ACCOUNT.accessKeySecret, 'a-wrong-secret']) {
    const valid = secret === ACCOUNT.accessKeySecret;
    it(`GIVEN the SDKs the deploy uses, signing with ${valid ? 'the account secret' : 'a wrong secret'} WHEN each calls its service THEN ${valid ? 'every call is accepted' : 'every call is refused with the service’s signature error'}`, async () => {
      const keys = { accessKeyId: ACCOUNT.accessKeyId, accessKeySecret: secret };
      type Client = Record<string, (...args: unknown[]) => Promise<unknown>>;
      const FC = sdk('@alicloud/fc') as unknown as new (
        account: string,
        config: object,
      ) => Client & { endpoint: string };
      const fc = new FC(ACCOUNT.accountId, {
        accessKeyID: keys.accessKeyId,
        accessKeySecret: secret,
        region: 'cn-hangzhou',
      });
      fc.endpoint = cloud.endpoint;
      const RAM = sdk('@alicloud/ram') as unknown as new (config: object) => Client;
      const CloudAPI = sdk('@alicloud/cloudapi') as unknown as new (config: object) => Client;
      const SLS = sdk('@alicloud/log') as unknown as new (config: object) => Client;
      const OSS = sdk('ali-oss') as unknown as (config: object) => Client;
      const co = sdk('co') as unknown as (generator: unknown) => Promise<unknown>;
      const oss = OSS({ ...keys, endpoint: cloud.endpoint });
      const calls: Array<[string, () => Promise<unknown>]> = [
        ['FC', () => fc.listServices!()],
        [
          'RAM',
          () => new RAM({ ...keys, endpoint: cloud.endpoint }).listPoliciesForRole!({ RoleName: 'none' }),
        ],
        ['API Gateway', () => new CloudAPI({ ...keys, endpoint: cloud.endpoint }).describeApiGroups!({})],
        [
          'Log Service',
          () =>
            new SLS({ ...keys, endpoint: cloud.logEndpoint.replace('http://localhost', 'http://127.0.0.1') })
              .createProject!('p1', { description: 'd' }),
        ],
        ['OSS', () => co(oss.listBuckets!({}))],
      ];
      for (const [service, call] of calls) {
        const outcome = await call().then(
          () => 'accepted',
          (error: { code?: string; name?: string; status?: number }) => String(error.code ?? error.name),
        );
        if (valid && service === 'RAM') expect(outcome, service).to.equal('EntityNotExist.Role');
        else if (valid) expect(outcome, service).to.equal('accepted');
        else expect(outcome, service).to.match(/^Signature(NotMatch|DoesNotMatch)$/);
      }
    });
  }
});
