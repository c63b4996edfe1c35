import { expect } from 'chai';
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DingTalkApiOptions } from '../../lib/dingtalk/open-api';
import {
  DingTalkApi,
  DingTalkApiError,
  DingTalkUnreachableError,
  dingTalkLimitOf,
} from '../../lib/dingtalk/open-api';

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

/** Runs `test` against a scripted peer and always closes it. */
async function withPeer(
  answers: (request: IncomingMessage) => Answer,
  test: (peer: Awaited<ReturnType<typeof scriptedServer>>) => Promise<void>,
): Promise<void> {
  const peer = await scriptedServer(answers);
  try {
    await test(peer);
  } finally {
    await peer.close();
  }
}

function clientOf(peer: { base: string }, options: Partial<DingTalkApiOptions> = {}): DingTalkApi {
  return new DingTalkApi({ appKey: 'k', appSecret: 's', baseUrl: peer.base, ...options });
}

/** What `promise` rejects with (undefined when it resolves). */
function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

const TOKEN = { errcode: 0, errmsg: 'ok', access_token: 'tok-1', expires_in: 7200 };
const noSleep = () => Promise.resolve();

describe('DingTalkApi (against scripted loopback HTTP peers)', () => {
  for (const [answer, limit] of [
    [{ status: 200, body: { errcode: 90020, errmsg: '调用量超过组织限额' } }, 'monthly_quota'],
    [{ status: 200, body: { errcode: 90018, errmsg: 'qps limit' } }, 'rate'],
    [{ status: 200, body: { errcode: 90002, errmsg: 'api qps limit' } }, 'rate'],
    [
      {
        status: 403,
        body: { code: 'Forbidden.AccessDenied.ApiCountLimitForOrg', message: 'over the limit' },
      },
      'monthly_quota',
    ],
    [{ status: 200, body: { errcode: 40089, errmsg: 'invalid appkey' } }, undefined],
  ] as const) {
    it(`GIVEN DingTalk answers ${JSON.stringify(answer.body)} WHEN the failed list is asked THEN one attempt, and the error reads as ${limit ?? 'no limit'}`, async () => {
      await withPeer(
        (request) => (request.url!.startsWith('/gettoken') ? { body: TOKEN } : answer),
        async (peer) => {
          const error = await rejection(clientOf(peer, { sleep: noSleep }).failedPushes());
          expect(error).to.be.instanceOf(DingTalkApiError);
          expect(dingTalkLimitOf(error)).to.equal(limit);
          expect(peer.seen.filter((line) => line.includes('get_call_back_failed_result'))).to.have.length(1);
        },
      );
    });
  }

  it('GIVEN a valid token WHEN called repeatedly THEN gettoken is asked once; near expiry THEN again', async () => {
    let clock = 0;
    await withPeer(
      (request) =>
        request.url!.startsWith('/gettoken') ? { body: TOKEN } : { body: { errcode: 0, errmsg: 'ok' } },
      async (peer) => {
        const api = clientOf(peer, { now: () => clock });
        await api.delete();
        await api.delete();
        expect(peer.seen.filter((line) => line.includes('gettoken'))).to.have.length(1);
        clock = 7200_000 - 4 * 60_000; // inside the 5-minute margin
        await api.delete();
        expect(peer.seen.filter((line) => line.includes('gettoken'))).to.have.length(2);
      },
    );
  });

  it('GIVEN errcode -1 (busy) twice WHEN called THEN retried and the third attempt succeeds', async () => {
    let calls = 0;
    await withPeer(
      (request) =>
        request.url!.startsWith('/gettoken')
          ? { body: TOKEN }
          : ++calls < 3
            ? { body: { errcode: -1, errmsg: '系统繁忙' } }
            : { body: { errcode: 0, errmsg: 'ok' } },
      async (peer) => {
        await clientOf(peer, { sleep: noSleep }).delete();
        expect(calls).to.equal(3);
      },
    );
  });

  it('GIVEN a 5xx every time WHEN called THEN it gives up after maxAttempts with an unreachable error', async () => {
    let calls = 0;
    await withPeer(
      (request) =>
        request.url!.startsWith('/gettoken')
          ? { body: TOKEN }
          : (calls++, { status: 502, body: 'bad gateway' }),
      async (peer) => {
        const api = clientOf(peer, { sleep: noSleep, maxAttempts: 3 });
        const error = await rejection(api.delete());
        expect(error).to.be.instanceOf(DingTalkUnreachableError);
        expect(calls).to.equal(3);
      },
    );
  });

  it('GIVEN a token DingTalk has revoked (40014) WHEN called THEN a new token is fetched and the call repeated', async () => {
    let tokens = 0;
    await withPeer(
      (request) => {
        const url = new URL(request.url!, 'http://x');
        if (url.pathname === '/gettoken') return { body: { ...TOKEN, access_token: `tok-${++tokens}` } };
        return url.searchParams.get('access_token') === 'tok-2'
          ? { body: { errcode: 0, errmsg: 'ok' } }
          : { body: { errcode: 40014, errmsg: '不合法的access_token' } };
      },
      async (peer) => {
        await clientOf(peer, { sleep: noSleep }).delete();
        expect(tokens).to.equal(2);
      },
    );
  });

  it('GIVEN 71006 WHEN registering THEN one attempt and an error naming the code and what to do', async () => {
    await withPeer(
      (request) =>
        request.url!.startsWith('/gettoken')
          ? { body: TOKEN }
          : { body: { errcode: 71006, errmsg: '回调地址已经存在' } },
      async (peer) => {
        const api = clientOf(peer, { sleep: noSleep });
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
      },
    );
  });

  it('GIVEN the failed list does not answer in time WHEN read THEN it is not retried (a retry would delete a page)', async () => {
    let calls = 0;
    await withPeer(
      (request) => (request.url!.startsWith('/gettoken') ? { body: TOKEN } : (calls++, 'hang')),
      async (peer) => {
        const api = clientOf(peer, { sleep: noSleep, timeoutMs: 200 });
        const error = await rejection(api.failedPushes());
        expect(error).to.be.instanceOf(DingTalkUnreachableError);
        expect((error as Error).message).to.contain('timed out');
        expect(calls).to.equal(1);
      },
    );
  });

  it('GIVEN 64-bit numbers in the failed list WHEN read THEN their digits survive as strings', async () => {
    await withPeer(
      (request) =>
        request.url!.startsWith('/gettoken')
          ? { body: TOKEN }
          : {
              body: '{"errcode":0,"has_more":false,"failed_list":[{"call_back_tag":"org_dept_create","event_time":1606126433000,"org_dept_create":{"callbackData":{"DeptId":[9223372036854775807],"x":1.5e300}}}]}',
            },
      async (peer) => {
        const page = await clientOf(peer).failedPushes();
        expect(page.items[0]).to.deep.equal({
          call_back_tag: 'org_dept_create',
          event_time: 1606126433000,
          org_dept_create: { callbackData: { DeptId: ['9223372036854775807'], x: 1.5e300 } },
        });
        expect(page.hasMore).to.equal(false);
      },
    );
  });
});
