import { Logger } from '@aws-lambda-powertools/logger';
import { loadParkedTable, loadStreamConfig, loadTablestoreSettings } from '../../lib/startup/config';
import { createStoredEventProcessor } from '../../lib/core/stored-event-processing';
import { TablestoreApprovalStore } from '../../lib/aliyun/tablestore-approval-store';
import { TablestoreParkingStore } from '../../lib/aliyun/tablestore-parking-store';
import { decodeTablestoreTrigger } from '../../lib/aliyun/tablestore-trigger';
import type { StreamBatchReport } from '../../lib/core/stream-batch';
import { processStreamBatch } from '../../lib/core/stream-batch';
import { StandardWebhookForwarder } from '../../lib/webhook/standard-webhook-forwarder';
import type { FcContext } from '../../lib/aliyun/fc-context';
import { tablestoreClientFor } from '../../lib/aliyun/fc-context';

const config = loadStreamConfig(process.env);
const parkedTable = loadParkedTable(process.env);
const tablestore = tablestoreClientFor(loadTablestoreSettings(process.env), 3_000);
const logger = new Logger({ serviceName: 'dingtalk-callback' });
const forwarder = config.forward ? new StandardWebhookForwarder(config.forward) : undefined;

/** Tablestore trigger on the events table (CBOR payload) → the same processing as on AWS. */
export async function handler(event: Buffer, context?: FcContext): Promise<StreamBatchReport> {
  const client = tablestore(context);
  const processStoredEvent = createStoredEventProcessor({
    approvals: new TablestoreApprovalStore(client, config.approvalsTable),
    ...(forwarder ? { forwarder } : {}),
    logger,
  });
  const report = await processStreamBatch(decodeTablestoreTrigger(event), {
    process: processStoredEvent,
    parking: new TablestoreParkingStore(client, parkedTable),
    logger,
  });
  logger.info('stream batch done', { ...report });
  return report;
}
