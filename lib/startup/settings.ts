import type { AskingPolicy } from '../core/failed-list-asking';
import { DEFAULT_BASELINE_MS, LISTING_DELAY_MS } from '../core/failed-list-asking';
import { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule } from '../core/forwarding';
import type { Retention } from '../core/retention';
import type { ProxySettings } from '../dingtalk/proxy';
import { DEFAULT_RETENTION, MIN_RETENTION_DAYS } from '../core/retention';
import { AES_KEY_PATTERN } from '../dingtalk/callback-crypto';
import { WEBHOOK_SECRET_RULE, webhookSigningKey } from '../webhook/webhook-secret';

/**
 * The cloud-neutral settings (DingTalk, forwarding, the body limit, Stream Mode) and the machinery every
 * settings loader uses: read once from the environment, validated, with errors that name the variable
 * and never its value. Each cloud's own settings (tables, regions, endpoints) are read by its loader
 * (lib/aws/aws-settings.ts, lib/aliyun/aliyun-settings.ts) with the same machinery. There are no silent
 * defaults for secrets: local tooling supplies development values explicitly.
 */

export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Runs `read`, which reports every problem it finds in `problems`, and throws them all at once: an
 * operator fixes a configuration in one go, not one variable per deploy.
 */
export function loadSettings<T>(read: (problems: string[]) => T): T {
  const problems: string[] = [];
  const settings = read(problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return settings;
}

export interface DingTalkSettings {
  token: string;
  aesKey: string;
  ownerKeys: string[];
}

/** Access to DingTalk's open API (registration, failed-push recovery). */
export interface DingTalkApiSettings {
  appKey: string;
  appSecret: string;
  /** Default https://oapi.dingtalk.com; a stand-in on loopback in tests. */
  baseUrl?: string;
}

/** DingTalk Stream Mode: the app's credentials, the gateway's base (tests only) and the connection's timers. */
export interface StreamModeSettings {
  appKey: string;
  appSecret: string;
  /** DINGTALK_OPENAPI_BASE: the gateway's base URL (a loopback stand-in in tests). */
  baseUrl?: string;
  /** DINGTALK_STREAM_BACKOFF_MS: the first reconnect delay. */
  backoffMs?: number;
  /** DINGTALK_STREAM_HEARTBEAT_MS: how often the connection is checked. */
  heartbeatMs?: number;
  /** DINGTALK_STREAM_IDLE_MS: no frame for this long replaces the connection. */
  idleMs?: number;
  /** DINGTALK_STREAM_HEALTH_FILE: where the connector writes its state for a container health check. */
  healthFile?: string;
  /** HTTPS_PROXY / HTTP_PROXY / NO_PROXY, when a proxy is set. */
  proxy?: ProxySettings;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/**
 * The largest body whose event can always be stored: its plaintext (at most 3/4 of the base64 body)
 * fits a Tablestore column (2 MB) and a DynamoDB transaction of compressed parts (4 MB).
 */
export const MAX_STORABLE_BODY_BYTES = 2 * 1024 * 1024;
export const DEFAULT_FORWARD_TIMEOUT_MS = 3000;
/**
 * The longest an attempt may wait on a receiver. The retry functions run 60 s and keep the timeout plus
 * 5 s in reserve; the table-change consumers the timeout plus 10 s: at 10 s a run still makes several
 * attempts, where at 55 s every run would defer everything and still "succeed".
 */
export const MAX_FORWARD_TIMEOUT_MS = 10_000;

/** Forwarding to one internal system (FORWARD_URL); where its delivery records live is each cloud's. */
export interface ForwardSettings {
  url: string;
  secret: string;
  /** Per attempt: the table-change consumer never waits longer on a receiver. */
  timeoutMs: number;
  /** Retry delays in ms (FORWARD_RETRY_SCHEDULE). */
  schedule: number[];
}

/** Forwarding with the table its delivery records live in (DELIVERIES_TABLE, on either cloud). */
export interface ForwardingSettings {
  forward: ForwardSettings;
  deliveriesTable: string;
}

export function loadDingTalkSettings(env: Env): DingTalkSettings {
  return loadSettings((problems) => readDingTalkSettings(env, problems));
}

export function loadDingTalkApiSettings(env: Env): DingTalkApiSettings {
  return loadSettings((problems) => readDingTalkApiSettings(env, problems));
}

/** Forwarding as the CLI's `replay` needs it: FORWARD_URL and FORWARD_SECRET must be set. */
export function loadForwardSettings(env: Env): ForwardSettings {
  return loadSettings((problems) => {
    const forward = readForwardSettings(env, problems);
    if (!forward) problems.push('FORWARD_URL is not set');
    return forward as ForwardSettings;
  });
}

export function loadStreamModeSettings(env: Env): StreamModeSettings {
  return loadSettings((problems) => {
    const appKey = required(env, 'DINGTALK_APP_KEY', problems);
    const appSecret = required(env, 'DINGTALK_APP_SECRET', problems);
    return { ...readStreamConnectionSettings(env, problems), appKey, appSecret };
  });
}

/** What every Stream Mode connection shares, whichever app it is for: the gateway, timers, health, proxy. */
export type StreamConnectionSettings = Omit<StreamModeSettings, 'appKey' | 'appSecret'>;

export function readStreamConnectionSettings(env: Env, problems: string[]): StreamConnectionSettings {
  const baseUrl = dingTalkBase(env, 'DINGTALK_OPENAPI_BASE', problems);
  const backoffMs = optionalPositiveInteger(env, 'DINGTALK_STREAM_BACKOFF_MS', problems);
  const heartbeatMs = optionalPositiveInteger(env, 'DINGTALK_STREAM_HEARTBEAT_MS', problems);
  const idleMs = optionalPositiveInteger(env, 'DINGTALK_STREAM_IDLE_MS', problems);
  const healthFile = env.DINGTALK_STREAM_HEALTH_FILE?.trim() || undefined;
  const proxy = readProxySettings(env, problems);
  return {
    ...(proxy ? { proxy } : {}),
    ...(baseUrl === undefined ? {} : { baseUrl }),
    ...(backoffMs === undefined ? {} : { backoffMs }),
    ...(heartbeatMs === undefined ? {} : { heartbeatMs }),
    ...(idleMs === undefined ? {} : { idleMs }),
    ...(healthFile === undefined ? {} : { healthFile }),
  };
}

export function readDingTalkSettings(env: Env, problems: string[]): DingTalkSettings {
  const token = required(env, 'DINGTALK_TOKEN', problems);
  if (token && !/^[\x21-\x7e]{3,63}$/.test(token)) {
    problems.push('DINGTALK_TOKEN must be 3-63 printable ASCII characters without spaces');
  }
  const aesKey = required(env, 'DINGTALK_AES_KEY', problems);
  if (aesKey && !AES_KEY_PATTERN.test(aesKey)) {
    problems.push(
      `DINGTALK_AES_KEY must be exactly 43 characters of [A-Za-z0-9] (got ${aesKey.length} characters)`,
    );
  }
  const ownerKeys = (required(env, 'DINGTALK_OWNER_KEY', problems) ?? '')
    .split(',')
    .map((key) => key.trim())
    .filter((key) => key.length > 0);
  if (env.DINGTALK_OWNER_KEY && ownerKeys.length === 0) {
    problems.push('DINGTALK_OWNER_KEY must list at least one owner key (appKey, corpId or suiteKey)');
  }
  return { token, aesKey, ownerKeys };
}

export function readDingTalkApiSettings(env: Env, problems: string[]): DingTalkApiSettings {
  const appKey = required(env, 'DINGTALK_APP_KEY', problems);
  const appSecret = required(env, 'DINGTALK_APP_SECRET', problems);
  const baseUrl = dingTalkBase(env, 'DINGTALK_API_BASE', problems);
  return { appKey, appSecret, ...(baseUrl === undefined ? {} : { baseUrl }) };
}

/**
 * FORWARD_URL and its settings; undefined when FORWARD_URL is unset (forwarding off). Decrypted events
 * carry personal data: plain http only to this machine, or when FORWARD_ALLOW_HTTP says so.
 */
export function readForwardSettings(env: Env, problems: string[]): ForwardSettings | undefined {
  const url = optionalUrl(env, 'FORWARD_URL', problems);
  if (url === undefined) return undefined;
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed && parsed.protocol === 'http:' && !isLoopback(parsed.hostname)) {
    if (env.FORWARD_ALLOW_HTTP?.trim() !== 'true') {
      problems.push(
        'FORWARD_URL must be https:// (plain http:// only to loopback, or with FORWARD_ALLOW_HTTP=true): forwarded events carry personal data',
      );
    }
  } else if (parsed && parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    problems.push('FORWARD_URL must be an http(s) URL');
  }
  const secret = required(env, 'FORWARD_SECRET', problems);
  if (secret && !webhookSigningKey(secret)) problems.push(`FORWARD_SECRET must be ${WEBHOOK_SECRET_RULE}`);
  const timeoutMs = positiveInteger(env, 'FORWARD_TIMEOUT_MS', DEFAULT_FORWARD_TIMEOUT_MS, problems);
  if (timeoutMs > MAX_FORWARD_TIMEOUT_MS) {
    problems.push(
      `FORWARD_TIMEOUT_MS must be at most ${MAX_FORWARD_TIMEOUT_MS}: a 60 s retry run must fit several attempts`,
    );
  }
  const scheduleText = env.FORWARD_RETRY_SCHEDULE?.trim() || DEFAULT_RETRY_SCHEDULE;
  const schedule = parseRetrySchedule(scheduleText);
  if (!schedule) {
    problems.push('FORWARD_RETRY_SCHEDULE must be durations separated by commas, such as 5s,5m,30m,2h');
  }
  return { url, secret, timeoutMs, schedule: schedule ?? [] };
}

/** FORWARD_URL's settings and DELIVERIES_TABLE; undefined when forwarding is off. */
export function readForwarding(env: Env, problems: string[]): ForwardingSettings | undefined {
  const forward = readForwardSettings(env, problems);
  if (!forward) return undefined;
  return { forward, deliveriesTable: tableName(env, 'DELIVERIES_TABLE', problems) };
}

/**
 * Where DingTalk's open API is, for a stand-in: the app secret travels to it, so https://, or plain
 * http:// to this machine only.
 */
function dingTalkBase(env: Env, name: string, problems: string[]): string | undefined {
  const value = optionalUrl(env, name, problems);
  if (value === undefined) return undefined;
  let parsed: URL | undefined;
  try {
    parsed = new URL(value);
  } catch {
    return value; // already reported by optionalUrl
  }
  if (parsed.protocol === 'https:' || (parsed.protocol === 'http:' && isLoopback(parsed.hostname)))
    return value;
  problems.push(`${name} must be https:// (plain http:// only to loopback): the app secret is sent there`);
  return value;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

export function readBodyLimit(env: Env, problems: string[]): number {
  const limit = positiveInteger(env, 'MAX_BODY_BYTES', DEFAULT_MAX_BODY_BYTES, problems);
  if (limit > MAX_STORABLE_BODY_BYTES) {
    problems.push(
      `MAX_BODY_BYTES must be at most ${MAX_STORABLE_BODY_BYTES}: larger events could not be stored`,
    );
  }
  return limit;
}

export function tableName(env: Env, name: string, problems: string[]): string {
  const value = required(env, name, problems);
  if (value && !/^[A-Za-z0-9_.-]{3,255}$/.test(value)) {
    problems.push(`${name} must be a table name (3-255 of [A-Za-z0-9_.-])`);
  }
  return value;
}

export function required(env: Env, name: string, problems: string[]): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    problems.push(`${name} is not set`);
    return '';
  }
  return value.trim();
}

