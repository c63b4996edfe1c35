import type { RecoveryReport } from '../../core/failed-push-recovery';
import { recoverFailedPushes } from '../../core/failed-push-recovery';
import { DingTalkApi } from '../../dingtalk/open-api';
import { initOnce } from '../../startup/init-once';
import { createLogger } from '../../startup/logger';
import { withSecretsResolved } from '../../startup/secrets';
import type { Env } from '../../startup/settings';
import { loadAwsRecoverySettings } from '../aws-settings';
import { DynamoDbEventStore } from '../dynamodb-event-store';
import { DynamoDbRecoveryJournal } from '../dynamodb-recovery-journal';
import { PowertoolsParameterSource } from '../powertools-parameter-source';
import { SqsFallbackPlace } from '../sqs-fallback-place';
import { backgroundDynamoDbClient } from './parts';

/**
 * The scheduled failed-push recovery: drains DingTalk's failed-push list into the events table,
 * journaling each page first. Built once per container: DINGTALK_APP_SECRET from SSM when
 * DINGTALK_APP_SECRET_PARAM names it.
 */
export function awsFailedPushRecovery(env: Env): (remainingMs: () => number) => Promise<RecoveryReport> {
  const logger = createLogger();
  const ready = initOnce(async () => {
    const settings = loadAwsRecoverySettings(await withSecretsResolved(env, new PowertoolsParameterSource()));
    const client = backgroundDynamoDbClient(settings.dynamoDb);
    return {
      api: new DingTalkApi({ ...settings.api, timeoutMs: 10_000 }),
      store: new DynamoDbEventStore(client, settings.eventsTable, settings.retention.eventsDays),
      journal: new DynamoDbRecoveryJournal(
        client,
        settings.journalTable,
        logger,
        Date.now,
        settings.retention.journalDays,
      ),
      asking: settings.asking,
      ...(settings.fallbackQueueUrl
        ? { fallback: SqsFallbackPlace.create(settings.fallbackQueueUrl, settings.dynamoDb.region) }
        : {}),
    };
  });
  return async (remainingMs) => {
    const report = await recoverFailedPushes({ ...(await ready()), logger, now: Date.now, remainingMs });
    logger.info('failed-push recovery finished', { ...report });
    return report;
  };
}
