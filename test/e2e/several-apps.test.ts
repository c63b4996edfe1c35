import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postToCallback, signPush } from '../../lib/dingtalk/push-sender';
import type { TestAppId } from '../support/apps';
import { TEST_APPS, TEST_APPS_ENV, appSide } from '../support/apps';
import { cliJsonLines, runCli } from '../support/cli';
import { eventually } from '../support/eventually';
import type { LocalStack } from '../support/local-stack';
import { PROJECT_ROOT, startLocalStack } from '../support/local-stack';
import { DingTalkStreamStandIn } from '../../local-dev/dingtalk-stream-standin';
import { LOCAL_SUITE_STATE_TABLE } from '../../local-dev/dev-credentials';
import { createDynamoDbDocumentClient } from '../../lib/aws/dynamodb-client';
import { DynamoDbSuiteState } from '../../lib/aws/dynamodb-suite-state';
import { SuiteState } from '../../lib/core/suite-state';

const FIXTURES = join(__dirname, '..', '..', 'examples', 'events');

/** DingTalk's side of one app (its token, AES key and owner key), pushing to a path on loopback. */
async function pushAs(app: TestAppId, url: string, plaintext: string) {
  const { crypto, ownerKey } = appSide(app);
  const { query, body } = signPush(crypto, plaintext, ownerKey);
  return postToCallback(url, query, body, { crypto, timeoutMs: 15_000 });
}

function cliLines(stack: LocalStack, args: string[]): Promise<Array<Record<string, unknown>>> {
  return cliJsonLines(args, stack.env);
}

function syncItem(corpId: string, bizType: number, data: Record<string, unknown>, atMs: number) {
  return {
    corp_id: corpId,
    biz_id: bizType === 2 ? 'suite1234567' : String(data.userid ?? 'suite1234567'),
    biz_type: bizType,
    biz_data: JSON.stringify(data),
    subscribe_id: 'suite1234567_0',
    open_cursor: atMs % 100_000,
    gmt_create: atMs,
    gmt_modified: atMs,
    status: 0,
  };
}

