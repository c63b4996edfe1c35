import { readFileSync } from 'node:fs';
import { APP_ID_PATTERN, DEFAULT_APP_ID } from '../dingtalk/apps';
import type { AppKind, DingTalkApp } from '../dingtalk/apps';
import { AES_KEY_PATTERN } from '../dingtalk/callback-crypto';
import type { Env } from './settings';
import { loadSettings, readDingTalkSettings } from './settings';

/**
 * DINGTALK_APPS (a JSON array) or DINGTALK_APPS_FILE (a path to the same JSON): the apps one deployment
 * serves. Without either, the single-app variables describe one app, `default`, exactly as before.
 * Every problem names the app (its position and id) and the field, never a value.
 */

/**
 * What a function uses of each app: the callback opens pushes (token, AES key, owner keys); the recovery
 * asks each internal app's failed list and the Stream Mode connector opens each `stream` app's connection
 * (appKey, appSecret).
 */
export type AppUse = 'push' | 'recovery' | 'stream';

const FIELDS = new Set(['id', 'kind', 'token', 'aesKey', 'ownerKey', 'appKey', 'appSecret', 'stream']);

export function loadDingTalkApps(env: Env, use: AppUse): DingTalkApp[] {
  return loadSettings((problems) => readDingTalkApps(env, problems, use));
}

/** Whether this environment lists apps (DINGTALK_APPS or DINGTALK_APPS_FILE) rather than one. */
export function listsApps(env: Env): boolean {
  return Boolean(env.DINGTALK_APPS?.trim() || env.DINGTALK_APPS_FILE?.trim());
}

export function readDingTalkApps(env: Env, problems: string[], use: AppUse): DingTalkApp[] {
  if (!listsApps(env)) return [singleApp(env, problems, use)];
  if (env.DINGTALK_APPS?.trim() && env.DINGTALK_APPS_FILE?.trim()) {
    problems.push('set DINGTALK_APPS or DINGTALK_APPS_FILE, not both');
    return [];
  }
  const single = ['DINGTALK_TOKEN', 'DINGTALK_AES_KEY', 'DINGTALK_OWNER_KEY'].filter((name) =>
    env[name]?.trim(),
  );
  if (single.length > 0) {
    problems.push(
      `${single.join(', ')} describe one app; with DINGTALK_APPS list it there (as id "${DEFAULT_APP_ID}") instead`,
    );
  }
  const text = appsText(env, problems);
  if (text === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    problems.push('DINGTALK_APPS is not JSON (an array of apps)');
    return [];
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    problems.push('DINGTALK_APPS must be a non-empty JSON array of apps');
    return [];
  }
  const apps: DingTalkApp[] = [];
  const seen = new Set<string>();
  parsed.forEach((entry: unknown, index) => {
    const app = readApp(entry, index, problems, use);
    if (!app) return;
    if (seen.has(app.id)) problems.push(`DINGTALK_APPS[${index}] (${app.id}): id is listed twice`);
    seen.add(app.id);
    apps.push(app);
  });
  return apps;
}

function appsText(env: Env, problems: string[]): string | undefined {
  const file = env.DINGTALK_APPS_FILE?.trim();
  if (!file) return env.DINGTALK_APPS!.trim();
  try {
    return readFileSync(file, 'utf8');
  } catch {
    problems.push('DINGTALK_APPS_FILE cannot be read');
    return undefined;
  }
}

