/**
 * `npm start`: the callback endpoint on this machine, backed by a real DynamoDB.
 * Starts DynamoDB Local (unless DYNAMODB_ENDPOINT points elsewhere), creates the tables declared in
 * serverless.aws.yml, then runs `sls offline`. Ctrl-C / SIGTERM stops everything it started.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { listsApps } from '../lib/startup/app-settings';
import { DEV_DINGTALK_ENV, LOCAL_STAGE, withDevCredentials } from './dev-credentials';
import type { DynamoDbLocal } from './dynamodb-local';
import { JavaMissingError, startDynamoDbLocal } from './dynamodb-local';
import { PROJECT_ROOT, SERVERLESS_BIN, printServerlessConfig } from './serverless-config';
import { createDeclaredTables } from './tables';

const CONFIG = 'serverless.aws.yml';

function port(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > 65535) {
    throw new Error(`${name} must be a TCP port (1-65535), got "${value}"`);
  }
  return parsed;
}

async function main(): Promise<void> {
  // Node 20 is supported here; the SDK's notice about its future Node 22 floor is noise in a dev loop.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const httpPort = port('PORT', 3000);
  const dynamoDbPort = port('DYNAMODB_LOCAL_PORT', 8000);
  const { env: dingtalkEnv, usedDevCredentials } = withDevCredentials(process.env);

  let dynamoDb: DynamoDbLocal | undefined;
  let endpoint = process.env.DYNAMODB_ENDPOINT;
  const printed = printServerlessConfig(CONFIG, LOCAL_STAGE);
  if (!endpoint) {
    dynamoDb = await startDynamoDbLocal({
      port: dynamoDbPort,
      ...(process.env.DYNAMODB_LOCAL_DIR ? { dataDir: process.env.DYNAMODB_LOCAL_DIR } : {}),
    });
    endpoint = dynamoDb.endpoint;
    log(`DynamoDB Local listening on ${endpoint}${process.env.DYNAMODB_LOCAL_DIR ? '' : ' (in memory)'}`);
  }
  const stopDynamoDb = async () => {
    await dynamoDb?.stop();
    dynamoDb = undefined;
  };

  try {
    const config = await printed;
    if (process.env.SKIP_TABLE_CREATION !== '1') {
      const created = await createDeclaredTables(endpoint, config.resources.Resources);
      log(created.length > 0 ? `created tables: ${created.join(', ')}` : 'tables already exist');
    }
  } catch (error) {
    await stopDynamoDb();
    throw error;
  }

  if (usedDevCredentials) {
    log('no DINGTALK_* variables set: using development credentials (the CLI uses the same ones)');
    log(`  DINGTALK_TOKEN=${DEV_DINGTALK_ENV.DINGTALK_TOKEN}`);
    log(`  DINGTALK_AES_KEY=${DEV_DINGTALK_ENV.DINGTALK_AES_KEY}`);
    log(`  DINGTALK_OWNER_KEY=${DEV_DINGTALK_ENV.DINGTALK_OWNER_KEY}`);
  }
  log(`callback endpoint: POST http://localhost:${httpPort}/dingtalk`);
  if (listsApps(process.env)) {
    log(`  DINGTALK_APPS: one app per path, POST http://localhost:${httpPort}/dingtalk/{app id}`);
  }

  const offline = spawn(
    process.execPath,
    [SERVERLESS_BIN, 'offline', 'start', '--config', CONFIG, '--stage', LOCAL_STAGE],
    {
      cwd: PROJECT_ROOT,
      stdio: 'inherit',
      env: {
        ...dingtalkEnv,
        PORT: String(httpPort),
        DYNAMODB_ENDPOINT: endpoint,
        SLS_TELEMETRY_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    },
  );

  // DINGTALK_STREAM=on: the Stream Mode connector beside the HTTP endpoint, into the same store.
  const connector =
    process.env.DINGTALK_STREAM === 'on'
      ? spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'dingtalk-callback.js'), 'stream'], {
          cwd: PROJECT_ROOT,
          stdio: 'inherit',
          env: {
            ...dingtalkEnv,
            DYNAMODB_ENDPOINT: endpoint,
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          },
        })
      : undefined;
  if (connector) log('DINGTALK_STREAM=on: Stream Mode connector started (dingtalk-callback stream)');

  // sls offline runs no schedules: with forwarding on, make the due delivery attempts every few seconds
  // by invoking retryDeliveries as its schedule would (so a person or a test never waits minutes).
  const retries = process.env.FORWARD_URL ? scheduleLocalRetries() : undefined;

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    if (retries) clearInterval(retries);
    log(`${signal}: stopping`);
    if (offline.exitCode === null) offline.kill('SIGTERM');
    if (connector && connector.exitCode === null) connector.kill('SIGTERM');
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  const code = await new Promise<number>((resolve) =>
    offline.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 0 : 1))),
  );
  if (connector && connector.exitCode === null) {
    connector.kill('SIGTERM');
    await new Promise((resolve) => connector.once('exit', resolve));
  }
  await stopDynamoDb();
  process.exitCode = stopping ? 0 : code;
}

/** Every LOCAL_RETRY_INTERVAL_MS (default 5000), one invocation of retryDeliveries at a time. */
function scheduleLocalRetries(): NodeJS.Timeout {
  const lambdaPort = port('OFFLINE_LAMBDA_PORT', 3002);
  const intervalMs = Number(process.env.LOCAL_RETRY_INTERVAL_MS) || 5000;
  const url = `http://127.0.0.1:${lambdaPort}/2015-03-31/functions/dingtalk-callback-${LOCAL_STAGE}-retryDeliveries/invocations`;
  let running = false;
  let reported = false;
  log(`forwarding on: due delivery attempts run every ${intervalMs} ms`);
  return setInterval(() => {
    if (running) return;
    running = true;
    fetch(url, { method: 'POST', body: '{}', signal: AbortSignal.timeout(120_000) })
      .then(async (response) => {
        const text = await response.text();
        if (response.headers.get('x-amz-function-error') && !reported) {
          reported = true;
          log(`retryDeliveries failed: ${text.slice(0, 300)}`);
        }
      })
      .catch(() => undefined) // offline not listening yet, or stopping
      .finally(() => (running = false));
  }, intervalMs);
}

function log(message: string): void {
  console.log(`[dingtalk-callback] ${message}`);
}

main().catch((error: unknown) => {
  console.error(`[dingtalk-callback] ${error instanceof JavaMissingError ? error.message : String(error)}`);
  process.exitCode = 1;
});
