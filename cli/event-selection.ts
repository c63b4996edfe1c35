import { parseArgs } from 'node:util';
import type { EventStore, StoredEvent } from '../lib/core/stored-event';
import { appOf } from '../lib/core/stored-event';

/** Which stored events an operator's command takes: one id, or everything received since an instant. */
export interface EventSelection {
  id?: string;
  since?: string;
  type?: string;
  /** Only this app's events (DINGTALK_APPS id; `default` for the single app). */
  app?: string;
  json: boolean;
}

/**
 * `--id ID | --since ISO [--type T]` (and, where `extra` names them, more flags), shared by `replay` and
 * `reprocess`. A problem comes back as the sentence to print with the usage.
 */
export function parseEventSelection(
  command: string,
  args: string[],
  extra: { parked?: boolean } = {},
): { selection: EventSelection & { parked: boolean } } | { problem: string } {
  const { values } = parseArgs({
    args,
    options: {
      id: { type: 'string' },
      since: { type: 'string' },
      type: { type: 'string' },
      app: { type: 'string' },
      json: { type: 'boolean', default: false },
      ...(extra.parked ? { parked: { type: 'boolean' as const, default: false } } : {}),
    },
  });
  const parked = values.parked === true;
  const chosen = [values.id !== undefined, values.since !== undefined, parked].filter(Boolean).length;
  if (chosen !== 1) {
    return {
      problem: `${command} needs exactly one of --id ID${extra.parked ? ', --since ISO or --parked' : ' or --since ISO'}`,
    };
  }
  if (values.type !== undefined && values.since === undefined) return { problem: '--type goes with --since' };
  if (values.app !== undefined && values.since === undefined) return { problem: '--app goes with --since' };
  const since = values.since === undefined ? undefined : isoInstant(values.since);
  if (since === null) return { problem: '--since must be an ISO-8601 date or instant' };
  return {
    selection: {
      json: values.json === true,
      parked,
      ...(values.id !== undefined ? { id: values.id } : {}),
      ...(since ? { since } : {}),
      ...(values.type !== undefined ? { type: values.type } : {}),
      ...(values.app !== undefined ? { app: values.app } : {}),
    },
  };
}

/** An ISO-8601 date or instant as the instant's canonical text; null when it is not one. */
export function isoInstant(value: string): string | null {
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? null : parsed.toISOString();
}

/** The selected events' ids, oldest first (as they arrived). */
/** Events per page when a selection is walked: what one page of a replay or reprocess holds in memory. */
export const SELECTION_PAGE = 500;

/**
 * The selected events' ids, page by page, newest page first (each page oldest first): a selection of a
 * million events never sits in memory whole. With `app`, only that app's events (DINGTALK_APPS).
 */
export async function* selectedEventIdPages(
  selection: EventSelection,
  events: Pick<EventStore, 'list'>,
  pageSize = SELECTION_PAGE,
): AsyncGenerator<string[]> {
  if (selection.id !== undefined) {
    yield [selection.id];
    return;
  }
  for await (const page of eventPages(events, selection, pageSize)) {
    const chosen =
      selection.app === undefined ? page : page.filter((event) => appOf(event) === selection.app);
    if (chosen.length > 0) yield chosen.map((event) => event.eventId).reverse();
  }
}

/**
 * Stored events newest first, a page at a time: pages step back by `until`, the oldest time of the page
 * before; events of that same instant already taken are passed by.
 */
export async function* eventPages(
  events: Pick<EventStore, 'list'>,
  query: { since?: string; type?: string },
  pageSize = SELECTION_PAGE,
): AsyncGenerator<StoredEvent[]> {
  let until: string | undefined;
  let takenAtUntil = new Set<string>();
  for (;;) {
    const page = await events.list({
      limit: pageSize,
      ...(query.since === undefined ? {} : { since: query.since }),
      ...(until === undefined ? {} : { until }),
      ...(query.type ? { eventType: query.type } : {}),
    });
    const fresh = page.filter((event) => !(event.receivedAt === until && takenAtUntil.has(event.eventId)));
    if (fresh.length > 0) yield fresh;
    if (page.length < pageSize) return;
    const oldest = page[page.length - 1]!.receivedAt;
    if (oldest === until && fresh.length === 0) {
      throw new Error(`more than ${pageSize} events were received at ${oldest}: select a narrower --type`);
    }
    takenAtUntil = new Set([
      ...(oldest === until ? takenAtUntil : []),
      ...page.filter((e) => e.receivedAt === oldest).map((e) => e.eventId),
    ]);
    until = oldest;
  }
}
