import { Logger } from '@aws-lambda-powertools/logger';
import { loadStreamConfig, loadTablestoreSettings } from '../../lib/config';
import { createStoredEventProcessor } from '../../lib/stored-event-processor';
import { TablestoreApprovalStore } from '../../lib/tablestore-approval-store';
import { TablestoreParkingStore } from '../../lib/tablestore-parking-store';
import type { StreamBatchReport } from '../../lib/tablestore-stream';
import { decodeTablestoreTrigger, processStreamBatch } from '../../lib/tablestore-stream';
import { StandardWebhookForwarder } from '../../lib/webhook-forwarder';
import type { FcContext } from './context';
import { tablestoreClientFor } from './context';

const config = loadStreamConfig(process.env);
const parkedTable = process.env.PARKED_TABLE?.trim();
if (!parkedTable) throw new Error('invalid configuration: PARKED_TABLE is not set');
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
    parking: new TablestoreParkingStore(client, parkedTable!),
    logger,
  });
  logger.info('stream batch done', { ...report });
  return report;
}
