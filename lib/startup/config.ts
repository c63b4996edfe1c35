import { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule } from '../core/delivery';

/**
 * Configuration, read and validated once from the environment, with errors that name the variable.
 * There are no silent defaults for secrets: local tooling supplies development values explicitly.
 */

export interface DingTalkSettings {
  token: string;
  aesKey: string;
  ownerKeys: string[];
}

export interface CallbackConfig {
  dingtalk: DingTalkSettings;
  eventsTable: string;
  /** Set for DynamoDB Local; unset in the cloud. */
  dynamoDbEndpoint?: string;
  maxBodyBytes: number;
}

export interface StreamConfig {
  /** Where the parts of a split payload are read from (lib/aws/events-table-item.ts). */
  eventsTable: string;
  approvalsTable: string;
  dynamoDbEndpoint?: string;
  /** Present when FORWARD_URL is set. */
  forward?: ForwardSettings;
}

/** Access to DingTalk's open API (registration, failed-push recovery). */
export interface DingTalkApiSettings {
  appKey: string;
  appSecret: string;
  /** Default https://oapi.dingtalk.com; a stand-in on loopback in tests. */
  baseUrl?: string;
}

export interface RecoveryConfig {
  api: DingTalkApiSettings;
  eventsTable: string;
  /** The recovery journal's table (DynamoDB or Tablestore). */
  journalTable: string;
  /** AWS: the SQS queue that keeps a page the journal could not take in time. */
  fallbackQueueUrl?: string;
  dynamoDbEndpoint?: string;
}

