import type { StoredEvent } from '../core/stored-event';

/**
 * An event's row in the events table (primary key `eventId`): every present field as a column, plus
 * `receivedMonth` (yyyy-mm) for range listings. Integers (epoch ms) are written as Int64.
 */
export function eventRowColumns(event: StoredEvent): Array<[string, string | number]> {
  const { eventId: _eventId, ...rest } = event;
  const columns: Array<[string, string | number]> = [];
  for (const [name, value] of Object.entries({ ...rest, receivedMonth: event.receivedAt.slice(0, 7) })) {
    if (value !== undefined) columns.push([name, value]);
  }
  return columns;
}
