import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { loadCallbackConfig } from '../../lib/config';
import { DingTalkCrypto } from '../../lib/dingtalk-crypto';
import { DynamoDbEventWriter } from '../../lib/dynamodb-event-writer';
import { createIngest } from '../../lib/ingest';
import { initOnce } from '../../lib/init-once';
import { withSecretsResolved } from '../../lib/secrets';
import { SignedSsmParameterSource } from '../../lib/ssm-parameter-source';

const logger = new Logger({ serviceName: 'dingtalk-callback' });
const region = process.env.AWS_REGION ?? 'us-east-1';

// Built once per container, starting in the init phase: secrets from SSM (names in *_PARAM), then the
// configuration (errors name the variable) and the signed PutItem writer (see lib/aws-json-client.ts).
const ready = initOnce(async () => {
  const env = await withSecretsResolved(process.env, new SignedSsmParameterSource({ region }));
  const config = loadCallbackConfig(env);
  return createIngest({
    crypto: new DingTalkCrypto(config.dingtalk),
    store: new DynamoDbEventWriter({
      tableName: config.eventsTable,
      region,
      ...(config.dynamoDbEndpoint ? { endpoint: config.dynamoDbEndpoint } : {}),
    }),
    logger,
    now: Date.now,
    maxBodyBytes: config.maxBodyBytes,
  });
});

/** API Gateway REST proxy integration: POST /dingtalk. */
export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  const body =
    event.body === null ? undefined : event.isBase64Encoded ? Buffer.from(event.body, 'base64') : event.body;
  const ingest = await ready();
  return ingest({ method: event.httpMethod, query: event.queryStringParameters ?? {}, body });
}
