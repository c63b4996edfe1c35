import { expect } from 'chai';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DingTalkStreamStandIn } from '../../local-dev/dingtalk-stream-standin';
import type { ApprovalEvent } from '../support/approval-events';
import { approvalLifecycle } from '../support/approval-events';
import { runCli } from '../support/cli';
import { push } from '../support/dingtalk-client';
import type { LocalStack } from '../support/local-stack';
import { PROJECT_ROOT, sharedLocalStack, startLocalStack } from '../support/local-stack';
import { TcpFaultProxy } from '../support/tcp-fault-proxy';

const APP = { clientId: 'dingstreamappkey', clientSecret: 'stream-app-secret-not-real' };

/** The real connector (`dingtalk-callback stream`) as a process of its own. */
class Connector {
  output = '';
  private child: ChildProcess | undefined;

  start(env: NodeJS.ProcessEnv): void {
    this.child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/dingtalk-callback.js'), 'stream'], {
      cwd: PROJECT_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (chunk: Buffer) => (this.output += chunk.toString('utf8'));
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
  }

  count(text: string): number {
    return this.output.split(text).length - 1;
  }

  async waitFor(text: string, times = 1, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.count(text) < times) {
      if (Date.now() > deadline)
        throw new Error(`connector never logged "${text}" ×${times}:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** SIGTERM; resolves with the exit code. */
  async stop(): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    return exited;
  }
}

function approvalApprovalsCli(stack: LocalStack, id: string) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(stack.httpPort),
    DYNAMODB_LOCAL_PORT: String(stack.dynamoDbPort),
  };
  delete env.APPROVALS_TABLE;
  delete env.DYNAMODB_ENDPOINT;
  return runCli(['approvals', '--id', id, '--json'], env);
}

/** A pushed approval event as Stream Mode delivers it: envelope in the headers, the rest as `data`. */
function asStreamEvent(event: ApprovalEvent) {
  const {
    EventType,
    EventTime,
    CorpId,
    BizId: _biz,
    eventId: _id,
    ...data
  } = event.payload as Record<string, unknown>;
  return {
    eventId: event.eventId,
    eventType: String(EventType),
    data: JSON.stringify(data),
    corpId: String(CorpId ?? data.corpId),
    ...(typeof EventTime === 'number' ? { bornTime: EventTime } : {}),
  };
}

function userEvent(tag: string) {
  const eventId = `stream-${tag}-${randomUUID()}`;
  return {
    eventId,
    eventType: 'user_add_org',
    data: JSON.stringify({ userId: [`u-${tag}`], note: '流式事件 ✓' }),
  };
}

describe('Stream Mode connector (`dingtalk-callback stream`, real process) against a loopback stand-in for DingTalk’s Stream gateway', function () {
  this.timeout(300_000);
  let stack: LocalStack;
  let gateway: DingTalkStreamStandIn;
  let proxy: TcpFaultProxy;
  const connector = new Connector();
  const healthFile = join(mkdtempSync(join(tmpdir(), 'stream-health-')), 'health.json');

  before(async () => {
    stack = await sharedLocalStack();
    gateway = await new DingTalkStreamStandIn(APP).start();
    proxy = new TcpFaultProxy('127.0.0.1', stack.dynamoDbPort);
    await proxy.up();
    connector.start({
      ...stack.env,
      DYNAMODB_ENDPOINT: proxy.url,
      DINGTALK_APP_KEY: APP.clientId,
      DINGTALK_APP_SECRET: APP.clientSecret,
      DINGTALK_OPENAPI_BASE: gateway.baseUrl,
      DINGTALK_STREAM_HEALTH_FILE: healthFile,
    });
    await connector.waitFor('"stream connected"');
  });

  after(async () => {
    expect(await connector.stop(), 'a clean stop on SIGTERM').to.equal(0);
    // Stopped: the health file says not connected, and the container check fails.
    const stopped = await runCli(['stream-health', '--file', healthFile], process.env);
    expect(stopped.code, stopped.stderr).to.equal(1);
    expect(stopped.stderr).to.contain('not connected');
    await gateway?.stop();
    await proxy?.down();
  });

  it('GIVEN an EVENT frame THEN it is acknowledged SUCCESS only once stored, and `events --json` shows its exact text', async () => {
    const event = userEvent('first');
    const ack = await gateway.sendEvent(event);
    expect(ack.status).to.equal('SUCCESS');
    const row = await stack.eventStore().get(event.eventId); // read right after the acknowledgement
    expect(row).to.include({
      eventType: 'user_add_org',
      ownerKey: APP.clientId,
      source: 'stream',
      corpId: 'dingdevcorp',
    });
    expect(row?.payload).to.equal(event.data);
    const listed = await runCli(['events', '--json', '--type', 'user_add_org', '--limit', '100'], stack.env);
    const line = listed.stdout.split('\n').find((l) => l.startsWith(`{"eventId":"${event.eventId}"`));
    expect(line?.endsWith(`,"payload":${event.data}}`)).to.equal(true);
    expect(connector.output).not.to.contain('流式事件'); // no payloads in the logs at INFO
  });

  it('GIVEN the same event delivered again (same eventId) THEN nothing new is stored and it is acknowledged again', async () => {
    const event = userEvent('again');
    expect((await gateway.sendEvent(event)).status).to.equal('SUCCESS');
    const first = await stack.eventStore().get(event.eventId);
    expect((await gateway.sendEvent(event)).status).to.equal('SUCCESS');
    expect(await stack.eventStore().get(event.eventId)).to.deep.equal(first);
    expect(connector.output).to.match(new RegExp(`"eventId":"${event.eventId}"[^\\n]*"outcome":"duplicate"`));
  });

  it('GIVEN the store down THEN LATER, and once it is back the redelivered event is stored', async () => {
    const event = userEvent('outage');
    await proxy.down();
    expect((await gateway.sendEvent(event, 30_000)).status).to.equal('LATER');
    await proxy.up();
    expect((await gateway.sendEvent(event, 30_000)).status).to.equal('SUCCESS');
    expect((await stack.eventStore().get(event.eventId))?.payload).to.equal(event.data);
  });

  it('GIVEN the connector connected WHEN the container health check runs THEN healthy; with a max age shorter than the quiet time THEN unhealthy, naming why', async () => {
    await gateway.ping();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const healthy = await runCli(['stream-health', '--file', healthFile], process.env);
    expect(healthy.code, healthy.stderr).to.equal(0);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const strict = await runCli(['stream-health', '--file', healthFile, '--max-age', '1'], process.env);
    expect(strict.code).to.equal(1);
    expect(strict.stderr).to.match(/no frame for \d+ ms|has not written its state/);
  });

  it('GIVEN a SYSTEM ping THEN the same data comes back', async () => {
    const data = JSON.stringify({ opaque: randomUUID() });
    expect(await gateway.ping(data)).to.equal(data);
  });

  it('GIVEN a disconnect notice THEN a new ticket and connection before the old one closes, and no event is lost across the switch', async () => {
    const opensBefore = gateway.opens.length;
    const connectionsBefore = connector.count('"stream connected"');
    const beforeSwitch = userEvent('before-switch');
    const acked = gateway.sendEvent(beforeSwitch);
    const socketsBefore = gateway.connectedAt.length;
    const closedBefore = gateway.closedAt.length;
    gateway.disconnect(1_500);
    expect((await acked).status).to.equal('SUCCESS');
    await connector.waitFor('"stream connected"', connectionsBefore + 1);
    expect(gateway.opens.length).to.equal(opensBefore + 1);
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // the old connection is gone now
    expect(gateway.openSockets).to.have.length(1);
    // The new connection was up before the old one closed.
    expect(gateway.connectedAt.length).to.equal(socketsBefore + 1);
    expect(gateway.closedAt.length).to.equal(closedBefore + 1);
    expect(gateway.connectedAt.at(-1)!).to.be.below(gateway.closedAt.at(-1)!);
    const afterSwitch = userEvent('after-switch');
    expect((await gateway.sendEvent(afterSwitch)).status).to.equal('SUCCESS');
    for (const event of [beforeSwitch, afterSwitch])
      expect(await stack.eventStore().get(event.eventId)).not.to.equal(undefined);
    expect(gateway.opens.length, 'no reconnect beyond the one new connection').to.equal(opensBefore + 1);
  });

  it('GIVEN the connection dropped and the gateway refusing three times THEN reconnects with growing, jittered delays, not a storm', async () => {
    const opensBefore = gateway.opens.length;
    const connectionsBefore = connector.count('"stream connected"');
    gateway.refuseOpens = 3;
    for (const socket of gateway.openSockets) socket.terminate();
    await connector.waitFor('"stream connected"', connectionsBefore + 1, 60_000);
    const opens = gateway.opens.slice(opensBefore);
    expect(opens, 'three refused, one accepted').to.have.length(4);
    const gaps = opens.slice(1).map((at, i) => at - opens[i]!);
    console.log(`      (gaps between connection attempts: ${gaps.join(', ')} ms)`);
    // Backoff 1 s, doubling, each delay between 50 % and 100 % of its step.
    expect(gaps[0]).to.be.at.least(1_000 * 0.5 * 2 - 50);
    expect(gaps[1]).to.be.at.least(1_000 * 0.5 * 4 - 50);
    expect(gaps[2]).to.be.at.least(1_000 * 0.5 * 8 - 50);
    const event = userEvent('after-refusals');
    expect((await gateway.sendEvent(event)).status).to.equal('SUCCESS');
  });

  it('GIVEN an approval lifecycle sent by Stream Mode THEN `approvals --id --json` equals that of the same lifecycle pushed', async () => {
    const pushedId = `pi-push-${randomUUID()}`;
    const streamedId = `pi-stream-${randomUUID()}`;
    for (const event of approvalLifecycle(pushedId)) {
      expect((await push(stack.url, JSON.stringify(event.payload))).reply?.message).to.equal('success');
    }
    for (const event of approvalLifecycle(streamedId)) {
      expect((await gateway.sendEvent(asStreamEvent(event))).status).to.equal('SUCCESS');
    }
    const read = async (id: string): Promise<Record<string, unknown> | undefined> => {
      const result = await approvalApprovalsCli(stack, id);
      if (result.code === 0) return JSON.parse(result.stdout) as Record<string, unknown>;
      if (!result.stderr.includes(`no approval ${id}`)) throw new Error(result.stderr);
      return undefined;
    };
    // The local stream consumer folds both lifecycles in; wait until both settle, then compare.
    const deadline = Date.now() + 180_000;
    let pushed: Record<string, unknown> | undefined;
    let streamed: Record<string, unknown> | undefined;
    for (;;) {
      pushed = await read(pushedId);
      streamed = await read(streamedId);
      const same =
        pushed !== undefined &&
        streamed !== undefined &&
        JSON.stringify({ ...streamed, processInstanceId: 'x' }) ===
          JSON.stringify({ ...pushed, processInstanceId: 'x' });
      if ((same && pushed!.status === 'COMPLETED') || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(pushed).to.include({ status: 'COMPLETED' });
    expect({ ...streamed, processInstanceId: 'x' }).to.deep.equal({ ...pushed, processInstanceId: 'x' });
  });
});

describe('npm start with DINGTALK_STREAM=on (the connector beside the HTTP endpoint; Stream gateway stand-in on loopback)', function () {
  this.timeout(120_000);

  it('GIVEN DINGTALK_STREAM=on and the app key and secret WHEN npm start runs THEN it connects, stores a streamed event, and Ctrl-C stops both', async () => {
    const gateway = await new DingTalkStreamStandIn(APP).start();
    const stack = await startLocalStack({
      DINGTALK_STREAM: 'on',
      DINGTALK_APP_KEY: APP.clientId,
      DINGTALK_APP_SECRET: APP.clientSecret,
      DINGTALK_OPENAPI_BASE: gateway.baseUrl,
    });
    try {
      const deadline = Date.now() + 30_000;
      while (gateway.openSockets.length === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      const event = userEvent('npm-start');
      expect((await gateway.sendEvent(event)).status).to.equal('SUCCESS');
      expect((await stack.eventStore().get(event.eventId))?.payload).to.equal(event.data);
    } finally {
      expect(await stack.stop()).to.equal(0);
      await gateway.stop();
    }
    expect(stack.output()).to.contain('"stream stopped"');
  });
});

describe('Stream Mode connector and a dead link (stand-in answers no WebSocket pings)', function () {
  this.timeout(60_000);

  it('GIVEN pongs that never come WHEN the heartbeat (500 ms here) misses THEN the connector drops the link and connects again with a fresh ticket', async () => {
    const gateway = await new DingTalkStreamStandIn(APP, { answerHeartbeats: false }).start();
    const connector = new Connector();
    const stack = await sharedLocalStack();
    connector.start({
      ...stack.env,
      DINGTALK_APP_KEY: APP.clientId,
      DINGTALK_APP_SECRET: APP.clientSecret,
      DINGTALK_OPENAPI_BASE: gateway.baseUrl,
      DINGTALK_STREAM_HEARTBEAT_MS: '500',
      DINGTALK_STREAM_BACKOFF_MS: '200',
    });
    try {
      await connector.waitFor('"stream heartbeat_missed"');
      await connector.waitFor('"stream connected"', 2);
      expect(gateway.opens.length, 'a new ticket for the new connection').to.be.at.least(2);
      expect(gateway.closedAt.length).to.be.at.least(1);
    } finally {
      expect(await connector.stop()).to.equal(0);
      await gateway.stop();
    }
  });
});
