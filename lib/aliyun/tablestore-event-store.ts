import TableStore from 'tablestore';
import type { Client, Columns } from 'tablestore';
import type { EventQuery, EventStore, PutOutcome, StoredEvent } from '../core/stored-event';
import { storedEventFrom } from '../core/stored-event';
import { newestFirst } from '../core/listing';
import { eventRowColumns } from './tablestore-event-row';
import { allRows, isConditionCheckFailure, rowColumns } from './tablestore-client';

/**
 * Events in Tablestore, one row per eventId (primary key `eventId` STRING). PutRow with
 * EXPECT_NOT_EXIST makes storage idempotent: a second delivery fails the condition and counts as a
 * success. Integers are written as Int64 (`Long`), never as the DOUBLE a plain number would become.
 */
export class TablestoreEventStore implements EventStore {
  constructor(
    private readonly client: Client,
    private readonly tableName: string,
  ) {}

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
      return 'stored';
    } catch (error) {
      if (isConditionCheckFailure(error)) return 'duplicate';
      throw error;
    }
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
      yield toStoredEvent(String(row.primaryKey?.[0]?.value ?? ''), rowColumns(row.attributes));
    }
  }

  async erase(eventId: string): Promise<void> {
    await this.client.deleteRow({
      tableName: this.tableName,
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
      primaryKey: [{ eventId }],
    });
  }

  /**
   * Newest first. Tablestore orders rows by primary key only, so this reads the table range by range
   * and sorts: fine for an operator's CLI over a table of events; a search index would serve large tables.
   */
  async list(query: EventQuery): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    for await (const row of allRows(this.client, this.tableName, 'eventId')) {
      const event = toStoredEvent(String(row.primaryKey?.[0]?.value ?? ''), rowColumns(row.attributes));
      if (query.eventType !== undefined && event.eventType !== query.eventType) continue;
      if (query.since !== undefined && event.receivedAt < query.since) continue;
      if (query.until !== undefined && event.receivedAt > query.until) continue;
      events.push(event);
    }
    return newestFirst(events, (event) => event.receivedAt).slice(0, query.limit);
  }
}

function toStoredEvent(eventId: string, columns: Record<string, unknown>): StoredEvent {
  const event = storedEventFrom({ ...columns, eventId });
  if (!event) throw new Error(`events-table row ${eventId} lacks a required column`);
  return event;
}
