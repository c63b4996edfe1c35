import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { loadCallbackConfig } from '../../lib/config';
import { DingTalkCrypto } from '../../lib/dingtalk-crypto';
import { DynamoDbEventStore } from '../../lib/dynamodb-event-store';
import { createDynamoDbDocumentClient } from '../../lib/dynamodb-client';
import { createIngest } from '../../lib/ingest';

// Built once per container: configuration errors surface at cold start, naming the variable.
const config = loadCallbackConfig(process.env);
const logger = new Logger({ serviceName: 'dingtalk-callback' });
const ingest = createIngest({
  crypto: new DingTalkCrypto(config.dingtalk),
  store: new DynamoDbEventStore(
    createDynamoDbDocumentClient(config.dynamoDbEndpoint ? { endpoint: config.dynamoDbEndpoint } : {}),
    config.eventsTable,
  ),
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
