import { expect } from 'chai';
import { DingTalkStreamClient } from '../../lib/dingtalk/stream-client';
import type { StreamClientOptions } from '../../lib/dingtalk/stream-client';
import { proxyFor } from '../../lib/dingtalk/proxy';
import { DingTalkStreamStandIn } from '../../local-dev/dingtalk-stream-standin';
import { ConnectProxyStandIn } from '../support/connect-proxy';

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

  for (const [name, noProxy, tunnelled] of [
    ['GIVEN HTTP_PROXY', undefined, true],
    ['GIVEN HTTP_PROXY and NO_PROXY naming the gateway’s host', 'localhost, 127.0.0.1', false],
  ] as const) {
    it(`${name} WHEN connecting THEN the open call and the WebSocket ${tunnelled ? 'both go through CONNECT tunnels to the gateway' : 'go direct'} and the connection is up (a loopback CONNECT proxy stand-in)`, async () => {
      const proxy = await new ConnectProxyStandIn().start();
      try {
        start({ proxy: { httpProxy: proxy.url, ...(noProxy ? { noProxy } : {}) } });
        for (let waited = 0; !statuses.includes('connected') && waited < 5_000; waited += 50) await sleep(50);
        expect(statuses).to.include('connected');
        const gateway = new URL(standIn.baseUrl).host;
        expect(proxy.tunnels.filter((target) => target === gateway)).to.have.length(tunnelled ? 2 : 0);
      } finally {
        await client?.stop();
        client = undefined;
        await proxy.stop();
      }
    });
  }

  it('GIVEN NO_PROXY entries WHEN a URL is matched THEN names, subdomains, ports and * as curl reads them', () => {
    const settings = {
      httpsProxy: 'http://proxy:3128',
      noProxy: '.internal.example, api.corp:8443, 10.0.0.1',
    };
    expect(proxyFor('https://api.dingtalk.com/v1.0', settings)).to.equal('http://proxy:3128');
    expect(proxyFor('https://a.internal.example/', settings)).to.equal(undefined);
    expect(proxyFor('https://internal.example/', settings)).to.equal(undefined);
    expect(proxyFor('https://api.corp:8443/', settings)).to.equal(undefined);
    expect(proxyFor('https://api.corp/', settings)).to.equal('http://proxy:3128');
    expect(proxyFor('wss://10.0.0.1/', settings)).to.equal(undefined);
    expect(proxyFor('http://api.dingtalk.com/', settings)).to.equal(undefined); // no HTTP_PROXY set
    expect(proxyFor('https://x.y/', { ...settings, noProxy: '*' })).to.equal(undefined);
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