export function optionalUrl(env: Env, name: string, problems: string[]): string | undefined {
  const value = env[name]?.trim();
  if (!value) return undefined;
  try {
    new URL(value);
  } catch {
    problems.push(`${name} must be a URL such as http://localhost:8000`);
  }
  return value;
}

export function positiveInteger(env: Env, name: string, fallback: number, problems: string[]): number {
  return optionalPositiveInteger(env, name, problems) ?? fallback;
}

function optionalPositiveInteger(env: Env, name: string, problems: string[]): number | undefined {
  const value = env[name]?.trim();
  if (!value) return undefined;
  if (!/^[1-9]\d{0,9}$/.test(value)) {
    problems.push(`${name} must be a positive integer`);
    return undefined;
  }
  return Number(value);
}

/**
 * RECOVERY_BASELINE: how often a scheduled recovery asks DingTalk's failed list when no failure of ours
 * gives a reason to (lib/core/failed-list-asking.ts): one duration such as `24h` or `12h`, default 24h.
 * DingTalk counts every call against the organisation's monthly quota: 24h costs 30 calls a month.
 */
export function readAskingPolicy(env: Env, problems: string[]): AskingPolicy {
  const text = env.RECOVERY_BASELINE?.trim();
  let baselineMs = DEFAULT_BASELINE_MS;
  if (text) {
    const delays = parseRetrySchedule(text);
    if (delays?.length !== 1) problems.push('RECOVERY_BASELINE must be one duration such as 24h or 12h');
    else baselineMs = delays[0]!;
  }
  return { baselineMs, listingDelayMs: LISTING_DELAY_MS };
}

