import TableStore from 'tablestore';
import type { Client, Columns } from 'tablestore';
import type { Delivery, DeliveryStatus, DeliveryStore } from '../core/forwarding';
import { newestFirst } from '../core/listing';
import { isConditionCheckFailure, rowColumns } from './tablestore-client';
import { TablestoreEntries } from './tablestore-entries';

/**
 * The deliveries' index entries (tablestore-entries.ts):
 *   `~due|<nextAttemptAt>|<eventId>`            one per pending record: what a retry run reads;
 *   `~status|<status>|<receivedAt>|<eventId>`   one per record: what `deliveries --status` reads.
 * A retry run and a listing cost what they return, not what was ever stored.
 */
const DUE = '~due|';
const STATUS = '~status|';
/** Written once the entries of records stored before the entries existed have been added. */
const INDEXED_MARKER = '~indexed|v1';
const STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'failed'];

/**
 * Delivery records in Tablestore, one row per eventId, written conditionally like the DynamoDB store
 * (EXPECT_NOT_EXIST to create, the `revision` read to update), whole rows by PutRow only (a table time to
 * live then expires a record's cells together). Every write puts a record's new index entries before
 * the record and removes its old ones after, so a pending record always has its due entry: a writer that
 * dies leaves at most an extra entry, never a missing one.
 */
export class TablestoreDeliveryStore implements DeliveryStore {
  private readonly entries: TablestoreEntries<Delivery>;

  constructor(
    private readonly client: Client,
    private readonly tableName: string,
    now: () => number = Date.now,
  ) {
    this.entries = new TablestoreEntries(client, tableName, { entriesOf, recordFrom: deliveryFrom }, now);
  }

  async create(initial: Delivery): Promise<boolean> {
    if (await this.get(initial.eventId)) return false;
    await this.entries.put(entriesOf(initial).map((key) => ({ key, record: initial.eventId })));
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
      await this.entries.removeAllBut(entriesOf(initial), await this.get(initial.eventId));
      return false;
    }
  }

  async update(next: Delivery): Promise<boolean> {
    const current = await this.get(next.eventId);
    if (!current || current.revision !== next.revision - 1) return false;
    const before = entriesOf(current);
    const after = entriesOf(next);
    await this.entries.put(
      after.filter((key) => !before.includes(key)).map((key) => ({ key, record: next.eventId })),
    );
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
      await this.entries.removeAllBut(after, await this.get(next.eventId));
      return false;
    }
    await this.entries.remove(before.filter((key) => !after.includes(key)));
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
    await this.entries.remove(entriesOf(current));
  }

  /** Reads the due entries up to `now` in time order, and the records they name. */
  async due(now: string, limit: number): Promise<Delivery[]> {
    await this.entries.ensureIndexed(INDEXED_MARKER);
    const due: Delivery[] = [];
    for await (const delivery of this.entries.records(
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
    await this.entries.ensureIndexed(INDEXED_MARKER);
    const statuses = query.status === undefined ? STATUSES : [query.status];
    const found: Delivery[] = [];
    for (const status of statuses) {
      const prefix = `${STATUS}${status}|`;
      let ofStatus = 0;
      const entries = this.entries.records(
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
}

/** The index entries a record has in its current state. */
function entriesOf(delivery: Delivery): string[] {
  const entries = [`${STATUS}${delivery.status}|${delivery.receivedAt}|${delivery.eventId}`];
  if (delivery.status === 'pending' && delivery.nextAttemptAt !== undefined)
    entries.push(`${DUE}${delivery.nextAttemptAt}|${delivery.eventId}`);
  return entries;
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
