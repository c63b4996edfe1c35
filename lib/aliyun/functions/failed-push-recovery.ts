import type { RecoveryReport } from '../../core/failed-push-recovery';
import { recoverFailedPushes } from '../../core/failed-push-recovery';
import { DingTalkApi } from '../../dingtalk/open-api';
import { createLogger } from '../../startup/logger';
import type { Env } from '../../startup/settings';
import { loadAliyunRecoverySettings } from '../aliyun-settings';
import type { FcContext } from '../fc-context';
import { remainingMsFor } from '../fc-context';
import { TablestoreEventStore } from '../tablestore-event-store';
import { TablestoreRecoveryJournal } from '../tablestore-recovery-journal';
import { perTablestoreClient } from './parts';

/** serverless.aliyun.yml's timeout for this function, used when the context does not carry it. */
const TIMEOUT_SECONDS = 120;

/** The timer-triggered failed-push recovery: DingTalk's failed list into the events table, journaled first. */
export function aliyunFailedPushRecovery(env: Env): (context?: FcContext) => Promise<RecoveryReport> {
  const settings = loadAliyunRecoverySettings(env);
  const logger = createLogger();
  const api = new DingTalkApi({ ...settings.api, timeoutMs: 10_000 });
  const assemble = perTablestoreClient(settings.tablestore, (client) => ({
    store: new TablestoreEventStore(client, settings.eventsTable),
    journal: new TablestoreRecoveryJournal(client, settings.journalTable, logger),
  }));
  return async (context) => {
    const remainingMs = remainingMsFor(context, Date.now(), TIMEOUT_SECONDS);
    const report = await recoverFailedPushes({
      api,
      ...assemble(context),
      logger,
      now: Date.now,
      remainingMs,
      asking: settings.asking,
    });
    logger.info('failed-push recovery finished', { ...report });
    return report;
  };
}
