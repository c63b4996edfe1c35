import { Logger } from '@aws-lambda-powertools/logger';
import type { FcContext } from '../../lib/aliyun/fc-context';
import { remainingMsFor, tablestoreClientFor } from '../../lib/aliyun/fc-context';
import { TablestoreDeliveryStore } from '../../lib/aliyun/tablestore-delivery-store';
import { TablestoreEventStore } from '../../lib/aliyun/tablestore-event-store';
import type { RetryReport } from '../../lib/core/delivery';
import { createForwarding } from '../../lib/core/delivery';
import { loadRetryConfig, loadTablestoreSettings } from '../../lib/startup/config';
import { StandardWebhookForwarder } from '../../lib/webhook/standard-webhook-forwarder';

const config = loadRetryConfig(process.env);
const tablestore = tablestoreClientFor(loadTablestoreSettings(process.env), 3_000);
const forwarder = config.forward ? new StandardWebhookForwarder(config.forward) : undefined;
const logger = new Logger({ serviceName: 'dingtalk-callback' });

/** serverless.aliyun.yml's timeout for this function, when the context lacks it. */
const TIMEOUT_SECONDS = 60;

/** Timer trigger: the delivery attempts that are due (core/delivery.ts). */
export async function handler(_event: Buffer, context?: FcContext): Promise<RetryReport> {
  if (!config.forward || !forwarder) return { due: 0, delivered: 0, rescheduled: 0, failed: 0, deferred: 0 };
  const remainingMs = remainingMsFor(context, Date.now(), TIMEOUT_SECONDS);
  const client = tablestore(context);
  const report = await createForwarding({
    deliveries: new TablestoreDeliveryStore(client, config.forward.deliveriesTable),
    events: new TablestoreEventStore(client, config.eventsTable),
    forwarder,
    schedule: config.forward.schedule,
    logger,
    now: Date.now,
  }).retryDue({ remainingMs, reserveMs: config.forward.timeoutMs + 5_000, limit: 500 });
  logger.info('delivery retries done', { ...report });
  return report;
}
