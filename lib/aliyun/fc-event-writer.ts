import type { Client } from 'tablestore';
import type { EventWriter } from '../core/stored-event';
import { loadEventsTable, loadTablestoreSettings } from '../startup/config';
import type { FcContext } from './fc-context';
import { tablestoreClientFor } from './fc-context';
import { TablestoreEventStore } from './tablestore-event-store';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The Alibaba callback's writer for one invocation. The store is configured on first use, not at load:
 * a check_url needs none, and a store that cannot be built (configuration, credentials) fails the put,
 * which the ingest answers with 503 so DingTalk retries. The client follows the invocation's rotating
 * STS credentials (fc-context.ts).
 */
export function eventWriterForInvocation(env: Env, timeoutMs: number): (context?: FcContext) => EventWriter {
  let settings: { eventsTable: string; tablestore: (context: FcContext | undefined) => Client } | undefined;
  let current: { client: Client; store: TablestoreEventStore } | undefined;
  const storeFor = (context: FcContext | undefined) => {
    settings ??= {
      eventsTable: loadEventsTable(env),
      tablestore: tablestoreClientFor(loadTablestoreSettings(env), timeoutMs),
    };
    const client = settings.tablestore(context);
    if (current?.client !== client)
      current = { client, store: new TablestoreEventStore(client, settings.eventsTable) };
    return current.store;
  };
  return (context) => ({ put: (event) => storeFor(context).put(event) });
}
