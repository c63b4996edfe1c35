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
  const wanted = SECRET_VARIABLES.flatMap((variable) => {
    const name = env[`${variable}_PARAM`]?.trim();
    const setting = NEEDED_ONLY_WITH[variable];
    if (setting !== undefined && !env[setting]?.trim()) return [];
    return name ? [{ variable, name }] : [];
  });
  if (wanted.length === 0) return { ...env };
  const values = await source.get(wanted.map(({ name }) => name));
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
  return resolved;
}