function readApp(entry: unknown, index: number, problems: string[], use: AppUse): DingTalkApp | undefined {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    problems.push(`DINGTALK_APPS[${index}] must be an object`);
    return undefined;
  }
  const fields = entry as Record<string, unknown>;
  const idValue = fields.id;
  const id = typeof idValue === 'string' && APP_ID_PATTERN.test(idValue) ? idValue : undefined;
  const where = `DINGTALK_APPS[${index}]${id ? ` (${id})` : ''}`;
  const problem = (text: string) => problems.push(`${where}: ${text}`);
  if (!id) problem('id must be 1-32 letters, digits or "-", starting with a letter or digit');
  for (const name of Object.keys(fields)) {
    if (!FIELDS.has(name)) problem(`unknown field "${name.slice(0, 40)}" (known: ${[...FIELDS].join(', ')})`);
  }
  const text = (name: string): string | undefined => {
    const value = fields[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || value.trim() === '') {
      problem(`${name} must be a non-empty string`);
      return undefined;
    }
    return value.trim();
  };

  const kindValue = fields.kind ?? 'internal';
  if (kindValue !== 'internal' && kindValue !== 'suite') problem('kind must be "internal" or "suite"');
  const kind: AppKind = kindValue === 'suite' ? 'suite' : 'internal';
  const streamValue = fields.stream ?? false;
  if (typeof streamValue !== 'boolean') problem('stream must be true or false');
  const stream = streamValue === true;

  const token = text('token');
  if (token !== undefined && !/^[\x21-\x7e]{3,63}$/.test(token)) {
    problem('token must be 3-63 printable ASCII characters without spaces');
  }
  const aesKey = text('aesKey');
  if (aesKey !== undefined && !AES_KEY_PATTERN.test(aesKey)) {
    problem(`aesKey must be exactly 43 characters of [A-Za-z0-9] (got ${aesKey.length} characters)`);
  }
  const ownerKeys = ownerKeysOf(fields.ownerKey, problem);
  const appKey = text('appKey');
  const appSecret = text('appSecret');
  if (use === 'push') {
    if (token === undefined) problem('token is not set');
    if (aesKey === undefined) problem('aesKey is not set');
    if (ownerKeys.length === 0 && appKey === undefined) problem('ownerKey is not set');
  }
  const callsDingTalk = (use === 'recovery' && kind === 'internal') || (use === 'stream' && stream);
  if (callsDingTalk) {
    const why = use === 'stream' ? 'needed by Stream Mode' : 'needed to ask its failed list';
    if (appKey === undefined) problem(`appKey is not set (${why})`);
    if (appSecret === undefined) problem(`appSecret is not set (${why})`);
  }
  if (!id) return undefined;
  return {
    id,
    kind,
    token: token ?? '',
    aesKey: aesKey ?? '',
    // An internal app subscribed in the console signs with its appKey: the default owner key.
    ownerKeys: ownerKeys.length > 0 ? ownerKeys : appKey ? [appKey] : [],
    ...(appKey === undefined ? {} : { appKey }),
    ...(appSecret === undefined ? {} : { appSecret }),
    stream,
  };
}

function ownerKeysOf(value: unknown, problem: (text: string) => void): string[] {
  if (value === undefined || value === null) return [];
  const list = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : undefined;
  if (!list || list.some((key) => typeof key !== 'string')) {
    problem('ownerKey must be a string (comma-separated for several) or an array of strings');
    return [];
  }
  const keys = (list as string[]).map((key) => key.trim()).filter((key) => key.length > 0);
  if (keys.length === 0) problem('ownerKey must name at least one owner key (appKey, corpId or suiteKey)');
  return keys;
}

/** The single-app variables as app `default`. */
function singleApp(env: Env, problems: string[], use: AppUse): DingTalkApp {
  const appKey = env.DINGTALK_APP_KEY?.trim() || undefined;
  const appSecret = env.DINGTALK_APP_SECRET?.trim() || undefined;
  const base = {
    id: DEFAULT_APP_ID,
    kind: 'internal' as const,
    ...(appKey === undefined ? {} : { appKey }),
    ...(appSecret === undefined ? {} : { appSecret }),
    stream: false,
  };
  if (use !== 'push') return { ...base, token: '', aesKey: '', ownerKeys: [] };
  return { ...base, ...readDingTalkSettings(env, problems) };
}
