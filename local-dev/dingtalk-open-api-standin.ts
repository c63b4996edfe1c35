import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DingTalkCrypto, randomNonce } from '../lib/dingtalk/callback-crypto';
import type { PushResult } from '../lib/dingtalk/push-sender';
import { postToCallback, signPush } from '../lib/dingtalk/push-sender';

/**
 * A loopback stand-in for DingTalk's open API (oapi), which cannot be reached from here. It follows
 * docs/dingtalk-protocol.md §5 and §7:
 * - `gettoken` checks appkey/appsecret and hands out one token (the same one again when asked early);
 * - `register_call_back` / `update_call_back` really call the submitted URL: they encrypt
 *   `{"EventType":"check_url"}` with the submitted token and AES key (owner key = corpId, as for the
 *   legacy API), sign it, POST it within DingTalk's 1500 ms and accept only a correctly signed and
 *   encrypted `success` (71009 otherwise, 71012 when unreachable, 71006 when a URL is registered);
 * - `get_call_back_failed_result` returns up to `pageSize` items with `has_more`, and each call first
 *   deletes what the previous call returned.
 * Codes the notes do not name (71007 "no registration") are this stand-in's choice.
 */
export interface StandInOptions {
  appKey: string;
  appSecret: string;
  corpId: string;
  pageSize?: number;
}

export interface Registration {
  call_back_tag: string[];
  token: string;
  aes_key: string;
  url: string;
}

export interface HandshakeRecord {
  url: string;
  outcome: 'success' | 'unreachable' | 'bad-reply';
}

export class DingTalkOpenApiStandIn {
  readonly handshakes: HandshakeRecord[] = [];
  readonly requests: string[] = [];
  registration: Registration | undefined;
  /** Rewrites the failed list's JSON text, e.g. to put 64-bit numbers in it as DingTalk does. */
  rawJsonFor: (json: string) => string = (json) => json;
  /** How many times the failed list was asked for (each call deletes the page the previous one returned). */
  failedListCalls = 0;
  /** Called with the call's number just before a failed-list page is answered (tests inject faults here). */
  onFailedPage: ((call: number) => void | Promise<void>) | undefined;
  /** Delay before each failed-list answer, as a slow DingTalk would take. */
  failedListDelayMs = 0;
  private failed: unknown[] = [];
  private returnedLastTime = 0;
  private readonly token = `standin-${randomNonce(12)}`;
  private server: Server | undefined;
  private readonly pageSize: number;

  constructor(private readonly options: StandInOptions) {
    this.pageSize = options.pageSize ?? 200;
  }

  get baseUrl(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('stand-in not started');
    return `http://127.0.0.1:${address.port}`;
  }

  /** Items DingTalk failed to push, in the order the list returns them. */
  addFailed(...items: unknown[]): void {
    this.failed.push(...items);
  }

  get failedRemaining(): number {
    return this.failed.length;
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        response.writeHead(500).end(String(error));
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', resolve);
    });
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    this.requests.push(url.pathname);
    const reply = (body: Record<string, unknown>) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const error = (errcode: number, errmsg: string) => reply({ errcode, errmsg });

    if (url.pathname === '/gettoken') {
      if (
        url.searchParams.get('appkey') !== this.options.appKey ||
        url.searchParams.get('appsecret') !== this.options.appSecret
      ) {
        return error(40089, '不合法的appKey或appSecret的组合');
      }
      return reply({ errcode: 0, errmsg: 'ok', access_token: this.token, expires_in: 7200 });
    }
    if (url.searchParams.get('access_token') !== this.token) return error(40014, '不合法的access_token');

    switch (url.pathname) {
      case '/call_back/register_call_back':
      case '/call_back/update_call_back': {
        if (request.method !== 'POST') return error(404, '请求的URI地址不存在');
        const isRegister = url.pathname.endsWith('register_call_back');
        let body: Partial<Registration>;
        try {
          body = JSON.parse(await readBody(request)) as Partial<Registration>;
        } catch {
          return error(40035, '不合法的参数');
        }
        const problem = invalidRegistration(body);
        if (problem) return error(40035, `不合法的参数: ${problem}`);
        if (isRegister && this.registration) return error(71006, '回调地址已经存在');
        if (!isRegister && !this.registration) return error(71007, '回调地址不存在');
        const outcome = await this.checkUrl(body as Registration);
        this.handshakes.push({ url: body.url!, outcome });
        if (outcome === 'unreachable') return error(71012, 'url地址访问异常');
        if (outcome === 'bad-reply') return error(71009, '返回文本非success');
        this.registration = { ...(body as Registration) };
        return error(0, 'ok');
      }
      case '/call_back/get_call_back':
        if (!this.registration) return error(71007, '回调地址不存在');
        return reply({ errcode: 0, errmsg: 'ok', ...this.registration });
      case '/call_back/delete_call_back':
        if (!this.registration) return error(71007, '回调地址不存在');
        this.registration = undefined;
        return error(0, 'ok');
      case '/call_back/get_call_back_failed_result': {
        this.failedListCalls++;
        if (this.failedListDelayMs > 0)
          await new Promise((resolve) => setTimeout(resolve, this.failedListDelayMs));
        this.failed.splice(0, this.returnedLastTime);
        const page = this.failed.slice(0, this.pageSize);
        this.returnedLastTime = page.length;
        await this.onFailedPage?.(this.failedListCalls);
        const body = {
          errcode: 0,
          errmsg: 'ok',
          has_more: this.failed.length > page.length,
          failed_list: page,
        };
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(this.rawJsonFor(JSON.stringify(body)));
        return;
      }
      default:
        return error(404, '请求的URI地址不存在');
    }
  }

  /** DingTalk's URL check: an encrypted check_url, and only an encrypted, signed `success` passes. */
  private async checkUrl(registration: Registration): Promise<HandshakeRecord['outcome']> {
    const crypto = new DingTalkCrypto({
      token: registration.token,
      aesKey: registration.aes_key,
      ownerKeys: [this.options.corpId],
    });
    const push = signPush(crypto, '{"EventType":"check_url"}', this.options.corpId);
    let result: PushResult;
    try {
      result = await postToCallback(registration.url, push.query, push.body, { crypto, timeoutMs: 1500 });
    } catch (error) {
      // No answer at all is "unreachable"; an answer that does not verify is a bad reply.
      return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'TypeError')
        ? 'unreachable'
        : 'bad-reply';
    }
    const reply = result.reply;
    return reply?.message === 'success' && reply.ownerKey === this.options.corpId ? 'success' : 'bad-reply';
  }
}

function invalidRegistration(body: Partial<Registration>): string | undefined {
  if (!Array.isArray(body.call_back_tag) || body.call_back_tag.length === 0) return 'call_back_tag';
  if (typeof body.token !== 'string' || body.token === '') return 'token';
  if (typeof body.aes_key !== 'string' || !/^[A-Za-z0-9]{43}$/.test(body.aes_key)) return 'aes_key';
  if (typeof body.url !== 'string' || !/^https?:\/\//.test(body.url)) return 'url';
  return undefined;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
