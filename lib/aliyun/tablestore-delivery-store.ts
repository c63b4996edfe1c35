import TableStore from 'tablestore';
import type { Client, Columns, Row } from 'tablestore';
import type { Delivery, DeliveryStatus, DeliveryStore } from '../core/forwarding';
import { newestFirst } from '../core/listing';
import { allRows, isConditionCheckFailure, rowColumns } from './tablestore-client';

/**
 * Index entries live in the deliveries table itself, under keys no event id takes (they start with `~`,
 * which sorts after the letters, digits and `sha256:` ids events have):
 *   `~due|<nextAttemptAt>|<eventId>`            one per pending record: what a retry run reads;
 *   `~status|<status>|<receivedAt>|<eventId>`   one per record: what `deliveries --status` reads.
 * Tablestore orders rows by primary key only, and a global secondary index on a table with a time to
 * live needs `allow_update = false` and predefined columns the SDK cannot add to an existing table; these
 * entries need neither, cost a retry run what is due (not what was ever stored) and expire with the
 * table's time to live like the records.
 */
const DUE = '~due|';
const STATUS = '~status|';
/** Written once the entries of records stored before the entries existed have been added. */
const INDEXED_MARKER = '~indexed|v1';
const STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'failed'];
/**
 * An entry that matches no record is a writer's, between writing its entries and its record, or left by
 * a writer that died there. Readers skip it, and remove it once it is older than any write takes.
 */
const STALE_ENTRY_MS = 5 * 60_000;
const PAGE = 100;

/**
 * Delivery records in Tablestore, one row per eventId, written conditionally like the DynamoDB store
 * (EXPECT_NOT_EXIST to create, the `revision` read to update), whole rows by PutRow only (a table time to
 * live then expires a record's cells together). Every write puts a record's new index entries before
 * the record and removes its old ones after, so a pending record always has its due entry: a writer that
 * dies leaves at most an extra entry, never a missing one.
 */
export class TablestoreDeliveryStore implements DeliveryStore {
  private indexed = false;

