import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { DynamoDbEventWriter } from '../../lib/aws/dynamodb-event-writer';
import { callbackRequestFromApiGateway } from '../../lib/aws/lambda-events';
import { SignedSsmParameterSource } from '../../lib/aws/ssm-parameter-source';
import { createIngest } from '../../lib/core/ingest';
import { DingTalkCrypto } from '../../lib/dingtalk/callback-crypto';
import { awsRegion, loadCallbackConfig } from '../../lib/startup/config';
import { initOnce } from '../../lib/startup/init-once';
import { withSecretsResolved } from '../../lib/startup/secrets';

const logger = new Logger({ serviceName: 'dingtalk-callback' });
const region = awsRegion(process.env);

// Built once per container, starting in the init phase: secrets from SSM (names in *_PARAM), then the
// configuration (errors name the variable) and the signed PutItem writer (lib/aws/signed-json-client.ts).
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
  const ingest = await ready();
  // The ingest's response is API Gateway's proxy result shape: statusCode, headers, body.
  return ingest(callbackRequestFromApiGateway(event));
}
