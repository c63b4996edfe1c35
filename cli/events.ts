import { appOf, storedEventToJson } from '../lib/core/stored-event';
import { eventPages } from './event-selection';
import type { StoredEvent } from '../lib/core/stored-event';
import { cliEventStore } from './cli-config';
import { printTable } from './text-table';

export interface EventsOptions {
  type?: string;
  /** Only this app's events (DINGTALK_APPS id; `default` for the single app). */
  app?: string;
  since?: string;
  limit: number;
  json: boolean;
}

/** Lists stored events, newest first: a table, or one JSON object per line with --json. */
export async function events(options: EventsOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const { store, close } = cliEventStore(env);
  try {
    const since = options.since ? { since: options.since } : {};
    let found: StoredEvent[] = [];
    if (options.app === undefined) {
      found = await store.list({
        limit: options.limit,
        ...since,
        ...(options.type ? { eventType: options.type } : {}),
      });
    } else {
      // Apps share the table's indexes: read newest first, page by page, until enough are the app's.
      for await (const page of eventPages(store, {
        ...since,
        ...(options.type ? { type: options.type } : {}),
      })) {
        found.push(...page.filter((event) => appOf(event) === options.app));
        if (found.length >= options.limit) break;
      }
      found = found.slice(0, options.limit);
    }
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
      ['RECEIVED AT', 'APP', 'EVENT TYPE', 'EVENT ID', 'OWNER KEY'],
      ...found.map((event) => [
        event.receivedAt,
        appOf(event),
        event.eventType,
        event.eventId,
        event.ownerKey,
      ]),
    ],
    'no events',
  );
}
