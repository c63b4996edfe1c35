import { parseArgs } from 'node:util';
import type { EventStore } from '../lib/core/stored-event';

/** Which stored events an operator's command takes: one id, or everything received since an instant. */
export interface EventSelection {
  id?: string;
  since?: string;
  type?: string;
  json: boolean;
}

/** `replay --since` and `reprocess --since` take at most this many events in one run. */
const SELECTION_LIMIT = 1_000_000;

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
  const since = values.since === undefined ? undefined : isoInstant(values.since);
  if (since === null) return { problem: '--since must be an ISO-8601 date or instant' };
  return {
    selection: {
      json: values.json === true,
      parked,
      ...(values.id !== undefined ? { id: values.id } : {}),
      ...(since ? { since } : {}),
      ...(values.type !== undefined ? { type: values.type } : {}),
    },
  };
}

/** An ISO-8601 date or instant as the instant's canonical text; null when it is not one. */
export function isoInstant(value: string): string | null {
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? null : parsed.toISOString();
}

/** The selected events' ids, oldest first (as they arrived). */
export async function selectedEventIds(
  selection: EventSelection,
  events: Pick<EventStore, 'list'>,
): Promise<string[]> {
  if (selection.id !== undefined) return [selection.id];
  const found = await events.list({
    since: selection.since!,
    limit: SELECTION_LIMIT,
    ...(selection.type ? { eventType: selection.type } : {}),
  });
  return found.map((event) => event.eventId).reverse();
}
