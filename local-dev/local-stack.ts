import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { DynamoDbEventStore } from '../lib/aws/dynamodb-event-store';
import { createDynamoDbDocumentClient } from '../lib/aws/dynamodb-client';
import { DEV_DINGTALK_ENV, LOCAL_EVENTS_TABLE, LOCAL_STAGE } from './dev-credentials';
import { isListening } from './dynamodb-local';
import { PROJECT_ROOT } from './serverless-config';

// Node 20 is supported here; the SDK's notice about its future Node 22 floor is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export { PROJECT_ROOT };

/**
 * A running `npm start` (the same script, as a real process) on free ports: for tests and benchmarks.
 */
export interface LocalStack {
  url: string;
  httpPort: number;
  /** serverless-offline's Lambda invoke endpoint (`aws lambda invoke --endpoint-url`). */
  lambdaPort: number;
  dynamoDbPort: number;
  dynamoDbEndpoint: string;
  eventsTable: string;
  env: NodeJS.ProcessEnv;
  process: ChildProcess;
  output: () => string;
  /** The stack's events table, read and written directly (around the callback). */
  eventStore(): DynamoDbEventStore;
  /** Invokes a function the way its schedule does (Lambda Invoke API, RequestResponse). */
  invoke(functionName: string, payload?: unknown): Promise<LambdaInvocation>;
  stop(): Promise<number | null>;
}

export interface LambdaInvocation {
  /** The handler's result, or Lambda's `{errorType, errorMessage}` when it failed. */
  payload: unknown;
  /** `Unhandled` when the handler threw, as the Lambda API reports it. */
  functionError?: string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function startLocalStack(
  extraEnv: NodeJS.ProcessEnv = {},
  timeoutMs = 60_000,
): Promise<LocalStack> {
  const [httpPort, lambdaPort, dynamoDbPort] = [await freePort(), await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...DEV_DINGTALK_ENV,
    PORT: String(httpPort),
    OFFLINE_LAMBDA_PORT: String(lambdaPort),
    DYNAMODB_LOCAL_PORT: String(dynamoDbPort),
    DYNAMODB_ENDPOINT: '',
    ...extraEnv,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'local-dev/start.ts'], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a stack that hangs can be killed whole, children included.
    detached: true,
  });
  const killGroup = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString('utf8');
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));

  const deadline = Date.now() + timeoutMs;
  while (!/Server ready/.test(output)) {
    if (exitCode !== undefined) throw new Error(`local stack exited with ${exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      killGroup();
      throw new Error(`local stack not ready in ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const dynamoDbEndpoint = extraEnv.DYNAMODB_ENDPOINT || `http://127.0.0.1:${dynamoDbPort}`;
  return {
    url: `http://127.0.0.1:${httpPort}/dingtalk`,
    httpPort,
    lambdaPort,
    dynamoDbPort,
    dynamoDbEndpoint,
    eventsTable: LOCAL_EVENTS_TABLE,
    env: { ...env, DYNAMODB_ENDPOINT: dynamoDbEndpoint, EVENTS_TABLE: LOCAL_EVENTS_TABLE },
    process: child,
    output: () => output,
    eventStore: () =>
      new DynamoDbEventStore(
        createDynamoDbDocumentClient({ region: 'us-east-1', endpoint: dynamoDbEndpoint }),
        LOCAL_EVENTS_TABLE,
      ),
    async invoke(functionName, payload = {}) {
      const response = await fetch(
        `http://127.0.0.1:${lambdaPort}/2015-03-31/functions/dingtalk-callback-${LOCAL_STAGE}-${functionName}/invocations`,
        {
          method: 'POST',
          headers: { 'x-amz-invocation-type': 'RequestResponse' },
          body: JSON.stringify(payload),
          signal: AbortSignal.timeout(300_000),
        },
      );
      const text = await response.text();
      const functionError = response.headers.get('x-amz-function-error') ?? undefined;
      return {
        payload: text ? (JSON.parse(text) as unknown) : undefined,
        ...(functionError ? { functionError } : {}),
      };
    },
    async stop() {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(killGroup, 20_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export async function waitUntilClosed(port: number, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await isListening(port))) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}
