import { parseExactJson } from './exact-json';

/**
 * DingTalk's open API (legacy oapi): access token, callback registration and the failed-push list.
 * docs/dingtalk-protocol.md §5 and §7. Uses the platform's fetch; no SDK is needed for five endpoints.
 */

export const DEFAULT_DINGTALK_API_BASE = 'https://oapi.dingtalk.com';

/** The tags registered when none are given: approval and address-book events. */
export const DEFAULT_CALLBACK_TAGS: readonly string[] = [
  'bpms_instance_change',
  'bpms_task_change',
  'user_add_org',
  'user_modify_org',
  'user_leave_org',
  'user_active_org',
  'org_admin_add',
  'org_admin_remove',
  'org_dept_create',
  'org_dept_modify',
  'org_dept_remove',
  'org_remove',
  'org_change',
  'label_user_change',
  'label_conf_add',
  'label_conf_modify',
  'label_conf_del',
];

/** What DingTalk's codes mean for an operator; errmsg is shown too, but may change (DingTalk says so). */
const EXPLANATIONS: Readonly<Record<number, string>> = {
  [-1]: 'DingTalk is busy; try again shortly',
  88: 'authentication failed (see sub_code/sub_msg)',
  40014: 'the access token is invalid',
  40089: 'the app key or app secret is wrong',
  42001: 'the access token expired',
  71006: 'a callback URL is already registered for this app; use `update` or `delete` first',
  71007: 'no callback URL is registered for this app',
  71009: 'the callback URL did not answer the check_url handshake with an encrypted "success"',
  71012: 'DingTalk could not reach the callback URL',
  71013: 'this domain or IP may not receive callbacks',
  90002: 'too many calls per second for this API; wait and try again',
  90018: 'too many calls per second for this app; wait and try again',
  90020:
    "the organisation's monthly open-API quota is spent (every app of the organisation fails until next month)",
};

/** DingTalk's limits: the organisation's monthly API quota, or a per-second rate. */
export type DingTalkLimit = 'monthly_quota' | 'rate';

/**
 * Which limit an error is DingTalk's answer to, if any: old-API codes 90020 (monthly), 90018 and 90002
 * (per second); new-API codes `Forbidden.AccessDenied.ApiCountLimitForOrg` (monthly) and the
 * `…QpsLimit…` / `Throttling…` family (per second).
 */
export function dingTalkLimitOf(error: unknown): DingTalkLimit | undefined {
  if (!(error instanceof DingTalkApiError)) return undefined;
  if (error.errcode === 90020 || error.code === 'Forbidden.AccessDenied.ApiCountLimitForOrg')
    return 'monthly_quota';
  if (error.errcode === 90018 || error.errcode === 90002) return 'rate';
  if (error.code !== undefined && /QpsLimit|Throttling/.test(error.code)) return 'rate';
  return undefined;
}

/** Codes after which the same request may succeed: DingTalk busy, or our cached token went stale. */
const BUSY = -1;
const TOKEN_STALE = new Set([40014, 42001]);

export class DingTalkApiError extends Error {
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
    readonly api: string,
    /** The new API's error code (`Forbidden.AccessDenied.…`), when the answer had one. */
    readonly code?: string,
  ) {
    const explanation = EXPLANATIONS[errcode];
    super(`DingTalk ${api} failed: errcode ${errcode} (${errmsg})${explanation ? `: ${explanation}` : ''}`);
    this.name = 'DingTalkApiError';
  }
}

/** Network failures, timeouts and non-JSON or 5xx answers: DingTalk did not give an answer. */
export class DingTalkUnreachableError extends Error {
  /**
   * The answer's text when one came but could not be read (not JSON, cut off, not an object): for the
   * failed list, the page DingTalk deletes on the next call. Never logged (it holds event data).
   */
  readonly raw: string | undefined;

  constructor(api: string, reason: string, options?: ErrorOptions & { raw?: string }) {
    super(`DingTalk ${api}: no answer (${reason})`, options);
    this.name = 'DingTalkUnreachableError';
    this.raw = options?.raw;
  }
}

export interface DingTalkApiOptions {
  appKey: string;
  appSecret: string;
  baseUrl?: string;
  /** Per request. */
  timeoutMs?: number;
  /** Attempts per call on transient failures (network, 5xx, errcode -1, stale token). */
  maxAttempts?: number;
  /** Epoch ms; injectable for token-expiry tests. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface CallbackRegistration {
  url: string;
  token: string;
  aesKey: string;
  tags: string[];
}

export interface FailedPushItem {
  call_back_tag: string;
  event_time?: number;
  [key: string]: unknown;
}

export interface FailedPushPage {
  hasMore: boolean;
  items: FailedPushItem[];
  /** The response body as received: what to persist before anything else. */
  raw: string;
}

interface ApiReply {
  errcode?: number;
  errmsg?: string;
  sub_code?: string;
  sub_msg?: string;
  [key: string]: unknown;
}

/** Refresh a token this long before DingTalk says it expires. */
const TOKEN_MARGIN_MS = 5 * 60_000;

export class DingTalkApi {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private token: { value: string; refreshAt: number } | undefined;
  private pendingToken: Promise<string> | undefined;