  constructor(
    private readonly client: Client,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async create(initial: Delivery): Promise<boolean> {
    if (await this.get(initial.eventId)) return false;
    await this.putEntries(entriesOf(initial));
    try {
      await this.client.putRow({
        tableName: this.tableName,
        condition: new TableStore.Condition(TableStore.RowExistenceExpectation.EXPECT_NOT_EXIST, null),
        primaryKey: [{ eventId: initial.eventId }],
        attributeColumns: columnsOf(initial),
      });
      return true;
    } catch (error) {
      if (!isConditionCheckFailure(error)) throw error;
      await this.removeEntriesNotOf(entriesOf(initial), await this.get(initial.eventId));
      return false;
    }
  }

  async update(next: Delivery): Promise<boolean> {
    const current = await this.get(next.eventId);
    if (!current || current.revision !== next.revision - 1) return false;
    const before = entriesOf(current);
    const after = entriesOf(next);
    await this.putEntries(after.filter((key) => !before.includes(key)));
    try {
      await this.client.putRow({
        tableName: this.tableName,
        condition: new TableStore.Condition(
          TableStore.RowExistenceExpectation.EXPECT_EXIST,
          new TableStore.SingleColumnCondition(
            'revision',
            TableStore.Long.fromNumber(next.revision - 1),
            TableStore.ComparatorType.EQUAL,
            false,
          ),
        ),
        primaryKey: [{ eventId: next.eventId }],
        attributeColumns: columnsOf(next),
      });
    } catch (error) {
      if (!isConditionCheckFailure(error)) throw error;
      await this.removeEntriesNotOf(after, await this.get(next.eventId));
      return false;
    }
    await this.removeEntries(before.filter((key) => !after.includes(key)));
    return true;
  }

  async get(eventId: string): Promise<Delivery | undefined> {
    const { row } = await this.client.getRow({
      tableName: this.tableName,
      primaryKey: [{ eventId }],
      maxVersions: 1,
    });
    if (!row.primaryKey || row.primaryKey.length === 0) return undefined;
    return deliveryFrom(eventId, rowColumns(row.attributes));
  }

  /** Deletes the record, then its index entries. */
  async erase(eventId: string): Promise<void> {
    const current = await this.get(eventId);
    if (!current) return;
    await this.client.deleteRow({
      tableName: this.tableName,
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
      primaryKey: [{ eventId }],
    });
    await this.removeEntries(entriesOf(current));
  }

  /** Reads the due entries up to `now` in time order, and the records they name. */
  async due(now: string, limit: number): Promise<Delivery[]> {
    await this.ensureIndexed();
    const due: Delivery[] = [];
    for await (const delivery of this.recordsOfEntries(
      DUE,
      `${DUE}${now}~`,
      'forward',
      () => limit - due.length,
    )) {
      if (delivery.status !== 'pending' || (delivery.nextAttemptAt ?? '') > now) continue;
      due.push(delivery);
      if (due.length === limit) break;
    }
    return due;
  }

  /** Newest received first, by the status entries: reads about what it returns. */
  async list(query: { status?: DeliveryStatus; since?: string; limit: number }): Promise<Delivery[]> {
    await this.ensureIndexed();
    const statuses = query.status === undefined ? STATUSES : [query.status];
    const found: Delivery[] = [];
    for (const status of statuses) {
      const prefix = `${STATUS}${status}|`;
      let ofStatus = 0;
      const entries = this.recordsOfEntries(
        `${prefix}~`,
        `${prefix}${query.since ?? ''}`,
        'backward',
        () => query.limit - ofStatus,
      );
      for await (const delivery of entries) {
        found.push(delivery);
        if (++ofStatus === query.limit) break;
      }
    }
    return newestFirst(found, (delivery) => delivery.receivedAt).slice(0, query.limit);
  }

  /**
   * The records a range of entries names, in the range's order, each checked against its entry: an
   * entry its record no longer matches is skipped, and removed once it is stale.
   */
  private async *recordsOfEntries(
    start: string,
    end: string,
    direction: 'forward' | 'backward',
    wanted: () => number,
  ): AsyncGenerator<Delivery> {
    for await (const page of this.entryPages(start, end, direction, wanted)) {
      const records = await this.getMany(page.map((entry) => entry.eventId));
      const stale: string[] = [];
      for (const entry of page) {
        const record = records.get(entry.eventId);
        if (record && entriesOf(record).includes(entry.key)) {
          yield record;
          continue;
        }
        if (this.now() - entry.writtenAt > STALE_ENTRY_MS) stale.push(entry.key);
      }
      await this.removeEntries(stale);
    }
  }

  private async *entryPages(
    start: string,
    end: string,
    direction: 'forward' | 'backward',
    wanted: () => number,
  ): AsyncGenerator<Array<{ key: string; eventId: string; writtenAt: number }>> {
    let from: string = start;
    for (;;) {
      const page = await this.client.getRange({
        tableName: this.tableName,
        direction: direction === 'forward' ? TableStore.Direction.FORWARD : TableStore.Direction.BACKWARD,
        inclusiveStartPrimaryKey: [{ eventId: from }],
        exclusiveEndPrimaryKey: [{ eventId: end }],
        // Pages as large as what is still wanted: a listing of 20 reads about 20 entries.
        limit: Math.max(1, Math.min(PAGE, wanted())),
        maxVersions: 1,
      });
      const entries = page.rows.map((row: Row) => {
        const columns = rowColumns(row.attributes);
        return {
          key: String(row.primaryKey?.[0]?.value ?? ''),
          eventId: String(columns.eventId ?? ''),
          writtenAt: Number(columns.writtenAt ?? 0),
        };
      });
      if (entries.length > 0) yield entries;
      const next = page.nextStartPrimaryKey?.[0]?.value;
      if (typeof next !== 'string') return;
      from = next;
    }
  }

  private async getMany(eventIds: readonly string[]): Promise<Map<string, Delivery>> {
    const found = new Map<string, Delivery>();
    if (eventIds.length === 0) return found;
    const answer = await this.client.batchGetRow({
      tables: [
        {
          tableName: this.tableName,
          primaryKey: [...new Set(eventIds)].map((eventId) => [{ eventId }]),
          maxVersions: 1,
        },
      ],
    });
    for (const row of answer.tables.flat()) {
      if (!row.isOk) throw new Error(`BatchGetRow: ${row.errorCode ?? 'error'} ${row.errorMessage ?? ''}`);
      const key = row.primaryKey?.[0]?.value;
      if (typeof key !== 'string') continue;
      found.set(key, deliveryFrom(key, rowColumns(row.attributes ?? [])));
    }
    return found;
  }

  private async putEntries(keys: readonly string[]): Promise<void> {
    const writtenAt = TableStore.Long.fromNumber(this.now());
    await this.batchWrite(
      keys.map((key) => ({
        type: 'PUT',
        condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
        primaryKey: [{ eventId: key }],
        attributeColumns: [{ eventId: eventIdOfEntry(key) }, { writtenAt }],
      })),
    );
  }

  private async removeEntries(keys: readonly string[]): Promise<void> {
    await this.batchWrite(
      keys.map((key) => ({
        type: 'DELETE',
        condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
        primaryKey: [{ eventId: key }],
      })),
    );
  }

  /** After a lost race: the entries this writer added that the record (as it now is) does not have. */
  private async removeEntriesNotOf(written: readonly string[], record: Delivery | undefined): Promise<void> {
    const kept = record ? entriesOf(record) : [];
    await this.removeEntries(written.filter((key) => !kept.includes(key)));
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

  /**
   * Records stored before the entries existed (an older version's table) get theirs once: a full read,
   * the only one this store makes, after which a marker row says it is done.
   */
  private async ensureIndexed(): Promise<void> {
    if (this.indexed) return;
    const { row } = await this.client.getRow({
      tableName: this.tableName,
      primaryKey: [{ eventId: INDEXED_MARKER }],
      maxVersions: 1,
    });
    if (!row.primaryKey || row.primaryKey.length === 0) {
      let batch: string[] = [];
      for await (const stored of allRows(this.client, this.tableName, 'eventId')) {
        const eventId = String(stored.primaryKey?.[0]?.value ?? '');
        if (eventId.startsWith('~')) continue;
        batch.push(...entriesOf(deliveryFrom(eventId, rowColumns(stored.attributes))));
        if (batch.length >= 200) {
          await this.putEntries(batch);
          batch = [];
        }
      }
      await this.putEntries(batch);
      await this.client.putRow({
        tableName: this.tableName,
        condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
        primaryKey: [{ eventId: INDEXED_MARKER }],
        attributeColumns: [{ writtenAt: TableStore.Long.fromNumber(this.now()) }],
      });
    }
    this.indexed = true;
  }
}

/** The index entries a record has in its current state. */
function entriesOf(delivery: Delivery): string[] {
  const entries = [`${STATUS}${delivery.status}|${delivery.receivedAt}|${delivery.eventId}`];
  if (delivery.status === 'pending' && delivery.nextAttemptAt !== undefined)
    entries.push(`${DUE}${delivery.nextAttemptAt}|${delivery.eventId}`);
  return entries;
}

function eventIdOfEntry(key: string): string {
  // The event id is what follows the last `|` the entry's own fields put there; ids may hold `|` too.
  const fields = key.startsWith(DUE) ? 2 : 3;
  return key.split('|').slice(fields).join('|');
}

function columnsOf(delivery: Delivery): Columns {
  const { eventId: _key, ...rest } = delivery;
  const columns: Columns = [];
  for (const [name, value] of Object.entries(rest)) {
    if (value === undefined) continue;
    columns.push({ [name]: typeof value === 'number' ? TableStore.Long.fromNumber(value) : value });
  }
  return columns;
}

function deliveryFrom(eventId: string, columns: Record<string, unknown>): Delivery {
  return {
    eventId,
    eventType: String(columns.eventType ?? ''),
    receivedAt: String(columns.receivedAt ?? ''),
    status: columns.status as DeliveryStatus,
    attempts: Number(columns.attempts ?? 0),
    ...(typeof columns.lastStatus === 'string' ? { lastStatus: columns.lastStatus } : {}),
    ...(typeof columns.nextAttemptAt === 'string' ? { nextAttemptAt: columns.nextAttemptAt } : {}),
    updatedAt: String(columns.updatedAt ?? ''),
    revision: Number(columns.revision ?? 0),
  };
}
