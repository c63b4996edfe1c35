import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from './local-stack';

export const CLI = join(PROJECT_ROOT, 'bin', 'dingtalk-callback.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the `dingtalk-callback` binary as a real process; never throws on a non-zero exit. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, cwd = PROJECT_ROOT): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CLI, ...args], { env, cwd, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

/** Runs a `--json` command against an environment and parses its lines; a non-zero exit throws with stderr. */
export async function cliJsonLines(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<Array<Record<string, unknown>>> {
  const result = await runCli(args, env);
  if (result.code !== 0) throw new Error(`${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
