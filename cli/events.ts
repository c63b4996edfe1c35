import { storedEventToJson } from '../lib/core/stored-event';
import type { StoredEvent } from '../lib/core/stored-event';
import { cliEventStore } from './cli-config';
import { printTable } from './text-table';

export interface EventsOptions {
  type?: string;
  since?: string;
  limit: number;
  json: boolean;
}

/** Lists stored events, newest first: a table, or one JSON object per line with --json. */
export async function events(options: EventsOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const { store, close } = cliEventStore(env);
  try {
    const found = await store.list({
      limit: options.limit,
      ...(options.type ? { eventType: options.type } : {}),
      ...(options.since ? { since: options.since } : {}),
    });
    if (options.json) {
      for (const event of found) console.log(storedEventToJson(event));
    } else {
      printEvents(found);
    }
    return 0;
  } finally {
    close();
  }
}

function printEvents(found: StoredEvent[]): void {
  printTable(
    [
      ['RECEIVED AT', 'EVENT TYPE', 'EVENT ID', 'OWNER KEY'],
      ...found.map((event) => [event.receivedAt, event.eventType, event.eventId, event.ownerKey]),
    ],
    'no events',
  );
}
