import TableStore from 'tablestore';
import type { Client, Columns } from 'tablestore';
import type { Delivery, DeliveryStatus, DeliveryStore } from '../core/forwarding';
import { newestFirst } from '../core/listing';
import { allRows, isConditionCheckFailure, rowColumns } from './tablestore-client';

/**
 * Delivery records in Tablestore, one row per eventId, written conditionally like the DynamoDB store
 * (EXPECT_NOT_EXIST to create, the `revision` read to update). There is no secondary index here, so
 * `due` and `list` read the table range by range: fine for the volumes of one company's events; a
 * Tablestore search index would serve a very large table.
 */
export class TablestoreDeliveryStore implements DeliveryStore {
  constructor(
    private readonly client: Client,
    private readonly tableName: string,
  ) {}

  async create(initial: Delivery): Promise<boolean> {
    try {
      await this.client.putRow({
        tableName: this.tableName,
        condition: new TableStore.Condition(TableStore.RowExistenceExpectation.EXPECT_NOT_EXIST, null),
        primaryKey: [{ eventId: initial.eventId }],
        attributeColumns: columnsOf(initial),
      });
      return true;
    } catch (error) {
      if (isConditionCheckFailure(error)) return false;
      throw error;
    }
  }

  async update(next: Delivery): Promise<boolean> {
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
      return true;
    } catch (error) {
      if (isConditionCheckFailure(error)) return false;
      throw error;
    }
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

  async due(now: string, limit: number): Promise<Delivery[]> {
    const due: Delivery[] = [];
    for await (const delivery of this.all()) {
      if (delivery.status === 'pending' && (delivery.nextAttemptAt ?? '') <= now) due.push(delivery);
    }
    due.sort((a, b) => ((a.nextAttemptAt ?? '') < (b.nextAttemptAt ?? '') ? -1 : 1));
    return due.slice(0, limit);
  }

  async list(query: { status?: DeliveryStatus; since?: string; limit: number }): Promise<Delivery[]> {
    const found: Delivery[] = [];
    for await (const delivery of this.all()) {
      if (query.status !== undefined && delivery.status !== query.status) continue;
      if (query.since !== undefined && delivery.receivedAt < query.since) continue;
      found.push(delivery);
    }
    return newestFirst(found, (delivery) => delivery.receivedAt).slice(0, query.limit);
  }

  private async *all(): AsyncGenerator<Delivery> {
    for await (const row of allRows(this.client, this.tableName, 'eventId')) {
      yield deliveryFrom(String(row.primaryKey?.[0]?.value ?? ''), rowColumns(row.attributes));
    }
  }
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
