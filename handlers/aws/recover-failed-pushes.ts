import { Logger } from '@aws-lambda-powertools/logger';
import { loadRecoveryConfig } from '../../lib/startup/config';
import { DingTalkApi } from '../../lib/dingtalk/open-api';
import { DynamoDbEventStore } from '../../lib/aws/dynamodb-event-store';
import { createDynamoDbDocumentClient } from '../../lib/aws/dynamodb-client';
import type { RecoveryReport } from '../../lib/core/failed-push-recovery';
import { recoverFailedPushes } from '../../lib/core/failed-push-recovery';
import { initOnce } from '../../lib/startup/init-once';
import { PowertoolsParameterSource } from '../../lib/aws/powertools-parameter-source';
import { withSecretsResolved } from '../../lib/startup/secrets';

const logger = new Logger({ serviceName: 'dingtalk-callback' });
// Once per container: DINGTALK_APP_SECRET from SSM when DINGTALK_APP_SECRET_PARAM names it.
const ready = initOnce(async () => {
  const config = loadRecoveryConfig(await withSecretsResolved(process.env, new PowertoolsParameterSource()));
  const api = new DingTalkApi({ ...config.api, timeoutMs: 10_000 });
  const store = new DynamoDbEventStore(
    createDynamoDbDocumentClient({
      ...(config.dynamoDbEndpoint ? { endpoint: config.dynamoDbEndpoint } : {}),
      // Not on DingTalk's 1500 ms clock: a stored page must not be given up on quickly.
      maxAttempts: 5,
      requestTimeoutMs: 3_000,
    }),
    config.eventsTable,
  );
  return { api, store };
});

/** Scheduled: drains DingTalk's failed-push list into the events table. */
export async function handler(): Promise<RecoveryReport> {
  const { api, store } = await ready();
  const report = await recoverFailedPushes({ api, store, logger, now: Date.now });
  logger.info('failed-push recovery finished', { ...report });
  return report;
}
