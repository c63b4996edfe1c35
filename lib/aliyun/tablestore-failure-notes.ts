import type { FailureNotes } from '../core/failed-list-asking';
import { FAILURE_NOTE_ROW } from '../core/failed-list-asking';
import type { TablestorePutRow } from './tablestore-put-row';

/**
 * The Alibaba callback's note of its own failure: one row of the recovery journal table, written with the
 * callback's own PutRow (no SDK in its bundle). Unconditional, so the last writer's time stays; two
 * instances failing seconds apart may leave the earlier time, which moves the follow-up look by as much.
 */
export class TablestoreFailureNotes implements FailureNotes {
  constructor(
    private readonly putRow: TablestorePutRow,
    private readonly journalTable: string,
  ) {}

  async note(atMs: number): Promise<void> {
    await this.putRow.put({
      table: this.journalTable,
      primaryKey: ['rowId', FAILURE_NOTE_ROW],
      columns: [['at', atMs]],
    });
  }
}
