import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { createDynamoDbDocumentClient } from '../../lib/aws/dynamodb-client';
import { createDynamoDbForwarding } from '../../lib/aws/dynamodb-forwarding';
import { PowertoolsParameterSource } from '../../lib/aws/powertools-parameter-source';
import type { RetryReport } from '../../lib/core/delivery';
import { awsRegion, loadRetryConfig } from '../../lib/startup/config';
import { initOnce } from '../../lib/startup/init-once';
import { withSecretsResolved } from '../../lib/startup/secrets';

const logger = new Logger({ serviceName: 'dingtalk-callback' });
// Once per container: FORWARD_SECRET from SSM when FORWARD_SECRET_PARAM names it.
const ready = initOnce(async () => {
  const config = loadRetryConfig(await withSecretsResolved(process.env, new PowertoolsParameterSource()));
  if (!config.forward) return undefined; // forwarding is off: nothing to retry
  const client = createDynamoDbDocumentClient({
    region: awsRegion(process.env),
    ...(config.dynamoDbEndpoint ? { endpoint: config.dynamoDbEndpoint } : {}),
    maxAttempts: 3,
    connectionTimeoutMs: 1_000,
    requestTimeoutMs: 3_000,
  });
  return {
    forwarding: createDynamoDbForwarding(client, config.eventsTable, config.forward, logger),
    reserveMs: config.forward.timeoutMs + 5_000,
  };
});

/** Scheduled (every minute; every 5 s under `npm start`): the delivery attempts that are due. */
export async function handler(_event: unknown, context: Context): Promise<RetryReport> {
  const pieces = await ready();
  if (!pieces) return { due: 0, delivered: 0, rescheduled: 0, failed: 0, deferred: 0 };
  const { forwarding, reserveMs } = pieces;
  const report = await forwarding.retryDue({
    remainingMs: () => context.getRemainingTimeInMillis(),
    reserveMs,
    limit: 500,
  });
  if (report.due > 0) logger.info('delivery retries done', { ...report });
  return report;
}
