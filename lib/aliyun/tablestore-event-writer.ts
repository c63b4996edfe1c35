import type { EventWriter, PutOutcome, StoredEvent } from '../core/stored-event';
import { eventRowColumns } from './tablestore-event-row';
import type { TablestorePutRow } from './tablestore-put-row';

/**
 * The Alibaba callback's event writer: a conditional PutRow (EXPECT_NOT_EXIST) through the project's own
 * signed PutRow (tablestore-put-row.ts), so the callback bundle carries no `tablestore` SDK. A row that
 * exists is a duplicate, which is a success.
 */
export class TablestoreEventWriter implements EventWriter {
  constructor(
    private readonly putRow: TablestorePutRow,
    private readonly tableName: string,
  ) {}

  async put(event: StoredEvent): Promise<PutOutcome> {
    const outcome = await this.putRow.putIfAbsent({
      table: this.tableName,
      primaryKey: ['eventId', event.eventId],
      columns: eventRowColumns(event),
    });
    return outcome === 'exists' ? 'duplicate' : 'stored';
  }
}
