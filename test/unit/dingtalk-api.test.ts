import { expect } from 'chai';
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DingTalkApi, DingTalkApiError, DingTalkUnreachableError } from '../../lib/dingtalk-api';
import { quoteUnsafeIntegers } from '../../lib/event-json';

/** A scripted loopback HTTP peer: each request gets the next scripted answer (DingTalk's JSON envelope). */
type Answer = { status?: number; body: unknown } | 'hang';

async function scriptedServer(answers: (request: IncomingMessage) => Answer) {
  const seen: string[] = [];
  const server: Server = createServer((request, response) => {
    seen.push(`${request.method} ${new URL(request.url ?? '/', 'http://x').pathname}`);
    const answer = answers(request);
    if (answer === 'hang') return;
    response.writeHead(answer.status ?? 200, { 'content-type': 'application/json' });
    response.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const TOKEN = { errcode: 0, errmsg: 'ok', access_token: 'tok-1', expires_in: 7200 };
const noSleep = () => Promise.resolve();

describe('DingTalkApi (against scripted loopback HTTP peers)', () => {
  it('GIVEN a valid token WHEN called repeatedly THEN gettoken is asked once; near expiry THEN again', async () => {
    let clock = 0;
    const peer = await scriptedServer((request) =>
      request.url!.startsWith('/gettoken') ? { body: TOKEN } : { body: { errcode: 0, errmsg: 'ok' } },
    );
    try {
      const api = new DingTalkApi({ appKey: 'k', appSecret: 's', baseUrl: peer.base, now: () => clock });
      await api.delete();
      await api.delete();
      expect(peer.seen.filter((line) => line.includes('gettoken'))).to.have.length(1);
      clock = 7200_000 - 4 * 60_000; // inside the 5-minute margin
      await api.delete();
      expect(peer.seen.filter((line) => line.includes('gettoken'))).to.have.length(2);
    } finally {
      await peer.close();
    }
  });

  it('GIVEN errcode -1 (busy) twice WHEN called THEN retried and the third attempt succeeds', async () => {
    let calls = 0;
    const peer = await scriptedServer((request) =>
      request.url!.startsWith('/gettoken')
        ? { body: TOKEN }
        : ++calls < 3
          ? { body: { errcode: -1, errmsg: '系统繁忙' } }
          : { body: { errcode: 0, errmsg: 'ok' } },
    );
    try {
      await new DingTalkApi({ appKey: 'k', appSecret: 's', baseUrl: peer.base, sleep: noSleep }).delete();
      expect(calls).to.equal(3);
    } finally {
      await peer.close();
    }
  });

  it('GIVEN a 5xx every time WHEN called THEN it gives up after maxAttempts with an unreachable error', async () => {
    let calls = 0;
    const peer = await scriptedServer((request) =>
      request.url!.startsWith('/gettoken')
        ? { body: TOKEN }
        : (calls++, { status: 502, body: 'bad gateway' }),
    );
    try {
      const api = new DingTalkApi({
        appKey: 'k',
        appSecret: 's',
        baseUrl: peer.base,
        sleep: noSleep,
        maxAttempts: 3,
      });
      const error = await api.delete().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(DingTalkUnreachableError);
      expect(calls).to.equal(3);
    } finally {
      await peer.close();
    }
  });

  it('GIVEN a token DingTalk has revoked (40014) WHEN called THEN a new token is fetched and the call repeated', async () => {
    let tokens = 0;
    const peer = await scriptedServer((request) => {
      const url = new URL(request.url!, 'http://x');
      if (url.pathname === '/gettoken') return { body: { ...TOKEN, access_token: `tok-${++tokens}` } };
      return url.searchParams.get('access_token') === 'tok-2'
        ? { body: { errcode: 0, errmsg: 'ok' } }
        : { body: { errcode: 40014, errmsg: '不合法的access_token' } };
    });
    try {
      await new DingTalkApi({ appKey: 'k', appSecret: 's', baseUrl: peer.base, sleep: noSleep }).delete();
      expect(tokens).to.equal(2);
    } finally {
      await peer.close();
    }
  });

  it('GIVEN 71006 WHEN registering THEN one attempt and an error naming the code and what to do', async () => {
    const peer = await scriptedServer((request) =>
      request.url!.startsWith('/gettoken')
        ? { body: TOKEN }
        : { body: { errcode: 71006, errmsg: '回调地址已经存在' } },
    );
    try {
      const api = new DingTalkApi({ appKey: 'k', appSecret: 's', baseUrl: peer.base, sleep: noSleep });
      const error = await api
        .register({ url: 'https://x/dingtalk', token: 't', aesKey: 'a'.repeat(43), tags: ['user_add_org'] })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).to.be.instanceOf(DingTalkApiError).and.include({ errcode: 71006 });
      expect((error as Error).message)
        .to.contain('71006')
        .and.contain('update');
      expect(peer.seen.filter((line) => line.includes('register'))).to.have.length(1);
    } finally {
      await peer.close();
    }
  });

  it('GIVEN the failed list does not answer in time WHEN read THEN it is not retried (a retry would delete a page)', async () => {
    let calls = 0;
    const peer = await scriptedServer((request) =>
      request.url!.startsWith('/gettoken') ? { body: TOKEN } : (calls++, 'hang'),
    );
    try {
      const api = new DingTalkApi({
        appKey: 'k',
        appSecret: 's',
        baseUrl: peer.base,
        sleep: noSleep,
        timeoutMs: 200,
      });
      const error = await api.failedPushes().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(DingTalkUnreachableError);
      expect((error as Error).message).to.contain('timed out');
      expect(calls).to.equal(1);
    } finally {
      await peer.close();
    }
  });

  it('GIVEN 64-bit numbers in the failed list WHEN read THEN their digits survive as strings', async () => {
    const peer = await scriptedServer((request) =>
      request.url!.startsWith('/gettoken')
        ? { body: TOKEN }
        : {
            body: '{"errcode":0,"has_more":false,"failed_list":[{"call_back_tag":"org_dept_create","event_time":1606126433000,"org_dept_create":{"callbackData":{"DeptId":[9223372036854775807],"x":1.5e300}}}]}',
          },
    );
    try {
      const page = await new DingTalkApi({ appKey: 'k', appSecret: 's', baseUrl: peer.base }).failedPushes();
      expect(page.items[0]).to.deep.equal({
        call_back_tag: 'org_dept_create',
        event_time: 1606126433000,
        org_dept_create: { callbackData: { DeptId: ['9223372036854775807'], x: 1.5e300 } },
      });
      expect(page.hasMore).to.equal(false);
    } finally {
      await peer.close();
    }
  });
});

describe('quoteUnsafeIntegers', () => {
  it('GIVEN integers beyond 2^53 outside strings WHEN quoted THEN only those change', () => {
    expect(
      quoteUnsafeIntegers(
        '{"a":9007199254740993,"b":9007199254740991,"c":"9007199254740993 x","d":-9007199254740993,"e":1e400,"f":[12345678901234567890]}',
      ),
    ).to.equal(
      '{"a":"9007199254740993","b":9007199254740991,"c":"9007199254740993 x","d":"-9007199254740993","e":1e400,"f":["12345678901234567890"]}',
    );
    expect(quoteUnsafeIntegers('{"s":"a\\"9007199254740993"}')).to.equal('{"s":"a\\"9007199254740993"}');
  });
});
