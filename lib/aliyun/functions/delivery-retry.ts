import type { RetryReport } from '../../core/forwarding';
import { attemptLease, logRetryRun, NOTHING_TO_RETRY } from '../../core/forwarding';
import { createLogger } from '../../startup/logger';
import type { Env } from '../../startup/settings';
import { StandardWebhookForwarder } from '../../webhook/standard-webhook-forwarder';
import { loadAliyunDeliveryRetrySettings } from '../aliyun-settings';
import type { FcContext } from '../fc-context';
import { remainingMsFor } from '../fc-context';
import { perTablestoreClient, tablestoreForwarding } from './parts';
import { SuiteState } from '../../core/suite-state';
import { TablestoreSuiteState } from '../tablestore-suite-state';

/** serverless.aliyun.yml's timeout for this function, when the context lacks it. */
const TIMEOUT_SECONDS = 60;

/**
 * The timer-triggered delivery retries: the attempts that are due (core/forwarding.ts); each run also
 * checks the ISV suites' ticket age.
 */
export function aliyunDeliveryRetry(env: Env): (context?: FcContext) => Promise<RetryReport> {
  const settings = loadAliyunDeliveryRetrySettings(env);
  const logger = createLogger();
  const forwarding = settings.forwarding;
  const forwarder = forwarding ? new StandardWebhookForwarder(forwarding.forward) : undefined;
  // One client per credentials for both jobs of a run.
  const assemble = perTablestoreClient(settings.tablestore, (client) => ({
    forwarding:
      forwarding && forwarder
        ? tablestoreForwarding(client, settings.eventsTable, forwarding, forwarder, logger)
        : undefined,
    suites: settings.suiteStateTable
      ? new SuiteState(new TablestoreSuiteState(client, settings.suiteStateTable))
      : undefined,
  }));
  return async (context) => {
    const remainingMs = remainingMsFor(context, Date.now(), TIMEOUT_SECONDS);
    const needed = forwarding !== undefined || settings.suiteStateTable !== undefined;
    const pieces = needed ? assemble(context) : undefined;
    const forwardingNow = pieces?.forwarding;
    const report = forwardingNow
      ? await forwardingNow.retryDue({
          remainingMs,
          reserveMs: attemptLease(forwarding!.forward.timeoutMs),
          limit: 500,
        })
      : { ...NOTHING_TO_RETRY };
    logRetryRun(logger, report);
    // The minute's other check: an ISV suite whose ticket stopped coming (logged as suite_ticket_stale).
    await pieces?.suites?.staleTickets(Date.now(), logger);
    return report;
  };
}