describe('several apps in one deployment: DINGTALK_APPS of two internal apps and an ISV suite (npm start; DingTalk played on loopback)', function () {
  this.timeout(300_000);
  let stack: LocalStack;
  const run = randomUUID().slice(0, 8);

  before(async () => {
    stack = await startLocalStack({ ...TEST_APPS_ENV });
  });
  after(async () => {
    await stack?.stop();
  });

  it('GIVEN a push to each internal app’s path WHEN answered THEN under its own owner key, and each stored with its appId', async () => {
    for (const app of ['hr', 'oa'] as const) {
      const result = await pushAs(
        app,
        `${stack.url}/${app}`,
        JSON.stringify({
          EventType: 'user_add_org',
          eventId: `${app}-${run}`,
          CorpId: 'dingcorp1',
          UserId: ['u1'],
        }),
      );
      expect(result.reply).to.deep.equal({ message: 'success', ownerKey: appSide(app).ownerKey });
    }
    const hr = await cliLines(stack, ['events', '--app', 'hr', '--json', '--limit', '50']);
    expect(hr.map((event) => [event.eventId, event.appId, event.corpId])).to.deep.include([
      `hr-${run}`,
      'hr',
      'dingcorp1',
    ]);
    expect(hr.every((event) => event.appId === 'hr')).to.equal(true);
  });

  it('GIVEN a push signed for hr WHEN sent to oa’s path THEN 401 and nothing stored; on the shared /dingtalk THEN the signature finds hr', async () => {
    const forged = await pushAs(
      'hr',
      `${stack.url}/oa`,
      JSON.stringify({ EventType: 'user_add_org', eventId: `forged-${run}` }),
    );
    expect(forged.status).to.equal(401);
    const shared = await pushAs(
      'hr',
      stack.url,
      JSON.stringify({ EventType: 'org_dept_create', eventId: `shared-${run}` }),
    );
    expect(shared.reply).to.deep.equal({ message: 'success', ownerKey: appSide('hr').ownerKey });
    const stored = await cliLines(stack, ['events', '--app', 'hr', '--json', '--limit', '50']);
    expect(stored.map((event) => event.eventId))
      .to.include(`shared-${run}`)
      .and.not.include(`forged-${run}`);
    const unknown = await pushAs(
      'hr',
      `${stack.url}/payroll`,
      JSON.stringify({ EventType: 'x', eventId: `u-${run}` }),
    );
    expect(unknown.status).to.equal(404);
  });

  it('GIVEN `send --app oa` WHEN run with DINGTALK_APPS THEN signed with oa’s credentials, posted to /dingtalk/oa and answered under its owner key', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'send-')), 'event.json');
    writeFileSync(file, JSON.stringify({ EventType: 'user_modify_org', eventId: `send-${run}` }));
    const result = await runCli(['send', '--app', 'oa', file], {
      ...stack.env,
      PORT: String(stack.httpPort),
      ...TEST_APPS_ENV,
    });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.contain('reply: success (signature valid, owner key dingoaappkey)');
    const oa = await cliLines(stack, ['events', '--app', 'oa', '--json', '--limit', '50']);
    expect(oa.map((event) => event.eventId)).to.include(`send-${run}`);
  });

  it('GIVEN SyncHTTP HIGH (suite_ticket + org_suite_auth) and MEDIUM (two corps’ users) batches, each redelivered once WHEN pushed to the suite THEN one event per item, stored once, with the suite’s appId and each item’s corp', async () => {
    const high = readFileSync(join(FIXTURES, 'SYNC_HTTP_PUSH_HIGH.shape-synchttp.json'), 'utf8');
    const medium = readFileSync(join(FIXTURES, 'SYNC_HTTP_PUSH_MEDIUM.shape-synchttp.json'), 'utf8');
    for (const batch of [high, high, medium, medium]) {
      const result = await pushAs('isv', `${stack.url}/isv`, JSON.stringify(JSON.parse(batch)));
      expect(result.reply).to.deep.equal({ message: 'success', ownerKey: appSide('isv').ownerKey });
    }
    const events = await cliLines(stack, ['events', '--app', 'isv', '--json', '--limit', '50']);
    expect(events.map((event) => `${event.eventType}@${event.corpId}`).sort()).to.deep.equal([
      'org_suite_auth@dingcustomercorp0001',
      'suite_ticket@dingisvownercorp0001',
      'user_add_org@dingcustomercorp0001',
      'user_modify_org@dingcustomercorp0002',
    ]);
  });

  it('GIVEN a second, later suite_ticket WHEN `suite-ticket --app isv` runs THEN the later ticket, and the stack’s log never shows a ticket', async () => {
    const later = Date.parse('2026-12-02T06:00:00Z');
    const batch = {
      EventType: 'SYNC_HTTP_PUSH_HIGH',
      bizData: [
        syncItem(
          'dingisvownercorp0001',
          2,
          { syncAction: 'suite_ticket', suiteTicket: `LaterTicket${run}` },
          later,
        ),
      ],
    };
    expect((await pushAs('isv', `${stack.url}/isv`, JSON.stringify(batch))).reply?.message).to.equal(
      'success',
    );
    const [ticket] = await eventually(
      () => cliLines(stack, ['suite-ticket', '--app', 'isv', '--json']).catch(() => []),
      (lines) => lines[0]?.suiteTicket === `LaterTicket${run}`,
      60_000,
    );
    expect(ticket).to.include({
      appId: 'isv',
      suiteTicket: `LaterTicket${run}`,
      issuedAt: '2026-12-02T06:00:00Z',
    });
    expect(stack.output())
      .not.to.contain('DemoSuiteTicketNotSecret0001')
      .and.not.to.contain(`LaterTicket${run}`);
  });

  it('GIVEN a corp that authorised the suite WHEN it relieves it THEN `corps --app isv` shows it relieved since then, with its name', async () => {
    const relievedAt = Date.parse('2026-12-02T07:00:00Z');
    const batch = {
      EventType: 'SYNC_HTTP_PUSH_HIGH',
      bizData: [syncItem('dingcustomercorp0001', 4, { syncAction: 'org_suite_relieve' }, relievedAt)],
    };
    expect((await pushAs('isv', `${stack.url}/isv`, JSON.stringify(batch))).reply?.message).to.equal(
      'success',
    );
    const corps = await eventually(
      () => cliLines(stack, ['corps', '--app', 'isv', '--json']),
      (lines) => lines.some((corp) => corp.status === 'relieved'),
      60_000,
    );
    expect(corps.map(({ corpId, name, status, since }) => ({ corpId, name, status, since }))).to.deep.equal([
      {
        corpId: 'dingcustomercorp0001',
        name: '示例客户一号公司',
        status: 'relieved',
        since: '2026-12-02T07:00:00Z',
      },
    ]);
  });
  it('GIVEN a suite whose latest ticket is older than 12 h WHEN the minute’s retry run goes THEN it logs suite_ticket_stale for that suite (the alarm’s filter), never the ticket; the fresh suite is not named', async () => {
    const client = createDynamoDbDocumentClient({ region: 'us-east-1', endpoint: stack.dynamoDbEndpoint });
    const old = Date.now() - 13 * 60 * 60 * 1000;
    await new SuiteState(new DynamoDbSuiteState(client, LOCAL_SUITE_STATE_TABLE)).apply({
      kind: 'ticket',
      ticket: { appId: `old-suite-${run}`, ticket: `StaleTicket${run}`, atMs: old, eventId: `e-${run}` },
    });
    await new SuiteState(new DynamoDbSuiteState(client, LOCAL_SUITE_STATE_TABLE)).apply({
      kind: 'ticket',
      ticket: {
        appId: `new-suite-${run}`,
        ticket: `FreshTicket${run}`,
        atMs: Date.now(),
        eventId: `f-${run}`,
      },
    });
    client.destroy();
    const before = stack.output().length;
    const invocation = await stack.invoke('retryDeliveries');
    expect(invocation.functionError, JSON.stringify(invocation.payload)).to.equal(undefined);
    const logged = stack.output().slice(before);
    const stale = logged
      .split('\n')
      .filter((line) => line.includes('"suite_ticket_stale"'))
      .map((line) => JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>);
    expect(stale.filter((line) => String(line.appId).endsWith(run)).map((line) => line.appId)).to.deep.equal([
      `old-suite-${run}`,
    ]);
    expect(logged).not.to.contain(`StaleTicket${run}`);
  });

  it('GIVEN Stream Mode for hr and the suite, and oa with a wrong secret WHEN the connector runs THEN hr and the suite connect and store with their appId (the suite’s event with its corp), oa is refused and retried, and the health check names oa', async () => {
    const secrets = Object.fromEntries(TEST_APPS.map((app) => [app.id, app.appSecret]));
    const gateway = await new DingTalkStreamStandIn(
      TEST_APPS.map((app) => ({ clientId: app.appKey, clientSecret: app.appSecret })),
    ).start();
    const apps = TEST_APPS.map((app) => ({
      ...app,
      stream: true,
      ...(app.id === 'oa' ? { appSecret: 'not-oa-s-secret' } : {}),
    }));
    const healthFile = join(mkdtempSync(join(tmpdir(), 'apps-health-')), 'health.json');
    const connector = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/dingtalk-callback.js'), 'stream'], {
      cwd: PROJECT_ROOT,
      env: {
        ...stack.env,
        ...TEST_APPS_ENV,
        DINGTALK_APPS: JSON.stringify(apps),
        DINGTALK_OPENAPI_BASE: gateway.baseUrl,
        DINGTALK_STREAM_BACKOFF_MS: '200',
        DINGTALK_STREAM_HEALTH_FILE: healthFile,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    connector.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    connector.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    try {
      const connected = await eventually(
        () => ['dinghrappkey', 'suite1234567key'].map((key) => gateway.socketsOf(key).length),
        (counts) => counts.every((count) => count === 1),
        30_000,
      );
      expect(connected).to.deep.equal([1, 1]);
      const hrEvent = { eventId: `stream-hr-${run}`, eventType: 'user_add_org', data: '{"userId":["u9"]}' };
      const isvEvent = {
        eventId: `stream-isv-${run}`,
        eventType: 'org_dept_create',
        data: '{"deptId":[7]}',
        corpId: 'dingcustomercorp0002',
      };
      expect((await gateway.sendEvent(hrEvent, 10_000, 'dinghrappkey')).status).to.equal('SUCCESS');
      expect((await gateway.sendEvent(isvEvent, 10_000, 'suite1234567key')).status).to.equal('SUCCESS');
      const hr = await cliLines(stack, ['events', '--app', 'hr', '--json', '--limit', '50']);
      expect(hr.find((event) => event.eventId === hrEvent.eventId)).to.include({
        appId: 'hr',
        source: 'stream',
      });
      const isv = await cliLines(stack, ['events', '--app', 'isv', '--json', '--limit', '50']);
      expect(isv.find((event) => event.eventId === isvEvent.eventId)).to.include({
        appId: 'isv',
        corpId: 'dingcustomercorp0002',
      });
      // oa keeps trying with its wrong secret, and never gets a connection.
      await eventually(
        () => gateway.opens.length,
        (opens) => opens >= 5,
        30_000,
      );
      expect(gateway.socketsOf('dingoaappkey')).to.have.length(0);
      const health = await runCli(['stream-health', '--file', healthFile], process.env);
      expect(health.code).to.equal(1);
      expect(health.stderr).to.contain('apps not connected: oa');
      expect(output).not.to.contain(secrets.hr!).and.not.to.contain('not-oa-s-secret');
    } finally {
      connector.kill('SIGTERM');
      await new Promise((resolve) => connector.once('exit', resolve));
      await gateway.stop();
    }
  });
});
