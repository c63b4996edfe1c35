import type { RetryReport } from '../../core/forwarding';
import { initOnce } from '../../startup/init-once';
import { createLogger } from '../../startup/logger';
import { withSecretsResolved } from '../../startup/secrets';
import type { Env } from '../../startup/settings';
import { loadAwsDeliveryRetrySettings } from '../aws-settings';
import { PowertoolsParameterSource } from '../powertools-parameter-source';
import { backgroundDynamoDbClient, dynamoDbForwarding } from './parts';

const NOTHING_TO_RETRY: RetryReport = { due: 0, delivered: 0, rescheduled: 0, failed: 0, deferred: 0 };

/**
 * The scheduled delivery retries (every minute; every 5 s under `npm start`): the attempts that are due.
 * Built once per container: FORWARD_SECRET from SSM when FORWARD_SECRET_PARAM names it.
 */
export function awsDeliveryRetry(env: Env): (remainingMs: () => number) => Promise<RetryReport> {
  const logger = createLogger();
  const ready = initOnce(async () => {
    const settings = loadAwsDeliveryRetrySettings(
      await withSecretsResolved(env, new PowertoolsParameterSource()),
    );
    if (!settings.forwarding) return undefined; // forwarding is off: nothing to retry
    const client = backgroundDynamoDbClient(settings.dynamoDb);
    return {
      forwarding: dynamoDbForwarding(client, settings.eventsTable, settings.forwarding, logger),
      reserveMs: settings.forwarding.forward.timeoutMs + 5_000,
    };
  });
  return async (remainingMs) => {
    const pieces = await ready();
    if (!pieces) return { ...NOTHING_TO_RETRY };
    const report = await pieces.forwarding.retryDue({
      remainingMs,
      reserveMs: pieces.reserveMs,
      limit: 500,
    });
    if (report.due > 0) logger.info('delivery retries done', { ...report });
    return report;
  };
}
