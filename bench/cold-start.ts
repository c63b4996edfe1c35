import AdmZip from 'adm-zip';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEV_DINGTALK_ENV, LOCAL_EVENTS_TABLE } from '../local-dev/dev-credentials';
import { PROJECT_ROOT, SERVERLESS_BIN } from '../local-dev/serverless-config';
import { median, round } from './measure';

export interface ColdStartResults {
  coldStartRatio: number;
  coldStartMs: number;
  bareNodeMs: number;
  coldStartRssMb: number;
  /** Zip bytes per packaged function, per cloud. */
  bundleBytes: Record<string, Record<string, number>>;
}

const RUNS = 21;

/** Packages with `sls package` (offline) and returns the zips it wrote, by function. */
export function packageZips(
  config: string,
  stage: string,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-package-'));
  execFileSync(
    process.execPath,
    [SERVERLESS_BIN, 'package', '--config', config, '--stage', stage, '--package', dir],
    {
      cwd: PROJECT_ROOT,
      env: { ...env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', CI: '1' },
      stdio: 'ignore',
    },
  );
  return Object.fromEntries(
    readdirSync(dir)
      .filter((name) => name.endsWith('.zip'))
      .map((name) => [name.replace(/\.zip$/, ''), join(dir, name)]),
  );
}

function wallMs(args: string[], env: NodeJS.ProcessEnv): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr.toString()}`);
  return ms;
}

/**
 * A fresh `node` that loads the packaged AWS callback handler (module scope runs: config, clients),
 * against a bare `node -e 0`, interleaved so machine noise hits both alike; medians of 21 runs each.
 */
export function benchColdStart(extraBundles: Record<string, Record<string, number>> = {}): ColdStartResults {
  const aws = packageZips('serverless.aws.yml', 'bench');
  const unpacked = mkdtempSync(join(tmpdir(), 'bench-callback-'));
  try {
    new AdmZip(aws.callback!).extractAllTo(unpacked, true);
    const handlerFile = join(unpacked, 'handlers', 'aws', 'callback.js');
    statSync(handlerFile);
    const env = {
      PATH: process.env.PATH ?? '',
      ...DEV_DINGTALK_ENV,
      EVENTS_TABLE: LOCAL_EVENTS_TABLE,
      AWS_REGION: 'ap-southeast-1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const load = `require(${JSON.stringify(handlerFile)})`;
    const bare: number[] = [];
    const loaded: number[] = [];
    wallMs(['-e', '0'], env);
    wallMs(['-e', load], env);
    for (let i = 0; i < RUNS; i++) {
      bare.push(wallMs(['-e', '0'], env));
      loaded.push(wallMs(['-e', load], env));
    }
    const rss = spawnSync(
      process.execPath,
      ['-e', `${load}; process.stdout.write(String(process.memoryUsage().rss))`],
      { env },
    );
    const bundleBytes: Record<string, Record<string, number>> = {
      aws: Object.fromEntries(Object.entries(aws).map(([name, file]) => [name, statSync(file).size])),
      ...extraBundles,
    };
    return {
      coldStartRatio: round(median(loaded) / median(bare), 2),
      coldStartMs: round(median(loaded), 1),
      bareNodeMs: round(median(bare), 1),
      coldStartRssMb: round(Number(rss.stdout.toString()) / 2 ** 20, 1),
      bundleBytes,
    };
  } finally {
    rmSync(unpacked, { recursive: true, force: true });
  }
}
