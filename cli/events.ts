import { storedEventToJson } from '../lib/event-json';
import type { StoredEvent } from '../lib/event-store';
import { cliEventStore } from './cli-config';

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
      printTable(found);
    }
    return 0;
  } finally {
    close();
  }
}

function printTable(found: StoredEvent[]): void {
  if (found.length === 0) {
    console.log('no events');
    return;
  }
  const rows = [
    ['RECEIVED AT', 'EVENT TYPE', 'EVENT ID', 'OWNER KEY'],
    ...found.map((event) => [event.receivedAt, event.eventType, event.eventId, event.ownerKey]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows)
    console.log(
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    );
}
