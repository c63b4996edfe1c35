import type { RetryReport } from '../../core/forwarding';
import { attemptLease, logRetryRun, NOTHING_TO_RETRY } from '../../core/forwarding';
import { initOnce } from '../../startup/init-once';
import { createLogger } from '../../startup/logger';
import { withSecretsResolved } from '../../startup/secrets';
import type { Env } from '../../startup/settings';
import { loadAwsDeliveryRetrySettings } from '../aws-settings';
import { PowertoolsParameterSource } from '../powertools-parameter-source';
import { backgroundDynamoDbClient, dynamoDbForwarding } from './parts';
import { SuiteState } from '../../core/suite-state';
import { DynamoDbSuiteState } from '../dynamodb-suite-state';

/**
 * The scheduled delivery retries (every minute; every 5 s under `npm start`): the attempts that are due.
 * Each run also checks the ISV suites' ticket age. Built once per container: FORWARD_SECRET from SSM
 * when FORWARD_SECRET_PARAM names it.
 */
export function awsDeliveryRetry(env: Env): (remainingMs: () => number) => Promise<RetryReport> {
  const logger = createLogger();
  const ready = initOnce(async () => {
    const settings = loadAwsDeliveryRetrySettings(
      await withSecretsResolved(env, new PowertoolsParameterSource()),
    );
    const client = backgroundDynamoDbClient(settings.dynamoDb);
    const suites = settings.suiteStateTable
      ? new SuiteState(new DynamoDbSuiteState(client, settings.suiteStateTable))
      : undefined;
    if (!settings.forwarding) return { suites }; // forwarding is off: nothing to retry
    return {
      suites,
      forwarding: dynamoDbForwarding(client, { ...settings, forwarding: settings.forwarding }, logger),
      reserveMs: attemptLease(settings.forwarding.forward.timeoutMs),
    };
  });
  return async (remainingMs) => {
    const pieces = await ready();
    const report = pieces.forwarding
      ? await pieces.forwarding.retryDue({ remainingMs, reserveMs: pieces.reserveMs, limit: 500 })
      : { ...NOTHING_TO_RETRY };
    logRetryRun(logger, report);
    // The minute's other check: an ISV suite whose ticket stopped coming (logged as suite_ticket_stale).
    await pieces.suites?.staleTickets(Date.now(), logger);
    return report;
  };
}
