import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { createDynamoDbDocumentClient } from '../../lib/aws/dynamodb-client';
import { DynamoDbEventStore } from '../../lib/aws/dynamodb-event-store';
import { DynamoDbRecoveryJournal } from '../../lib/aws/dynamodb-recovery-journal';
import { PowertoolsParameterSource } from '../../lib/aws/powertools-parameter-source';
import { SqsFallbackPlace } from '../../lib/aws/sqs-fallback-place';
import type { RecoveryReport } from '../../lib/core/failed-push-recovery';
import { recoverFailedPushes } from '../../lib/core/failed-push-recovery';
import { DingTalkApi } from '../../lib/dingtalk/open-api';
import { awsRegion, loadRecoveryConfig } from '../../lib/startup/config';
import { initOnce } from '../../lib/startup/init-once';
import { withSecretsResolved } from '../../lib/startup/secrets';

const logger = new Logger({ serviceName: 'dingtalk-callback' });
// Once per container: DINGTALK_APP_SECRET from SSM when DINGTALK_APP_SECRET_PARAM names it.
const ready = initOnce(async () => {
  const config = loadRecoveryConfig(await withSecretsResolved(process.env, new PowertoolsParameterSource()));
  const region = awsRegion(process.env);
  const client = createDynamoDbDocumentClient({
    region,
    ...(config.dynamoDbEndpoint ? { endpoint: config.dynamoDbEndpoint } : {}),
    // Not on DingTalk's clock; the recovery retries further within the run's time budget.
    maxAttempts: 3,
    connectionTimeoutMs: 1_000,
    requestTimeoutMs: 3_000,
  });
  return {
    api: new DingTalkApi({ ...config.api, timeoutMs: 10_000 }),
    store: new DynamoDbEventStore(client, config.eventsTable),
    journal: new DynamoDbRecoveryJournal(client, config.journalTable, logger),
    ...(config.fallbackQueueUrl
      ? { fallback: SqsFallbackPlace.create(config.fallbackQueueUrl, region) }
      : {}),
  };
});

/** Scheduled: drains DingTalk's failed-push list into the events table, journaling each page first. */
export async function handler(_event: unknown, context: Context): Promise<RecoveryReport> {
  const pieces = await ready();
  const report = await recoverFailedPushes({
    ...pieces,
    logger,
    now: Date.now,
    remainingMs: () => context.getRemainingTimeInMillis(),
  });
  logger.info('failed-push recovery finished', { ...report });
  return report;
}
