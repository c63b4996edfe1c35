import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const PROJECT_ROOT = join(__dirname, '..');
export const SERVERLESS_BIN = join(PROJECT_ROOT, 'node_modules', 'serverless', 'bin', 'serverless.js');

export interface ResolvedServerlessConfig {
  provider: { environment?: Record<string, string> };
  custom: { tables: Record<string, string> };
  resources: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };
}

/** The template with every variable resolved, exactly as `sls deploy` would see it. */
export async function printServerlessConfig(
  config: string,
  stage: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ResolvedServerlessConfig> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [SERVERLESS_BIN, 'print', '--config', config, '--stage', stage, '--format', 'json'],
    {
      cwd: PROJECT_ROOT,
      env: { ...env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' },
      maxBuffer: 10e6,
    },
  );
  return JSON.parse(stdout) as ResolvedServerlessConfig;
}
