import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { APP_ID_PATTERN } from '../lib/dingtalk/apps';
import { ConfigError, loadDingTalkSettings } from '../lib/startup/settings';

/** The SSM parameter each secret variable is stored under, as serverless.aws.yml names them. */
export const SECRET_PARAMETERS = {
  DINGTALK_TOKEN: 'dingtalk-token',
  DINGTALK_AES_KEY: 'dingtalk-aes-key',
  DINGTALK_APP_SECRET: 'dingtalk-app-secret',
  FORWARD_SECRET: 'forward-secret',
} as const;

export interface PutSecretsOptions {
  stage: string;
  /** One app of DINGTALK_APPS: its token, AES key and app secret under `/<service>/<stage>/apps/<id>/`. */
  app?: string;
  region?: string;
  service?: string;
}

/**
 * `put-secrets`: writes the secret variables that are set (from CI variables or the shell) to SSM
 * SecureString parameters `/<service>/<stage>/<name>`, overwriting. Prints names, never values.
 */
export async function putSecrets(options: PutSecretsOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const service = options.service ?? 'dingtalk-callback';
  if (options.app !== undefined && !APP_ID_PATTERN.test(options.app)) {
    console.error('--app must be an app id of DINGTALK_APPS (letters, digits, "-")');
    return 2;
  }
  const present = Object.entries(SECRET_PARAMETERS).filter(
    ([variable]) => env[variable]?.trim() && (options.app === undefined || variable !== 'FORWARD_SECRET'),
  );
  if (present.length === 0) {
    console.error(`none of ${Object.keys(SECRET_PARAMETERS).join(', ')} is set: nothing to store`);
    return 2;
  }
  if (env.DINGTALK_TOKEN || env.DINGTALK_AES_KEY) {
    // The callback refuses to start with a malformed token or key: refuse to store one.
    const problems = (() => {
      try {
        loadDingTalkSettings({ DINGTALK_OWNER_KEY: 'x', ...env });
        return [];
      } catch (error) {
        return error instanceof ConfigError ? error.problems : [String(error)];
      }
    })();
    if (problems.length > 0) {
      console.error(problems.join('\n'));
      return 2;
    }
  }
  const client = new SSMClient({
    ...(options.region ? { region: options.region } : {}),
    ...(env.SSM_ENDPOINT ? { endpoint: env.SSM_ENDPOINT } : {}),
  });
  try {
    for (const [variable, parameter] of present) {
      const name =
        options.app === undefined
          ? `/${service}/${options.stage}/${parameter}`
          : `/${service}/${options.stage}/apps/${options.app}/${parameter}`;
      await client.send(
        new PutParameterCommand({
          Name: name,
          Value: env[variable]!.trim(),
          Type: 'SecureString',
          Overwrite: true,
        }),
      );
      console.log(`${variable} → ${name} (SecureString)`);
    }
  } finally {
    client.destroy();
  }
  return 0;
}
