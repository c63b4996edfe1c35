import type { EventWriter, PutOutcome, StoredEvent } from '../core/stored-event';
import { loadEventsTable, loadTablestoreSettings } from '../startup/config';
import type { FcContext } from './fc-context';
import { perCredentials } from './fc-context';
import { eventRowColumns } from './tablestore-event-row';
import type { TablestorePutRowOptions } from './tablestore-put-row';
import { TablestorePutRow } from './tablestore-put-row';

type Env = Readonly<Record<string, string | undefined>>;

/** Limits of one event write from the Alibaba callback: per attempt, and for the whole write. */
export type WriteLimits = Pick<TablestorePutRowOptions, 'attemptTimeoutMs' | 'deadlineMs'>;

/**
 * The Alibaba callback's writer for one invocation: a conditional PutRow (EXPECT_NOT_EXIST) through
 * the project's own signed PutRow (tablestore-put-row.ts), so the callback bundle carries no
 * `tablestore` SDK. The store is configured on first use, not at load: a check_url needs none, and a
 * store that cannot be built (configuration, credentials) fails the put, which the ingest answers with
 * 503 so DingTalk retries. The client follows the invocation's rotating STS credentials (fc-context.ts).
 */
export function eventWriterForInvocation(
  env: Env,
  limits: WriteLimits,
): (context?: FcContext) => EventWriter {
  let settings:
    { eventsTable: string; putRow: (context: FcContext | undefined) => TablestorePutRow } | undefined;
  const putFor = (context: FcContext | undefined) => {
    settings ??= (() => {
      const tablestore = loadTablestoreSettings(env);
      return {
        eventsTable: loadEventsTable(env),
        putRow: perCredentials(
          tablestore,
          (credentials) =>
            new TablestorePutRow({
              endpoint: tablestore.endpoint,
              instance: tablestore.instance,
              credentials,
              ...limits,
            }),
        ),
      };
    })();
    return { table: settings.eventsTable, client: settings.putRow(context) };
  };
  return (context) => ({
    put: async (event: StoredEvent): Promise<PutOutcome> => {
      const { table, client } = putFor(context);
      const outcome = await client.putIfAbsent({
        table,
        primaryKey: ['eventId', event.eventId],
        columns: eventRowColumns(event),
      });
      return outcome === 'exists' ? 'duplicate' : 'stored';
    },
  });
}
