import { expect } from 'chai';
import { DingTalkStreamClient } from '../../lib/dingtalk/stream-client';
import type { StreamClientOptions } from '../../lib/dingtalk/stream-client';
import { DingTalkStreamStandIn } from '../../local-dev/dingtalk-stream-standin';

const APP = { clientId: 'dingstreamkey', clientSecret: 'stream-secret' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The Stream Mode client against the loopback stand-in of DingTalk's gateway, in process (issue 20). */
describe('Stream Mode client (lib/dingtalk/stream-client.ts) against the loopback gateway stand-in', function () {
  this.timeout(20_000);
  let standIn: DingTalkStreamStandIn;
  let client: DingTalkStreamClient | undefined;
  const statuses: string[] = [];

  const start = (options: Partial<StreamClientOptions> = {}) => {
    client = new DingTalkStreamClient({
      ...APP,
      baseUrl: standIn.baseUrl,
      userAgent: 'test',
      onEvent: async () => 'SUCCESS',
      onStatus: (status) => statuses.push(status),
      backoffMs: 50,
      random: () => 1,
      ...options,
    });
    client.start();
    return client;
  };

  beforeEach(async () => {
    statuses.length = 0;
    standIn = await new DingTalkStreamStandIn(APP).start();
  });
  afterEach(async () => {
    await client?.stop();
    client = undefined;
    await standIn.stop();
  });

  it('GIVEN a gateway that accepts the TCP connection and never answers the upgrade WHEN connecting THEN the handshake times out and a new ticket is asked for, again and again', async () => {
    standIn.hangUpgrades = true;
    start({ handshakeTimeoutMs: 300 });
    await sleep(2_500);
    expect(standIn.opens.length).to.be.at.least(3);
    expect(statuses).to.include('connect_failed');
  });

  it('GIVEN a connection on which no frame arrives (pongs answered: a zombie) WHEN the idle limit passes THEN a new connection is opened before the old one closes', async () => {
    start({ heartbeatMs: 100, idleMs: 600 });
    await sleep(2_000);
    expect(standIn.connectedAt.length).to.be.at.least(2);
    expect(standIn.closedAt.length).to.be.at.least(1);
    expect(standIn.connectedAt[1]!).to.be.at.most(standIn.closedAt[0]!);
    expect(statuses).to.include('idle_reconnect');
  });

  it('GIVEN a gateway that accepts and drops at once WHEN it keeps doing so THEN the delays keep growing (backoff is reset only after a connection stayed up)', async () => {
    standIn.dropAfterMs = 20;
    start({ backoffMs: 100, stableMs: 5_000 });
    await sleep(3_000);
    // 100, 200, 400, 800, 1600 ms: at most six connections in 3 s; a reset on every open would make ~25.
    expect(standIn.opens.length).to.be.within(3, 6);
    const gaps = standIn.opens.slice(1).map((at, i) => at - standIn.opens[i]!);
    expect(gaps.at(-1)!).to.be.greaterThan(gaps[0]! * 2);
  });

  it('GIVEN stop() while a connection is being made WHEN it resolves THEN no socket is left open', async () => {
    const connecting = start();
    await connecting.stop();
    await sleep(500);
    expect(standIn.openSockets).to.have.length(0);
  });
});
