import TableStore from 'tablestore';
import type { Client, Row } from 'tablestore';
import { allRows, rowColumns } from './tablestore-client';

/**
 * Index entries kept in a Tablestore table beside its records (one STRING primary key), for the orders
 * Tablestore cannot read by itself (it orders rows by primary key only). An entry is a row whose key
 * starts with `~` — no event id does: they are DingTalk's ids, `sha256:` digests and approval
 * transitions, processInstanceIds — and holds the record's key (`record`) and when it was written. A global secondary index would
 * need, with a table time to live, `allow_update = false` and predefined columns the SDK cannot add to
 * an existing table; entries need neither, and expire with the table's time to live like the records.
 *
 * Writers put a record's new entries before the record and remove old ones after, so a record always
 * has its entries; readers check each entry against its record, skip one that no longer matches (a
 * writer between the two steps, or one that died there) and remove it once it is older than any write
 * takes.
 */
export const ENTRY_PREFIX = '~';
const STALE_ENTRY_MS = 5 * 60_000;
const PAGE = 100;

export interface EntryRules<T> {
  /** The entries a record has in its current state. */
  entriesOf(record: T): string[];
  recordFrom(key: string, columns: Record<string, unknown>): T;
}

export function isEntryKey(key: string): boolean {
  return key.startsWith(ENTRY_PREFIX);
}

export class TablestoreEntries<T> {
  private indexed = false;

  constructor(
    private readonly client: Client,
    private readonly tableName: string,
    private readonly rules: EntryRules<T>,
    private readonly now: () => number = Date.now,
    /** The table's primary key column. */
    private readonly pk: string = 'eventId',
  ) {}

  private key(value: string): Array<Record<string, string>> {
    return [{ [this.pk]: value }];
  }

  async put(entries: ReadonlyArray<{ key: string; record: string }>): Promise<void> {
    const writtenAt = TableStore.Long.fromNumber(this.now());
    await this.batchWrite(
      entries.map(({ key, record }) => ({
        type: 'PUT',
        condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
        primaryKey: this.key(key),
        attributeColumns: [{ record }, { writtenAt }],
      })),
    );
  }

  async remove(keys: readonly string[]): Promise<void> {
    await this.batchWrite(
      keys.map((key) => ({
        type: 'DELETE',
        condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
        primaryKey: this.key(key),
      })),
    );
  }

  /** After a lost race: the entries a writer added that the record (as it now is) does not have. */
  async removeAllBut(written: readonly string[], record: T | undefined): Promise<void> {
    const kept = record ? this.rules.entriesOf(record) : [];
    await this.remove(written.filter((key) => !kept.includes(key)));
  }

  /**
   * The records a range of entries names, in the range's order (FORWARD: start ≤ key < end; BACKWARD:
   * end < key ≤ start), each checked against its entry. Pages ask for what is still `wanted`.
   */
  async *records(
    start: string,
    end: string,
    direction: 'forward' | 'backward',
    wanted: () => number,
  ): AsyncGenerator<T> {
    for await (const page of this.entryPages(start, end, direction, wanted)) {
      const records = await this.getMany(page.map((entry) => entry.record));
      const stale: string[] = [];
      for (const entry of page) {
        const record = records.get(entry.record);
        if (record && this.rules.entriesOf(record).includes(entry.key)) {
          yield record;
          continue;
        }
        if (this.now() - entry.writtenAt > STALE_ENTRY_MS) stale.push(entry.key);
      }
      await this.remove(stale);
    }
  }

  /**
   * Records stored before their entries existed (an older version's table) get them once: a full read,
   * after which a marker row says it is done. Once per table, and once per process to look.
   */
  async ensureIndexed(marker: string): Promise<void> {
    if (this.indexed) return;
    const { row } = await this.client.getRow({
      tableName: this.tableName,
      primaryKey: this.key(marker),
      maxVersions: 1,
    });
    if (!row.primaryKey || row.primaryKey.length === 0) {
      let batch: Array<{ key: string; record: string }> = [];
      for await (const stored of allRows(this.client, this.tableName, this.pk)) {
        const id = String(stored.primaryKey?.[0]?.value ?? '');
        if (isEntryKey(id)) continue;
        let record: T;
        try {
          record = this.rules.recordFrom(id, rowColumns(stored.attributes));
        } catch {
          continue; // a row that is no record (malformed): nothing to list it by
        }
        batch.push(...this.rules.entriesOf(record).map((key) => ({ key, record: id })));
        if (batch.length >= 200) {
          await this.put(batch);
          batch = [];
        }
      }
      await this.put(batch);
      await this.client.putRow({
        tableName: this.tableName,
        condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
        primaryKey: this.key(marker),
        attributeColumns: [{ writtenAt: TableStore.Long.fromNumber(this.now()) }],
      });
    }
    this.indexed = true;
  }

  private async *entryPages(
    start: string,
    end: string,
    direction: 'forward' | 'backward',
    wanted: () => number,
  ): AsyncGenerator<Array<{ key: string; record: string; writtenAt: number }>> {
    let from: string = start;
    for (;;) {
      const page = await this.client.getRange({
        tableName: this.tableName,
        direction: direction === 'forward' ? TableStore.Direction.FORWARD : TableStore.Direction.BACKWARD,
        inclusiveStartPrimaryKey: this.key(from),
        exclusiveEndPrimaryKey: this.key(end),
        // Pages as large as what is still wanted: a listing of 20 reads about 20 entries.
        limit: Math.max(1, Math.min(PAGE, wanted())),
        maxVersions: 1,
      });
      const entries = page.rows.map((row: Row) => {
        const columns = rowColumns(row.attributes);
        return {
          key: String(row.primaryKey?.[0]?.value ?? ''),
          record: String(columns.record ?? ''),
          writtenAt: Number(columns.writtenAt ?? 0),
        };
      });
      if (entries.length > 0) yield entries;
      const next = page.nextStartPrimaryKey?.[0]?.value;
      if (typeof next !== 'string') return;
      from = next;
    }
  }

  private async getMany(keys: readonly string[]): Promise<Map<string, T>> {
    const found = new Map<string, T>();
    if (keys.length === 0) return found;
    const answer = await this.client.batchGetRow({
      tables: [
        {
          tableName: this.tableName,
          primaryKey: [...new Set(keys)].map((key) => this.key(key)),
          maxVersions: 1,
        },
      ],
    });
    for (const row of answer.tables.flat()) {
      if (!row.isOk) throw new Error(`BatchGetRow: ${row.errorCode ?? 'error'} ${row.errorMessage ?? ''}`);
      const key = row.primaryKey?.[0]?.value;
      if (typeof key !== 'string') continue;
      found.set(key, this.rules.recordFrom(key, rowColumns(row.attributes ?? [])));
    }
    return found;
  }

  private async batchWrite(rows: ReadonlyArray<Record<string, unknown>>): Promise<void> {
    for (let at = 0; at < rows.length; at += 200) {
      const answer = await this.client.batchWriteRow({
        tables: [{ tableName: this.tableName, rows: rows.slice(at, at + 200) }],
      });
      const refused = answer.tables.find((row) => !row.isOk);
      if (refused)
        throw new Error(`BatchWriteRow: ${refused.errorCode ?? 'error'} ${refused.errorMessage ?? ''}`);
    }
  }
}
