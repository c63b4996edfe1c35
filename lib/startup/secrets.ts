import { APP_ID_PATTERN } from '../dingtalk/apps';
import { listsApps } from './app-settings';
import { ConfigError } from './settings';

/**
 * Secrets in the cloud live in SSM Parameter Store (SecureString); a function's environment carries
 * only their names, as `<VARIABLE>_PARAM`. At cold start they are fetched once and put where the
 * configuration loaders look for them. Locally (and on Alibaba Cloud) the variables hold the values
 * themselves and nothing is fetched.
 */
export const SECRET_VARIABLES = [
  'DINGTALK_TOKEN',
  'DINGTALK_AES_KEY',
  'DINGTALK_APP_SECRET',
  'FORWARD_SECRET',
] as const;

/** The single app's secrets: with DINGTALK_APPS each app has its own (below), and these are not read. */
const SINGLE_APP_SECRETS: ReadonlySet<string> = new Set([
  'DINGTALK_TOKEN',
  'DINGTALK_AES_KEY',
  'DINGTALK_APP_SECRET',
]);

/**
 * With DINGTALK_APPS on AWS, each app's secrets live under DINGTALK_APP_SECRETS_PREFIX (the stage's
 * `/dingtalk-callback/<stage>/apps`) as `<prefix>/<id>/<parameter>`, written by `put-secrets --app ID`;
 * DINGTALK_APP_SECRET_FIELDS names the fields a function uses (the callback token and aesKey, the
 * recovery appSecret), so no function reads a secret it does not use.
 */
export const APP_SECRET_PARAMETERS = {
  token: 'dingtalk-token',
  aesKey: 'dingtalk-aes-key',
  appSecret: 'dingtalk-app-secret',
} as const;

type AppSecretField = keyof typeof APP_SECRET_PARAMETERS;

/** Secrets needed only with some setting: without it, their parameter may not exist and is not read. */
const NEEDED_ONLY_WITH: Partial<Record<(typeof SECRET_VARIABLES)[number], string>> = {
  FORWARD_SECRET: 'FORWARD_URL',
};

/** Fetches decrypted parameters by name; names it does not know are left out of the result. */
export interface ParameterSource {
  get(names: readonly string[]): Promise<Record<string, string>>;
}

type Env = Readonly<Record<string, string | undefined>>;

/** `env` with every secret that has a `<NAME>_PARAM` replaced by that parameter's value. */
export async function withSecretsResolved(
  env: Env,
  source: ParameterSource,
): Promise<Record<string, string | undefined>> {
  const apps = listsApps(env);
  const wanted = SECRET_VARIABLES.flatMap((variable) => {
    if (apps && SINGLE_APP_SECRETS.has(variable)) return [];
    const name = env[`${variable}_PARAM`]?.trim();
    const setting = NEEDED_ONLY_WITH[variable];
    if (setting !== undefined && !env[setting]?.trim()) return [];
    return name ? [{ variable, name }] : [];
  });
  const appSecrets = appSecretsWanted(env);
  if (wanted.length === 0 && appSecrets.wanted.length === 0) return { ...env };
  const values = await source.get([
    ...wanted.map(({ name }) => name),
    ...appSecrets.wanted.map(({ name }) => name),
  ]);
  const missingForApps = appSecrets.wanted.filter(({ name }) => values[name] === undefined);
  if (missingForApps.length > 0) {
    throw new ConfigError(
      missingForApps.map(
        ({ app, field, name }) =>
          `app ${app}: its ${field} is read from SSM parameter ${name}, which does not exist or cannot be read (put-secrets --app ${app})`,
      ),
    );
  }
  const missing = wanted.filter(({ name }) => values[name] === undefined);
  if (missing.length > 0) {
    throw new ConfigError(
      missing.map(
        ({ variable, name }) =>
          `${variable}_PARAM names SSM parameter ${name}, which does not exist or cannot be read`,
      ),
    );
  }
  const resolved: Record<string, string | undefined> = { ...env };
  for (const { variable, name } of wanted) resolved[variable] = values[name];
  if (appSecrets.list) {
    for (const { entry, field, name } of appSecrets.wanted) entry[field] = values[name];
    resolved.DINGTALK_APPS = JSON.stringify(appSecrets.list);
    delete resolved.DINGTALK_APPS_FILE;
  }
  return resolved;
}

/** The app secrets to fetch: the listed fields each app lacks. The list's own problems are the reader's. */
function appSecretsWanted(env: Env): {
  list?: Array<Record<string, unknown>>;
  wanted: Array<{ entry: Record<string, unknown>; app: string; field: AppSecretField; name: string }>;
} {
  const prefix = env.DINGTALK_APP_SECRETS_PREFIX?.trim().replace(/\/+$/, '');
  const text = env.DINGTALK_APPS?.trim();
  if (!prefix || !text) return { wanted: [] };
  const fields = (env.DINGTALK_APP_SECRET_FIELDS ?? '')
    .split(',')
    .map((field) => field.trim())
    .filter((field): field is AppSecretField => field in APP_SECRET_PARAMETERS);
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    return { wanted: [] };
  }
  if (!Array.isArray(list)) return { wanted: [] };
  const entries = list.filter(
    (entry): entry is Record<string, unknown> =>
      typeof entry === 'object' && entry !== null && !Array.isArray(entry),
  );
  const wanted = entries.flatMap((entry) => {
    const app = entry.id;
    if (typeof app !== 'string' || !APP_ID_PATTERN.test(app)) return [];
    return fields
      .filter((field) => entry[field] === undefined)
      .map((field) => ({ entry, app, field, name: `${prefix}/${app}/${APP_SECRET_PARAMETERS[field]}` }));
  });
  return { list: list as Array<Record<string, unknown>>, wanted };
}