/** RECOVERY_JOURNAL_TABLE given to a callback: where it notes its own failures for the recovery. */
export function optionalTableName(env: Env, name: string, problems: string[]): string | undefined {
  if (!env[name]?.trim()) return undefined;
  return tableName(env, name, problems);
}

/**
 * RETENTION_EVENTS_DAYS, RETENTION_APPROVALS_DAYS, RETENTION_JOURNAL_DAYS (lib/core/retention.ts): whole
 * days, 0 keeps forever, otherwise at least MIN_RETENTION_DAYS.
 */
export function readRetention(env: Env, problems: string[]): Retention {
  const read = (name: string, fallback: number): number => {
    const text = env[name]?.trim();
    if (!text) return fallback;
    const days = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
    if (!(days === 0 || days >= MIN_RETENTION_DAYS)) {
      problems.push(
        `${name} must be 0 (keep forever) or a whole number of days, at least ${MIN_RETENTION_DAYS}`,
      );
      return fallback;
    }
    return days;
  };
  return {
    eventsDays: read('RETENTION_EVENTS_DAYS', DEFAULT_RETENTION.eventsDays),
    approvalsDays: read('RETENTION_APPROVALS_DAYS', DEFAULT_RETENTION.approvalsDays),
    journalDays: read('RETENTION_JOURNAL_DAYS', DEFAULT_RETENTION.journalDays),
  };
}

/**
 * HTTPS_PROXY, HTTP_PROXY, NO_PROXY (or their lower-case forms, which win, as curl reads them): the
 * proxy Stream Mode's open call and WebSocket go through (lib/dingtalk/proxy.ts).
 */
export function readProxySettings(env: Env, problems: string[]): ProxySettings | undefined {
  const read = (name: string) => (env[name.toLowerCase()] ?? env[name])?.trim() || undefined;
  const settings: ProxySettings = {};
  for (const [name, key] of [
    ['HTTPS_PROXY', 'httpsProxy'],
    ['HTTP_PROXY', 'httpProxy'],
  ] as const) {
    const value = read(name);
    if (value === undefined) continue;
    try {
      if (!/^https?:$/.test(new URL(value).protocol)) throw new Error('not http(s)');
      settings[key] = value;
    } catch {
      problems.push(`${name} must be a proxy URL such as http://proxy.example.com:3128`);
    }
  }
  const noProxy = read('NO_PROXY');
  if (noProxy !== undefined) settings.noProxy = noProxy;
  return settings.httpsProxy || settings.httpProxy ? settings : undefined;
}
