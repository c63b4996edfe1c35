import { AsyncLocalStorage } from 'node:async_hooks';
import { BadRequestError } from '../../dingtalk/callback-errors';
import type { CallbackRequest, CallbackResponse } from '../../core/ingest';
import { createIngest, errorResponse } from '../../core/ingest';
import type { EventWriter } from '../../core/stored-event';
import { DingTalkApps } from '../../dingtalk/apps';
import { createLogger } from '../../startup/logger';
import type { Env } from '../../startup/settings';
import { loadAliyunCallbackSettings, loadAliyunEventTableSettings } from '../aliyun-settings';
import type { FcContext } from '../fc-context';
import { perCredentials } from '../fc-context';
import type { FailureNotes } from '../../core/failed-list-asking';
import { OwnFailureMemory } from '../../core/failed-list-asking';
import { TablestoreEventWriter } from '../tablestore-event-writer';
import { TablestoreFailureNotes } from '../tablestore-failure-notes';
import { TablestorePutRow } from '../tablestore-put-row';

/**
 * Each PutRow attempt gets 400 ms, the whole write 1000 ms: one retry after a timeout, a reset
 * connection or a busy answer fits, and an unreachable store still becomes a 503 inside DingTalk's
 * 1500 ms, so DingTalk retries the push.
 */
const WRITE_LIMITS = { attemptTimeoutMs: 400, deadlineMs: 1000 };

/**
 * The Alibaba callback, built once per instance: what answering needs is loaded at once (a configuration
 * error names the variable); the store is configured on first use, since a check_url needs none, and a
 * store that cannot be built (configuration, credentials) fails the put, which the ingest answers with 503
 * so DingTalk retries. The writer follows each invocation's rotating STS credentials, carried to it by
 * AsyncLocalStorage, so concurrent invocations of one instance never share a credential by accident.
 */
export function aliyunCallback(
  env: Env,
): (request: CallbackRequest | undefined, context?: FcContext) => Promise<CallbackResponse> {
  const settings = loadAliyunCallbackSettings(env);
  const logger = createLogger();
  const invocation = new AsyncLocalStorage<FcContext | undefined>();
  let writersFor:
    ((context: FcContext | undefined) => { events: EventWriter; notes?: FailureNotes }) | undefined;
  const writers = () => {
    writersFor ??= (() => {
      const { tablestore, eventsTable } = loadAliyunEventTableSettings(env);
      const { journalTable } = settings;
      return perCredentials(tablestore.credentials, (credentials) => {
        const putRow = new TablestorePutRow({
          endpoint: tablestore.endpoint,
          instance: tablestore.instance,
          credentials,
          ...WRITE_LIMITS,
        });
        return {
          events: new TablestoreEventWriter(putRow, eventsTable),
          ...(journalTable ? { notes: new TablestoreFailureNotes(putRow, journalTable) } : {}),
        };
      });
    })();
    return writersFor(invocation.getStore());
  };
  const store: EventWriter = { put: (event) => writers().events.put(event) };
  const notes: FailureNotes = { note: (atMs) => writers().notes!.note(atMs) };
  const ingest = createIngest({
    apps: DingTalkApps.of(settings.apps),
    store,
    logger,
    now: Date.now,
    maxBodyBytes: settings.maxBodyBytes,
    // Without RECOVERY_JOURNAL_TABLE a note has nowhere to go: the recovery then asks at its baseline only.
    ...(settings.journalTable ? { failures: new OwnFailureMemory(notes, logger) } : {}),
  });
  return async (request, context) => {
    if (!request) return errorResponse(new BadRequestError('not an HTTP event'), logger);
    return invocation.run(context, () => ingest(request));
  };
}
