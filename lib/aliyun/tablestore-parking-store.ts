import TableStore from 'tablestore';
import type { Client } from 'tablestore';
import { newestFirst } from '../core/listing';
import type { ParkedRecord, ParkingStore } from '../core/table-change-batch';
import { allRows, rowColumns } from './tablestore-client';

/**
 * Parked stream records, one row per eventId (latest reason wins), in a table of its own: writing
 * them back to the events table would fire the trigger again.
 */
export class TablestoreParkingStore implements ParkingStore {
  constructor(
    private readonly client: Client,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async park(entry: {
    eventId: string;
    eventType: string;
    reason: string;
    record: string;
    attempts: number;
  }) {
    await this.client.putRow({
      tableName: this.tableName,
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
      primaryKey: [{ eventId: entry.eventId }],
      attributeColumns: [
        { eventType: entry.eventType },
        { reason: entry.reason.slice(0, 2000) },
        // The event itself stays in the events table; the record is kept for diagnosis, bounded.
        { record: entry.record.slice(0, 100_000) },
        { attempts: TableStore.Long.fromNumber(entry.attempts) },
        { parkedAt: new Date(this.now()).toISOString() },
      ],
    });
  }

  async list(limit: number): Promise<ParkedRecord[]> {
    const found: ParkedRecord[] = [];
    for await (const row of allRows(this.client, this.tableName, 'eventId')) {
      const columns = rowColumns(row.attributes);
      found.push({
        eventId: String(row.primaryKey?.[0]?.value ?? ''),
        eventType: String(columns.eventType ?? ''),
        reason: String(columns.reason ?? ''),
        attempts: Number(columns.attempts ?? 0),
        parkedAt: String(columns.parkedAt ?? ''),
      });
    }
    return newestFirst(found, (record) => record.parkedAt).slice(0, limit);
  }

  async remove(eventId: string): Promise<void> {
    await this.client.deleteRow({
      tableName: this.tableName,
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
      primaryKey: [{ eventId }],
    });
  }
}
