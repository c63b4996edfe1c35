import { Logger } from '@aws-lambda-powertools/logger';
import type { FcContext } from '../../lib/aliyun/fc-context';
import { remainingMsFor } from '../../lib/aliyun/fc-context';
import { tablestoreClientFor } from '../../lib/aliyun/tablestore-client';
import { TablestoreApprovalStore } from '../../lib/aliyun/tablestore-approval-store';
import { createTablestoreForwarding } from '../../lib/aliyun/tablestore-forwarding';
import { TablestoreParkingStore } from '../../lib/aliyun/tablestore-parking-store';
import { decodeTablestoreTrigger } from '../../lib/aliyun/tablestore-trigger';
import type { StreamBatchReport } from '../../lib/core/stream-batch';
import { processStreamBatch } from '../../lib/core/stream-batch';
import { createStoredEventProcessor } from '../../lib/core/stored-event-processing';
import { loadParkedTable, loadStreamConfig, loadTablestoreSettings } from '../../lib/startup/config';
import { StandardWebhookForwarder } from '../../lib/webhook/standard-webhook-forwarder';

const config = loadStreamConfig(process.env);
const parkedTable = loadParkedTable(process.env);
const tablestore = tablestoreClientFor(loadTablestoreSettings(process.env), 3_000);
const logger = new Logger({ serviceName: 'dingtalk-callback' });
const forwarder = config.forward ? new StandardWebhookForwarder(config.forward) : undefined;

/** serverless.aliyun.yml's timeout for this function (the trigger's cap), when the context lacks it. */
const TIMEOUT_SECONDS = 60;

/** Tablestore trigger on the events table (CBOR payload) → the same processing as on AWS, on a deadline. */
export async function handler(event: Buffer, context?: FcContext): Promise<StreamBatchReport> {
  const remainingMs = remainingMsFor(context, Date.now(), TIMEOUT_SECONDS);
  const client = tablestore(context);
  const processStoredEvent = createStoredEventProcessor({
    approvals: new TablestoreApprovalStore(client, config.approvalsTable),
    ...(config.forward && forwarder
      ? {
          forwarding: createTablestoreForwarding(
            client,
            config.eventsTable,
            config.forward,
            forwarder,
            logger,
          ),
        }
      : {}),
    logger,
  });
  const report = await processStreamBatch(decodeTablestoreTrigger(event), {
    process: processStoredEvent,
    parking: new TablestoreParkingStore(client, parkedTable),
    logger,
    remainingMs,
    // A forward attempt takes at most FORWARD_TIMEOUT_MS; keep room for it and the stores' own timeouts.
    attemptReserveMs: (config.forward?.timeoutMs ?? 0) + 10_000,
  });
  logger.info('stream batch done', { ...report });
  return report;
}