  constructor(private readonly options: DingTalkApiOptions) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_DINGTALK_API_BASE).replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** The cached access token, fetched again shortly before it expires. Concurrent callers share one fetch. */
  async accessToken(): Promise<string> {
    if (this.token && this.now() < this.token.refreshAt) return this.token.value;
    this.pendingToken ??= this.fetchToken().finally(() => (this.pendingToken = undefined));
    return this.pendingToken;
  }

  async register(registration: CallbackRegistration): Promise<void> {
    await this.call('register_call_back', 'POST', '/call_back/register_call_back', toWire(registration));
  }

  async update(registration: CallbackRegistration): Promise<void> {
    await this.call('update_call_back', 'POST', '/call_back/update_call_back', toWire(registration));
  }

  async show(): Promise<CallbackRegistration> {
    const reply = await this.call('get_call_back', 'GET', '/call_back/get_call_back');
    return {
      url: String(reply.url ?? ''),
      token: String(reply.token ?? ''),
      aesKey: String(reply.aes_key ?? ''),
      tags: Array.isArray(reply.call_back_tag) ? reply.call_back_tag.map(String) : [],
    };
  }

  async delete(): Promise<void> {
    await this.call('delete_call_back', 'GET', '/call_back/delete_call_back');
  }

  /**
   * One page of failed pushes. **Calling this deletes the page the previous call returned**: persist a
   * page before asking for the next. Never retried within a call: a retry would delete the page whose
   * answer was lost. An answer that came but cannot be read is thrown with its text
   * (`DingTalkUnreachableError.raw`), for the caller to persist before any next call; an answer that
   * never arrived whole (a timeout mid-body) cannot be kept, and the next call deletes that page.
   */
  async failedPushes(): Promise<FailedPushPage> {
    const { reply, raw } = await this.callRaw(
      'get_call_back_failed_result',
      'GET',
      '/call_back/get_call_back_failed_result',
      undefined,
      1,
    );
    const list = reply.failed_list;
    if (list !== undefined && !Array.isArray(list)) {
      throw new DingTalkUnreachableError('get_call_back_failed_result', 'failed_list is not a list', {
        raw,
      });
    }
    return { hasMore: reply.has_more === true, items: (list ?? []) as FailedPushItem[], raw };
  }

  private async fetchToken(): Promise<string> {
    const url = new URL(this.baseUrl + '/gettoken');
    url.searchParams.set('appkey', this.options.appKey);
    url.searchParams.set('appsecret', this.options.appSecret);
    const { reply } = await this.withRetries(this.maxAttempts, () => this.request('gettoken', url));
    const value = reply.access_token;
    if (typeof value !== 'string' || value === '') {
      throw new DingTalkUnreachableError('gettoken', 'no access_token in the answer');
    }
    const expiresInMs = (typeof reply.expires_in === 'number' ? reply.expires_in : 7200) * 1000;
    this.token = { value, refreshAt: this.now() + Math.max(0, expiresInMs - TOKEN_MARGIN_MS) };
    return value;
  }

  private async call(api: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<ApiReply> {
    return (await this.callRaw(api, method, path, body, this.maxAttempts)).reply;
  }

  private async callRaw(
    api: string,
    method: 'GET' | 'POST',
    path: string,
    body: unknown,
    attempts: number,
  ): Promise<{ reply: ApiReply; raw: string }> {
    return this.withRetries(attempts, async () => {
      const url = new URL(this.baseUrl + path);
      url.searchParams.set('access_token', await this.accessToken());
      return this.request(api, url, method, body);
    });
  }

  private async withRetries<T>(attempts: number, attempt: () => Promise<T>): Promise<T> {
    for (let n = 1; ; n++) {
      try {
        return await attempt();
      } catch (error) {
        const transient =
          error instanceof DingTalkUnreachableError ||
          (error instanceof DingTalkApiError && (error.errcode === BUSY || TOKEN_STALE.has(error.errcode)));
        if (!transient || n >= attempts) throw error;
        if (error instanceof DingTalkApiError && TOKEN_STALE.has(error.errcode)) this.token = undefined;
        await this.sleep(200 * 2 ** (n - 1));
      }
    }
  }

  private async request(
    api: string,
    url: URL,
    method: 'GET' | 'POST' = 'GET',
    body?: unknown,
  ): Promise<{ reply: ApiReply; raw: string }> {
    let response: Response;
    let raw: string;
    try {
      response = await fetch(url, {
        method,
        ...(body === undefined
          ? {}
          : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
        signal: AbortSignal.timeout(this.timeoutMs),
        redirect: 'error',
      });
      raw = await response.text();
    } catch (cause) {
      const reason = cause instanceof Error && cause.name === 'TimeoutError' ? 'timed out' : 'network error';
      throw new DingTalkUnreachableError(api, reason, { cause });
    }
    if (response.status >= 500) throw new DingTalkUnreachableError(api, `HTTP ${response.status}`);
    let reply: ApiReply;
    try {
      // Failed-list items carry 64-bit ids (task ids, dept ids): keep their digits as strings.
      reply = parseExactJson(raw) as ApiReply;
    } catch {
      throw new DingTalkUnreachableError(api, `HTTP ${response.status}, not JSON`, { raw });
    }
    if (typeof reply !== 'object' || reply === null) {
      throw new DingTalkUnreachableError(api, `HTTP ${response.status}, not a JSON object`, { raw });
    }
    const errcode = typeof reply.errcode === 'number' ? reply.errcode : response.ok ? 0 : response.status;
    if (errcode !== 0) {
      const sub = reply.sub_code ? ` [${reply.sub_code}: ${reply.sub_msg ?? ''}]` : '';
      const code = typeof reply.code === 'string' ? reply.code : undefined;
      const message = reply.errmsg ?? (typeof reply.message === 'string' ? reply.message : '');
      throw new DingTalkApiError(errcode, `${message}${sub}`, api, code);
    }
    return { reply, raw };
  }
}

function toWire(registration: CallbackRegistration) {
  return {
    call_back_tag: registration.tags,
    token: registration.token,
    aes_key: registration.aesKey,
    url: registration.url,
  };
}
