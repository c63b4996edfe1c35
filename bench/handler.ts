import { fork } from 'node:child_process';
import { join } from 'node:path';
import { DEV_DINGTALK_ENV, LOCAL_EVENTS_TABLE } from '../local-dev/dev-credentials';
import { startDynamoDbLocal } from '../local-dev/dynamodb-local';
import { freePort } from '../local-dev/local-stack';
import { printServerlessConfig } from '../local-dev/serverless-config';
import { createDeclaredTables } from '../local-dev/tables';

export interface HandlerResults {
  handlerP50Ms: number;
  handlerP99Ms: number;
  handlerInvocations: number;
  handlerFailures: number;
  handlerRssMb: number;
}

/** The AWS callback handler, warm, in process, writing to a fresh in-memory DynamoDB Local. */
export async function benchHandler(): Promise<HandlerResults> {
  const dynamoDb = await startDynamoDbLocal({ port: await freePort() });
  try {
    const config = await printServerlessConfig('serverless.aws.yml', 'local');
    await createDeclaredTables(dynamoDb.endpoint, config.resources.Resources);
    const worker = fork(join(__dirname, 'handler-worker.ts'), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: {
        ...process.env,
        ...DEV_DINGTALK_ENV,
        EVENTS_TABLE: LOCAL_EVENTS_TABLE,
        DYNAMODB_ENDPOINT: dynamoDb.endpoint,
        AWS_REGION: 'us-east-1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    });
    const message = await new Promise<Record<string, unknown>>((resolve, reject) => {
      worker.once('message', (value) => resolve(value as Record<string, unknown>));
      worker.once('exit', (code) => reject(new Error(`handler benchmark worker exited with ${code}`)));
    });
    worker.kill();
    if (typeof message.error === 'string') throw new Error(message.error);
    return message as unknown as HandlerResults;
  } finally {
    await dynamoDb.stop();
  }
}
