import type { RecoveryReport } from '../lib/core/failed-push-recovery';
import { recoverFailedPushes } from '../lib/core/failed-push-recovery';
import type { Logger } from '../lib/core/logger';
import { cliEventStore, cliRecoveryJournal } from './cli-config';
import { DirectoryFallbackPlace } from './fallback-directory';
import { cliDingTalkApi } from './registration';

export interface RecoverOptions {
  /** Where a page goes when the store's journal cannot take it in time. */
  fallbackDir: string;
  /** How long the run may take, like the scheduled function's timeout. */
  timeBudgetMs: number;
  json: boolean;
}

/**
 * `recover`: drains DingTalk's failed-push list into the events table through the same journal as the
 * scheduled functions (rows in the store), with a local directory as the second durable place.
 */
export async function recover(options: RecoverOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const logger: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (message, attributes) => console.error(`${message} ${JSON.stringify(attributes)}`),
    error: (message, attributes) => console.error(`${message} ${JSON.stringify(attributes)}`),
  };
  const api = cliDingTalkApi(env);
  const events = cliEventStore(env);
  const journal = cliRecoveryJournal(env, logger);
  const deadline = Date.now() + options.timeBudgetMs;
  let report: RecoveryReport;
  try {
    report = await recoverFailedPushes({
      api,
      store: events.store,
      journal: journal.store,
      fallback: new DirectoryFallbackPlace(options.fallbackDir),
      logger,
      now: Date.now,
      remainingMs: () => deadline - Date.now(),
    });
  } finally {
    events.close();
    journal.close();
  }
  if (options.json) {
    console.log(JSON.stringify(report));
  } else {
    console.log(
      `recovered ${report.items} failed pushes from ${report.pages} page(s): ` +
        `${report.stored} stored, ${report.duplicates} already stored` +
        (report.replayedPages
          ? ` (${report.replayedPages} journaled page(s) from an earlier run finished)`
          : '') +
        (report.stoppedForTime ? '; stopped for time, run again to continue' : ''),
    );
  }
  return 0;
}
