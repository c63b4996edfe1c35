import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { loadCallbackConfig } from '../../lib/config';
import { DingTalkCrypto } from '../../lib/dingtalk-crypto';
import { DynamoDbEventWriter } from '../../lib/dynamodb-event-writer';
import { createIngest } from '../../lib/ingest';

// Built once per container: configuration errors surface at cold start, naming the variable.
const config = loadCallbackConfig(process.env);
const logger = new Logger({ serviceName: 'dingtalk-callback' });
const ingest = createIngest({
  crypto: new DingTalkCrypto(config.dingtalk),
  // One signed PutItem instead of the SDK client: see lib/dynamodb-event-writer.ts for the numbers.
  store: new DynamoDbEventWriter({
    tableName: config.eventsTable,
    region: process.env.AWS_REGION ?? 'us-east-1',
    ...(config.dynamoDbEndpoint ? { endpoint: config.dynamoDbEndpoint } : {}),
  }),
  logger,
  now: Date.now,
  maxBodyBytes: config.maxBodyBytes,
});

/** API Gateway REST proxy integration: POST /dingtalk. */
export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const body =
    event.body === null ? undefined : event.isBase64Encoded ? Buffer.from(event.body, 'base64') : event.body;
  return ingest({ method: event.httpMethod, query: event.queryStringParameters ?? {}, body });
}
