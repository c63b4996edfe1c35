import { Logger } from '@aws-lambda-powertools/logger';
import type { FcContext } from '../../lib/aliyun/fc-context';
import { remainingMsFor } from '../../lib/aliyun/fc-context';
import { tablestoreClientFor } from '../../lib/aliyun/tablestore-client';
import { TablestoreEventStore } from '../../lib/aliyun/tablestore-event-store';
import { TablestoreRecoveryJournal } from '../../lib/aliyun/tablestore-recovery-journal';
import type { RecoveryReport } from '../../lib/core/failed-push-recovery';
import { recoverFailedPushes } from '../../lib/core/failed-push-recovery';
import { DingTalkApi } from '../../lib/dingtalk/open-api';
import { loadRecoveryConfig, loadTablestoreSettings } from '../../lib/startup/config';

const config = loadRecoveryConfig(process.env);
const api = new DingTalkApi({ ...config.api, timeoutMs: 10_000 });
const tablestore = tablestoreClientFor(loadTablestoreSettings(process.env), 3_000);
const logger = new Logger({ serviceName: 'dingtalk-callback' });

/** serverless.aliyun.yml's timeout for this function, used when the context does not carry it. */
const TIMEOUT_SECONDS = 120;

/** Timer trigger: drains DingTalk's failed-push list into the events table, journaling each page first. */
export async function handler(_event: Buffer, context?: FcContext): Promise<RecoveryReport> {
  const remainingMs = remainingMsFor(context, Date.now(), TIMEOUT_SECONDS);
  const client = tablestore(context);
  const report = await recoverFailedPushes({
    api,
    store: new TablestoreEventStore(client, config.eventsTable),
    journal: new TablestoreRecoveryJournal(client, config.journalTable, logger),
    logger,
    now: Date.now,
    remainingMs,
  });
  logger.info('failed-push recovery finished', { ...report });
  return report;
}
