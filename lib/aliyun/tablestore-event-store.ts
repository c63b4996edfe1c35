import TableStore from 'tablestore';
import type { Client, Columns } from 'tablestore';
import type { EventQuery, EventStore, PutOutcome, StoredEvent } from '../core/stored-event';
import { storedEventFrom } from '../core/stored-event';
import { eventRowColumns } from './tablestore-event-row';
import { allRows, isConditionCheckFailure, rowColumns } from './tablestore-client';
import { isEntryKey, TablestoreEntries } from './tablestore-entries';

/**
 * The events' listing entries (tablestore-entries.ts), newest first by a BACKWARD range:
 *   `~time|<receivedAt>|<eventId>`              every event;
 *   `~type|<eventType>|<receivedAt>|<eventId>`  by type.
 * Written by `put` (the CLI, recovery, Stream Mode) and by the table-change consumer for the rows the
 * callback writes (`index`; the callback's own PutRow stays one write). The consumer passes these rows
 * by (tablestore-trigger.ts). An event whose entries are not written yet (the consumer behind) is not
 * listed yet.
 */
const TIME = '~time|';
const TYPE = '~type|';
const INDEXED_MARKER = '~indexed|v1';

function entriesOf(event: StoredEvent): string[] {
  return [
    `${TIME}${event.receivedAt}|${event.eventId}`,
    `${TYPE}${event.eventType}|${event.receivedAt}|${event.eventId}`,
  ];
}

/**
 * Events in Tablestore, one row per eventId (primary key `eventId` STRING). PutRow with
 * EXPECT_NOT_EXIST makes storage idempotent: a second delivery fails the condition and counts as a
 * success. Integers are written as Int64 (`Long`), never as the DOUBLE a plain number would become.
 */
export class TablestoreEventStore implements EventStore {
  private readonly entries: TablestoreEntries<StoredEvent>;

  constructor(
    private readonly client: Client,
    private readonly tableName: string,
    now: () => number = Date.now,
  ) {
    this.entries = new TablestoreEntries(client, tableName, { entriesOf, recordFrom: toStoredEvent }, now);
  }

  /** Writes the event's listing entries (idempotent): the consumer's step for callback-written rows. */
  async index(event: StoredEvent): Promise<void> {
    await this.entries.put(entriesOf(event).map((key) => ({ key, record: event.eventId })));
  }

  async put(event: StoredEvent): Promise<PutOutcome> {
    const { eventId } = event;
    const columns: Columns = eventRowColumns(event).map(([name, value]) => ({
      [name]: typeof value === 'number' ? TableStore.Long.fromNumber(value) : value,
    }));
    try {
      await this.client.putRow({
        tableName: this.tableName,
        condition: new TableStore.Condition(TableStore.RowExistenceExpectation.EXPECT_NOT_EXIST, null),
        primaryKey: [{ eventId }],
        attributeColumns: columns,
        returnContent: { returnType: TableStore.ReturnType.NONE },
      });
    } catch (error) {
      if (isConditionCheckFailure(error)) return 'duplicate';
      throw error;
    }
    // After the row: an event is never listed before it is stored (the consumer writes them too).
    await this.index(event);
    return 'stored';
  }

  async get(eventId: string): Promise<StoredEvent | undefined> {
    const { row } = await this.client.getRow({
      tableName: this.tableName,
      primaryKey: [{ eventId }],
      maxVersions: 1,
    });
    if (!row.primaryKey || row.primaryKey.length === 0) return undefined;
    return toStoredEvent(eventId, rowColumns(row.attributes));
  }

  /** Every stored event, by a read of the whole table (purge: a rare operator action). */
  async *all(): AsyncGenerator<StoredEvent> {
    for await (const row of allRows(this.client, this.tableName, 'eventId')) {
      const eventId = String(row.primaryKey?.[0]?.value ?? '');
      if (isEntryKey(eventId) || eventId === INDEXED_MARKER) continue;
      yield toStoredEvent(eventId, rowColumns(row.attributes));
    }
  }

  async erase(eventId: string): Promise<void> {
    const event = await this.get(eventId);
    if (event) await this.entries.remove(entriesOf(event));
    await this.client.deleteRow({
      tableName: this.tableName,
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
      primaryKey: [{ eventId }],
    });
  }

  /** Newest first, by the listing entries: reads about `limit` entries and their events. */
  async list(query: EventQuery): Promise<StoredEvent[]> {
    await this.entries.ensureIndexed(INDEXED_MARKER);
    const prefix = query.eventType === undefined ? TIME : `${TYPE}${query.eventType}|`;
    // BACKWARD from just past the newest wanted key (`until` inclusive) down to `since` (inclusive).
    const start = query.until === undefined ? `${prefix}~` : `${prefix}${query.until}|~`;
    const end = query.since === undefined ? prefix : `${prefix}${query.since}`;
    const events: StoredEvent[] = [];
    const found = this.entries.records(start, end, 'backward', () => query.limit - events.length);
    for await (const event of found) {
      events.push(event);
      if (events.length === query.limit) break;
    }
    return events;
  }
}

function toStoredEvent(eventId: string, columns: Record<string, unknown>): StoredEvent {
  const event = storedEventFrom({ ...columns, eventId });
  if (!event) throw new Error(`events-table row ${eventId} lacks a required column`);
  return event;
}
