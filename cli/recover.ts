import type { RecoveryReport } from '../lib/core/failed-push-recovery';
import { recoverFailedPushes } from '../lib/core/failed-push-recovery';
import { cliEventStore } from './cli-config';
import { FileRecoveryJournal } from './recovery-journal';
import { cliDingTalkApi } from './registration';

export interface RecoverOptions {
  journal: string;
  json: boolean;
}

/** `recover`: drains DingTalk's failed-push list into the events table, journaling each page first. */
export async function recover(options: RecoverOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const api = cliDingTalkApi(env);
  const { store, close } = cliEventStore(env);
  let report: RecoveryReport;
  try {
    report = await recoverFailedPushes({
      api,
      store,
      now: Date.now,
      journal: new FileRecoveryJournal(options.journal),
      logger: {
        debug: () => undefined,
        info: () => undefined,
        warn: (message, attributes) => console.error(`${message} ${JSON.stringify(attributes)}`),
        error: (message, attributes) => console.error(`${message} ${JSON.stringify(attributes)}`),
      },
    });
  } finally {
    close();
  }
  if (options.json) {
    console.log(JSON.stringify(report));
  } else {
    console.log(
      `recovered ${report.items} failed pushes from ${report.pages} page(s): ` +
        `${report.stored} stored, ${report.duplicates} already stored` +
        (report.replayedPages
          ? ` (${report.replayedPages} journaled page(s) from an earlier run finished)`
          : ''),
    );
  }
  return 0;
}
