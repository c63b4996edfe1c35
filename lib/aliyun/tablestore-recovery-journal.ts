import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import TableStore from 'tablestore';
import type { Client } from 'tablestore';
import type { AskingState } from '../core/failed-list-asking';
import { ASKING_ROW, askingStateOf, FAILURE_NOTE_ROW } from '../core/failed-list-asking';
import type { JournalPage, RecoveryJournal } from '../core/failed-push-recovery';
import type { JournalRow } from '../core/journal-pages';
import { journalRows, newPageId, pagesFromRows } from '../core/journal-pages';
import type { Logger } from '../core/logger';
import { allRows, isConditionCheckFailure, rowColumns } from './tablestore-client';

/** The reading lease's row (no `page` column: `pending` passes it by). */
const LEASE_ROW = 'lease';

/** Well below Tablestore's 2 MB limit for one column value. */
const MAX_PART_BYTES = 1_500_000;

/**
 * The failed-push recovery journal in a Tablestore table of its own (`rowId` STRING key): not the
 * events table, whose trigger would take journal rows for events. Parts of one page are written one
 * row at a time (Tablestore has no multi-row transaction here); a page missing a part is reported and
 * never replayed half. A page of 200 items compresses far below one part.
 */
export class TablestoreRecoveryJournal implements RecoveryJournal {
  constructor(
    private readonly client: Client,
    private readonly tableName: string,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async probe(): Promise<void> {
    const rowId = `probe#${randomUUID()}`;
    await this.put({ rowId, columns: [{ probe: true }] });
    await this.delete(rowId);
  }

  async save(raw: string): Promise<JournalPage> {
    const id = newPageId(raw, this.now());
    const rows = journalRows(id, raw, this.now(), MAX_PART_BYTES);
    for (const row of rows) {
      await this.put({
        rowId: row.rowId,
        columns: [
          { page: row.page },
          { part: TableStore.Long.fromNumber(row.part) },
          { parts: TableStore.Long.fromNumber(row.parts) },
          { savedAt: row.savedAt },
          { body: row.body },
        ],
      });
    }
    return { id, raw, rowIds: rows.map((row) => row.rowId) };
  }

  async pending(): Promise<JournalPage[]> {
    const rows: JournalRow[] = [];
    for await (const row of allRows(this.client, this.tableName, 'rowId')) {
      const columns = rowColumns(row.attributes) as Record<string, unknown>;
      if (typeof columns.page !== 'string') continue;
      rows.push({
        rowId: String(row.primaryKey?.[0]?.value ?? ''),
        page: columns.page,
        part: Number(columns.part),
        parts: Number(columns.parts),
        savedAt: String(columns.savedAt),
        body: Buffer.from(columns.body as unknown as Uint8Array),
      });
    }
    const { pages, incomplete } = pagesFromRows(rows);
    if (incomplete.length > 0) this.logger.warn('journal holds incomplete pages', { pages: incomplete });
    return pages;
  }

  async setAside(raw: string, reason: string): Promise<void> {
    // No `page` column: `pending` passes set-aside rows by.
    await this.put({
      rowId: `aside#${newPageId(raw, this.now())}`,
      columns: [{ aside: gzipSync(raw) }, { reason }, { savedAt: new Date(this.now()).toISOString() }],
    });
  }

  async lease(holder: string, untilMs: number): Promise<boolean> {
    // Absent, expired, or already ours: a missing `expiresAt` passes the first test.
    const free = new TableStore.CompositeCondition(TableStore.LogicalOperator.OR);
    free.addSubCondition(
      new TableStore.SingleColumnCondition(
        'expiresAt',
        TableStore.Long.fromNumber(this.now()),
        TableStore.ComparatorType.LESS_THAN,
        true,
      ),
    );
    free.addSubCondition(
      new TableStore.SingleColumnCondition('holder', holder, TableStore.ComparatorType.EQUAL, false),
    );
    try {
      await this.client.putRow({
        tableName: this.tableName,
        condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, free),
        primaryKey: [{ rowId: LEASE_ROW }],
        attributeColumns: [{ holder }, { expiresAt: TableStore.Long.fromNumber(untilMs) }],
      });
      return true;
    } catch (error) {
      if (isConditionCheckFailure(error)) return false;
      throw error;
    }
  }

  async release(holder: string): Promise<void> {
    try {
      await this.client.deleteRow({
        tableName: this.tableName,
        condition: new TableStore.Condition(
          TableStore.RowExistenceExpectation.EXPECT_EXIST,
          new TableStore.SingleColumnCondition('holder', holder, TableStore.ComparatorType.EQUAL, false),
        ),
        primaryKey: [{ rowId: LEASE_ROW }],
      });
    } catch (error) {
      if (!isConditionCheckFailure(error)) throw error;
    }
  }

  async askingState(): Promise<AskingState> {
    const read = async (rowId: string) => {
      const { row } = await this.client.getRow({
        tableName: this.tableName,
        primaryKey: [{ rowId }],
        maxVersions: 1,
      });
      return row.primaryKey && row.primaryKey.length > 0 ? rowColumns(row.attributes) : undefined;
    };
    const [asking, note] = await Promise.all([read(ASKING_ROW), read(FAILURE_NOTE_ROW)]);
    return askingStateOf(asking, note);
  }

  async recordAsking(state: Omit<AskingState, 'lastFailureAt'>): Promise<void> {
    const columns: Array<Record<string, unknown>> = [];
    for (const [name, value] of Object.entries(state)) {
      if (value === undefined) continue;
      columns.push({ [name]: typeof value === 'number' ? TableStore.Long.fromNumber(value) : value });
    }
    await this.put({ rowId: ASKING_ROW, columns });
  }

  async done(page: JournalPage): Promise<void> {
    for (const rowId of page.rowIds) await this.delete(rowId);
  }

  private async put(row: { rowId: string; columns: Array<Record<string, unknown>> }): Promise<void> {
    await this.client.putRow({
      tableName: this.tableName,
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
      primaryKey: [{ rowId: row.rowId }],
      attributeColumns: row.columns as never,
    });
  }

  private async delete(rowId: string): Promise<void> {
    await this.client.deleteRow({
      tableName: this.tableName,
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
      primaryKey: [{ rowId }],
    });
  }
}
