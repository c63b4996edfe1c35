import { Logger } from '@aws-lambda-powertools/logger';
import type { FcContext } from '../../lib/aliyun/fc-context';
import { remainingMsFor } from '../../lib/aliyun/fc-context';
import { tablestoreClientFor } from '../../lib/aliyun/tablestore-client';
import { createTablestoreForwarding } from '../../lib/aliyun/tablestore-forwarding';
import type { RetryReport } from '../../lib/core/delivery';
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
  const report = await createTablestoreForwarding(
    client,
    config.eventsTable,
    config.forward,
    forwarder,
    logger,
  ).retryDue({ remainingMs, reserveMs: config.forward.timeoutMs + 5_000, limit: 500 });
  logger.info('delivery retries done', { ...report });
  return report;
}
