import { Logger } from '@aws-lambda-powertools/logger';
import { loadDingTalkApiSettings, loadEventsTable, loadTablestoreSettings } from '../../lib/startup/config';
import { DingTalkApi } from '../../lib/dingtalk/open-api';
import type { RecoveryReport } from '../../lib/core/failed-push-recovery';
import { recoverFailedPushes } from '../../lib/core/failed-push-recovery';
import { TablestoreEventStore } from '../../lib/aliyun/tablestore-event-store';
import type { FcContext } from '../../lib/aliyun/fc-credentials';
import { tablestoreClientFor } from '../../lib/aliyun/fc-credentials';

const eventsTable = loadEventsTable(process.env);
const api = new DingTalkApi({ ...loadDingTalkApiSettings(process.env), timeoutMs: 10_000 });
const tablestore = tablestoreClientFor(loadTablestoreSettings(process.env), 3_000);
const logger = new Logger({ serviceName: 'dingtalk-callback' });

/** Timer trigger: drains DingTalk's failed-push list into the events table. */
export async function handler(_event: Buffer, context?: FcContext): Promise<RecoveryReport> {
  const store = new TablestoreEventStore(tablestore(context), eventsTable);
  const report = await recoverFailedPushes({ api, store, logger, now: Date.now });
  logger.info('failed-push recovery finished', { ...report });
  return report;
}