/** Where Tablestore is (Alibaba Cloud). Credentials come from the function context, else from here. */
export interface TablestoreSettings {
  endpoint: string;
  instance: string;
  /** Only outside Function Compute (CLI, tests); in FC the context's STS credentials are used. */
  credentials?: { accessKeyId: string; accessKeySecret: string };
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/**
 * The largest body whose event can always be stored: its plaintext (at most 3/4 of the base64 body)
 * fits a Tablestore column (2 MB) and a DynamoDB transaction of compressed parts (4 MB).
 */
export const MAX_STORABLE_BODY_BYTES = 2 * 1024 * 1024;
export const DEFAULT_FORWARD_TIMEOUT_MS = 3000;

export interface ForwardSettings {
  url: string;
  secret: string;
  /** Per attempt: the stream consumer never waits longer on a receiver. */
  timeoutMs: number;
  /** Retry delays in ms (FORWARD_RETRY_SCHEDULE). */
  schedule: number[];
  /** The delivery records' table. */
  deliveriesTable: string;
}

type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

export function loadDingTalkSettings(env: Env): DingTalkSettings {
  const problems: string[] = [];
  const settings = readDingTalkSettings(env, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return settings;
}

/** What answering DingTalk needs, without any store: enough for check_url. */
export function loadIngestConfig(env: Env): Pick<CallbackConfig, 'dingtalk' | 'maxBodyBytes'> {
  const problems: string[] = [];
  const dingtalk = readDingTalkSettings(env, problems);
  const maxBodyBytes = bodyLimit(env, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return { dingtalk, maxBodyBytes };
}

/** The events table name alone (Tablestore stores; DynamoDB's comes with loadCallbackConfig). */
export function loadEventsTable(env: Env): string {
  const problems: string[] = [];
  const table = tableName(env, 'EVENTS_TABLE', problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return table;
}

/** The Alibaba stream function's table for parked records. */
export function loadParkedTable(env: Env): string {
  const problems: string[] = [];
  const table = tableName(env, 'PARKED_TABLE', problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return table;
}

/** The AWS region: Lambda sets AWS_REGION; locally (DynamoDB Local ignores it) us-east-1. */
export function awsRegion(env: Env): string {
  return env.AWS_REGION?.trim() || 'us-east-1';
}

export function loadCallbackConfig(env: Env): CallbackConfig {
  const problems: string[] = [];
  const dingtalk = readDingTalkSettings(env, problems);
  const eventsTable = tableName(env, 'EVENTS_TABLE', problems);
  const dynamoDbEndpoint = optionalUrl(env, 'DYNAMODB_ENDPOINT', problems);
  const maxBodyBytes = bodyLimit(env, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    dingtalk,
    eventsTable,
    maxBodyBytes,
    ...(dynamoDbEndpoint === undefined ? {} : { dynamoDbEndpoint }),
  };
}

export function loadStreamConfig(env: Env): StreamConfig {
  const problems: string[] = [];
  const eventsTable = tableName(env, 'EVENTS_TABLE', problems);
  const approvalsTable = tableName(env, 'APPROVALS_TABLE', problems);
  const dynamoDbEndpoint = optionalUrl(env, 'DYNAMODB_ENDPOINT', problems);
  const forward = readForwardSettings(env, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    eventsTable,
    approvalsTable,
    ...(dynamoDbEndpoint === undefined ? {} : { dynamoDbEndpoint }),
    ...(forward === undefined ? {} : { forward }),
  };
}

/** The scheduled delivery retries; without FORWARD_URL there is nothing to retry. */
export function loadRetryConfig(env: Env): {
  eventsTable: string;
  forward?: ForwardSettings;
  dynamoDbEndpoint?: string;
} {
  const problems: string[] = [];
  const eventsTable = tableName(env, 'EVENTS_TABLE', problems);
  const dynamoDbEndpoint = optionalUrl(env, 'DYNAMODB_ENDPOINT', problems);
  const forward = readForwardSettings(env, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    eventsTable,
    ...(forward === undefined ? {} : { forward }),
    ...(dynamoDbEndpoint === undefined ? {} : { dynamoDbEndpoint }),
  };
}

/** Stream Mode: the app's key and secret, and the gateway's base (DINGTALK_OPENAPI_BASE, tests only). */
export function loadStreamModeSettings(env: Env): { appKey: string; appSecret: string; baseUrl?: string } {
  const problems: string[] = [];
  const appKey = required(env, 'DINGTALK_APP_KEY', problems);
  const appSecret = required(env, 'DINGTALK_APP_SECRET', problems);
  const baseUrl = optionalUrl(env, 'DINGTALK_OPENAPI_BASE', problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return { appKey, appSecret, ...(baseUrl === undefined ? {} : { baseUrl }) };
}

/** Forwarding as the CLI's `replay` needs it: FORWARD_URL and FORWARD_SECRET must be set. */
export function loadForwardSettings(env: Env): ForwardSettings {
  const problems: string[] = [];
  const forward = readForwardSettings(env, problems);
  if (!forward) problems.push('FORWARD_URL is not set');
  if (problems.length > 0 || !forward) throw new ConfigError(problems);
  return forward;
}

/** Decrypted events carry personal data: plain http only to this machine, or when FORWARD_ALLOW_HTTP says so. */
function readForwardSettings(env: Env, problems: string[]): ForwardSettings | undefined {
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
  if (secret && !/^whsec_[A-Za-z0-9+/]{32,}={0,2}$/.test(secret)) {
    problems.push('FORWARD_SECRET must be whsec_ followed by base64 of at least 24 bytes');
  }
  const timeoutMs = positiveInteger(env, 'FORWARD_TIMEOUT_MS', DEFAULT_FORWARD_TIMEOUT_MS, problems);
  const scheduleText = env.FORWARD_RETRY_SCHEDULE?.trim() || DEFAULT_RETRY_SCHEDULE;
  const schedule = parseRetrySchedule(scheduleText);
  if (!schedule) {
    problems.push('FORWARD_RETRY_SCHEDULE must be durations separated by commas, such as 5s,5m,30m,2h');
  }
  const deliveriesTable = tableName(env, 'DELIVERIES_TABLE', problems);
  return { url, secret, timeoutMs, schedule: schedule ?? [], deliveriesTable };
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

export function loadDingTalkApiSettings(env: Env): DingTalkApiSettings {
  const problems: string[] = [];
  const settings = readDingTalkApiSettings(env, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return settings;
}

export function loadRecoveryConfig(env: Env): RecoveryConfig {
  const problems: string[] = [];
  const api = readDingTalkApiSettings(env, problems);
  const eventsTable = tableName(env, 'EVENTS_TABLE', problems);
  const journalTable = tableName(env, 'RECOVERY_JOURNAL_TABLE', problems);
  const fallbackQueueUrl = optionalUrl(env, 'RECOVERY_FALLBACK_QUEUE_URL', problems);
  const dynamoDbEndpoint = optionalUrl(env, 'DYNAMODB_ENDPOINT', problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    api,
    eventsTable,
    journalTable,
    ...(fallbackQueueUrl === undefined ? {} : { fallbackQueueUrl }),
    ...(dynamoDbEndpoint === undefined ? {} : { dynamoDbEndpoint }),
  };
}

export function loadTablestoreSettings(env: Env): TablestoreSettings {
  const problems: string[] = [];
  const endpoint = required(env, 'TABLESTORE_ENDPOINT', problems);
  if (endpoint) optionalUrl(env, 'TABLESTORE_ENDPOINT', problems);
  const instance = required(env, 'TABLESTORE_INSTANCE', problems);
  if (instance && !/^[A-Za-z][A-Za-z0-9-]{2,15}$/.test(instance)) {
    problems.push(
      'TABLESTORE_INSTANCE must be a Tablestore instance name (3-16 of [A-Za-z0-9-], a letter first)',
    );
  }
  const accessKeyId = env.TABLESTORE_ACCESS_KEY_ID?.trim();
  const accessKeySecret = env.TABLESTORE_ACCESS_KEY_SECRET?.trim();
  if (Boolean(accessKeyId) !== Boolean(accessKeySecret)) {
    problems.push('TABLESTORE_ACCESS_KEY_ID and TABLESTORE_ACCESS_KEY_SECRET must be set together');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    endpoint,
    instance,
    ...(accessKeyId && accessKeySecret ? { credentials: { accessKeyId, accessKeySecret } } : {}),
  };
}

function readDingTalkApiSettings(env: Env, problems: string[]): DingTalkApiSettings {
  const appKey = required(env, 'DINGTALK_APP_KEY', problems);
  const appSecret = required(env, 'DINGTALK_APP_SECRET', problems);
  const baseUrl = optionalUrl(env, 'DINGTALK_API_BASE', problems);
  return { appKey, appSecret, ...(baseUrl === undefined ? {} : { baseUrl }) };
}

function tableName(env: Env, name: string, problems: string[]): string {
  const value = required(env, name, problems);
  if (value && !/^[A-Za-z0-9_.-]{3,255}$/.test(value)) {
    problems.push(`${name} must be a table name (3-255 of [A-Za-z0-9_.-])`);
  }
  return value;
}

function readDingTalkSettings(env: Env, problems: string[]): DingTalkSettings {
  const token = required(env, 'DINGTALK_TOKEN', problems);
  if (token && !/^[\x21-\x7e]{3,63}$/.test(token)) {
    problems.push('DINGTALK_TOKEN must be 3-63 printable ASCII characters without spaces');
  }
  const aesKey = required(env, 'DINGTALK_AES_KEY', problems);
  if (aesKey && !/^[A-Za-z0-9]{43}$/.test(aesKey)) {
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

function required(env: Env, name: string, problems: string[]): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    problems.push(`${name} is not set`);
    return '';
  }
  return value.trim();
}

function optionalUrl(env: Env, name: string, problems: string[]): string | undefined {
  const value = env[name]?.trim();
  if (!value) return undefined;
  try {
    new URL(value);
  } catch {
    problems.push(`${name} must be a URL such as http://localhost:8000`);
  }
  return value;
}

function bodyLimit(env: Env, problems: string[]): number {
  const limit = positiveInteger(env, 'MAX_BODY_BYTES', DEFAULT_MAX_BODY_BYTES, problems);
  if (limit > MAX_STORABLE_BODY_BYTES) {
    problems.push(
      `MAX_BODY_BYTES must be at most ${MAX_STORABLE_BODY_BYTES}: larger events could not be stored`,
    );
  }
  return limit;
}

function positiveInteger(env: Env, name: string, fallback: number, problems: string[]): number {
  const value = env[name]?.trim();
  if (!value) return fallback;
  if (!/^[1-9]\d{0,9}$/.test(value)) {
    problems.push(`${name} must be a positive integer`);
    return fallback;
  }
  return Number(value);
}
