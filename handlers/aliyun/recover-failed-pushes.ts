import { Logger } from '@aws-lambda-powertools/logger';
import { loadDingTalkApiSettings, loadTablestoreSettings } from '../../lib/config';
import { DingTalkApi } from '../../lib/dingtalk-api';
import type { RecoveryReport } from '../../lib/failed-push-recovery';
import { recoverFailedPushes } from '../../lib/failed-push-recovery';
import { TablestoreEventStore } from '../../lib/tablestore-event-store';
import type { FcContext } from './context';
import { tablestoreClientFor } from './context';

const eventsTable = process.env.EVENTS_TABLE?.trim();
if (!eventsTable) throw new Error('invalid configuration: EVENTS_TABLE is not set');
const api = new DingTalkApi({ ...loadDingTalkApiSettings(process.env), timeoutMs: 10_000 });
const tablestore = tablestoreClientFor(loadTablestoreSettings(process.env), 3_000);
const logger = new Logger({ serviceName: 'dingtalk-callback' });

/** Timer trigger: drains DingTalk's failed-push list into the events table. */
export async function handler(_event: Buffer, context?: FcContext): Promise<RecoveryReport> {
  const store = new TablestoreEventStore(tablestore(context), eventsTable!);
  const report = await recoverFailedPushes({ api, store, logger, now: Date.now });
  logger.info('failed-push recovery finished', { ...report });
  return report;
}
