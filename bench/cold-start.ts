import AdmZip from 'adm-zip';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
  /** The same measure for the Alibaba callback bundle (tablestore SDK inside). */
  aliyunColdStartRatio: number;
  aliyunColdStartMs: number;
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
 * The Alibaba artifact: one zip for all functions, always at .serverless/<service>.zip (the plugin
 * ignores --package). A dummy credentials file is all it needs offline. Returns the zip and the
 * compressed size of each handler bundle in it.
 */
export function packageAliyun(): { zip: string; bytes: Record<string, number> } {
  const work = mkdtempSync(join(tmpdir(), 'bench-aliyun-'));
  const credentials = join(work, 'credentials');
  writeFileSync(
    credentials,
    '[default]\naliyun_account_id = 1\naliyun_access_key_id = x\naliyun_access_key_secret = y\n',
  );
  execFileSync(
    process.execPath,
    [SERVERLESS_BIN, 'package', '--config', 'serverless.aliyun.yml', '--stage', 'bench'],
    {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ALIYUN_CREDENTIALS_FILE: credentials, SLS_TELEMETRY_DISABLED: '1', CI: '1' },
      stdio: 'ignore',
    },
  );
  const zip = join(work, 'dingtalk-callback.zip');
  copyFileSync(join(PROJECT_ROOT, '.serverless', 'dingtalk-callback.zip'), zip);
  const bytes: Record<string, number> = { zip: statSync(zip).size };
  for (const entry of new AdmZip(zip).getEntries()) {
    if (entry.entryName.endsWith('.js'))
      bytes[entry.entryName.replace(/^.*\//, '').replace(/\.js$/, '')] = entry.header.compressedSize;
  }
  return { zip, bytes };
}

/** Median wall time of loading `file` in a fresh node, interleaved with a bare `node -e 0`. */
function loadRatio(
  file: string,
  env: NodeJS.ProcessEnv,
): { ratio: number; loadedMs: number; bareMs: number } {
  const load = `require(${JSON.stringify(file)})`;
  const bare: number[] = [];
  const loaded: number[] = [];
  wallMs(['-e', '0'], env);
  wallMs(['-e', load], env);
  for (let i = 0; i < RUNS; i++) {
    bare.push(wallMs(['-e', '0'], env));
    loaded.push(wallMs(['-e', load], env));
  }
  return {
    ratio: round(median(loaded) / median(bare), 2),
    loadedMs: round(median(loaded), 1),
    bareMs: round(median(bare), 1),
  };
}

/**
 * A fresh `node` that loads the packaged AWS callback handler (module scope runs: config, clients),
 * against a bare `node -e 0`, interleaved so machine noise hits both alike; medians of 21 runs each.
 */
export function benchColdStart(): ColdStartResults {
  const awsZips = packageZips('serverless.aws.yml', 'bench');
  const unpacked = mkdtempSync(join(tmpdir(), 'bench-callback-'));
  try {
    new AdmZip(awsZips.callback!).extractAllTo(unpacked, true);
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
    const aws = loadRatio(handlerFile, env);
    const aliyun = packageAliyun();
    const aliyunDir = mkdtempSync(join(tmpdir(), 'bench-aliyun-unzipped-'));
    new AdmZip(aliyun.zip).extractAllTo(aliyunDir, true);
    const aliyunMeasure = loadRatio(join(aliyunDir, 'aliyun-bundle', 'callback.js'), {
      ...env,
      TABLESTORE_ENDPOINT: 'https://bench.cn-hangzhou.ots.aliyuncs.com',
      TABLESTORE_INSTANCE: 'bench',
    });
    rmSync(aliyunDir, { recursive: true, force: true });
    const load = `require(${JSON.stringify(handlerFile)})`;
    const rss = spawnSync(
      process.execPath,
      ['-e', `${load}; process.stdout.write(String(process.memoryUsage().rss))`],
      { env },
    );
    const bundleBytes: Record<string, Record<string, number>> = {
      aws: Object.fromEntries(Object.entries(awsZips).map(([name, file]) => [name, statSync(file).size])),
      aliyun: aliyun.bytes,
    };
    return {
      coldStartRatio: aws.ratio,
      coldStartMs: aws.loadedMs,
      bareNodeMs: aws.bareMs,
      coldStartRssMb: round(Number(rss.stdout.toString()) / 2 ** 20, 1),
      aliyunColdStartRatio: aliyunMeasure.ratio,
      aliyunColdStartMs: aliyunMeasure.loadedMs,
      bundleBytes,
    };
  } finally {
    rmSync(unpacked, { recursive: true, force: true });
  }
}
