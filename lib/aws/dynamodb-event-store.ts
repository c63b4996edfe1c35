import {
  ConditionalCheckFailedException,
  DescribeTableCommand,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { EventQuery, EventStore, PutOutcome, StoredEvent } from '../core/stored-event';
import {
  EVENT_TABLE_INDEXES,
  eventItems,
  isPartItem,
  PUT_IF_ABSENT,
  readEventItem,
} from './events-table-item';
import { DEFAULT_RETENTION } from '../core/retention';
import { queryItems, scanItems } from './dynamodb-pages';
import { isExpired } from './dynamodb-ttl';

/**
 * Events in DynamoDB, one item per eventId. The conditional put makes storage idempotent:
 * a second delivery of the same event fails the condition and counts as a success.
 */
export class DynamoDbEventStore implements EventStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Retention of events in days, 0 forever (lib/core/retention.ts). */
    private readonly eventsDays: number = DEFAULT_RETENTION.eventsDays,
    private readonly now: () => number = Date.now,
  ) {}

  async put(event: StoredEvent): Promise<PutOutcome> {
    const { item, parts } = eventItems(event, this.eventsDays);
    try {
      if (parts.length === 0) {
        await this.client.send(
          new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: PUT_IF_ABSENT }),
        );
      } else {
        await this.client.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: { TableName: this.tableName, Item: item, ConditionExpression: PUT_IF_ABSENT } },
              ...parts.map((part) => ({ Put: { TableName: this.tableName, Item: part } })),
            ],
          }),
        );
      }
      return 'stored';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'duplicate';
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
      )
        return 'duplicate';
      throw error;
    }
  }

  async get(eventId: string): Promise<StoredEvent | undefined> {
    const item = await this.item(eventId);
    return item && !isPartItem(item) && !isExpired(item, this.now()) ? this.eventFromItem(item) : undefined;
  }

  private async item(eventId: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { eventId }, ConsistentRead: true }),
    );
    return Item;
  }

  /**
   * The stored event an events-table item holds (a stream image, a query result), with the parts of a
   * split payload read back (events-table-item.ts).
   */
  eventFromItem(item: Record<string, unknown>): Promise<StoredEvent> {
    return readEventItem(item, (id) => this.item(id));
  }

  /** Every stored event, by a scan of the whole table (purge: a rare operator action). */
  async *all(): AsyncGenerator<StoredEvent> {
    for await (const item of scanItems(this.client, { TableName: this.tableName, ConsistentRead: true })) {
      if (isPartItem(item) || isExpired(item, this.now())) continue;
      yield await this.eventFromItem(item);
    }
  }

  /** Deletes the event's item and the parts of its payload. */
  async erase(eventId: string): Promise<void> {
    const item = await this.item(eventId);
    if (!item) return;
    const parts = typeof item.payloadParts === 'number' ? item.payloadParts : 1;
    for (let part = 1; part < parts; part++) {
      await this.client.send(
        new DeleteCommand({ TableName: this.tableName, Key: { eventId: `${eventId}#part${part}` } }),
      );
    }
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { eventId } }));
  }

  async list(query: EventQuery): Promise<StoredEvent[]> {
    if (query.eventType !== undefined) {
      return this.queryPartition(
        EVENT_TABLE_INDEXES.byType,
        'eventType',
        query.eventType,
        query,
        query.limit,
      );
    }
    const events: StoredEvent[] = [];
    const floorMonth = await this.oldestMonth(query.since);
    let month = new Date(query.until === undefined ? this.now() : Date.parse(query.until));
    while (events.length < query.limit) {
      const key = month.toISOString().slice(0, 7);
      if (key < floorMonth) break;
      const page = await this.queryPartition(
        EVENT_TABLE_INDEXES.byMonth,
        'receivedMonth',
        key,
        query,
        query.limit - events.length,
      );
      events.push(...page);
      month = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() - 1, 1));
    }
    return events;
  }

  private tableCreatedMonth: Promise<string> | undefined;

  /**
   * The oldest month a listing walks back to: the table's creation (nothing is older), the retention
   * horizon (nothing older is kept) or `since`, whichever is latest. No listing stops at a fixed age.
   */
  private async oldestMonth(since: string | undefined): Promise<string> {
    this.tableCreatedMonth ??= this.client
      .send(new DescribeTableCommand({ TableName: this.tableName }))
      .then(({ Table }) => (Table?.CreationDateTime ?? new Date(0)).toISOString().slice(0, 7));
    const floors = [await this.tableCreatedMonth];
    if (since !== undefined) floors.push(since.slice(0, 7));
    if (this.eventsDays > 0)
      floors.push(new Date(this.now() - this.eventsDays * 86_400_000).toISOString().slice(0, 7));
    return floors.sort().at(-1)!;
  }

  private async queryPartition(
    indexName: string,
    partitionKey: string,
    partitionValue: string,
    { since, until }: Pick<EventQuery, 'since' | 'until'>,
    limit: number,
  ): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    const range =
      since !== undefined && until !== undefined
        ? ' AND receivedAt BETWEEN :since AND :until'
        : since !== undefined
          ? ' AND receivedAt >= :since'
          : until !== undefined
            ? ' AND receivedAt <= :until'
            : '';
    const items = queryItems(
      this.client,
      {
        TableName: this.tableName,
        IndexName: indexName,
        KeyConditionExpression: `#pk = :pk${range}`,
        ExpressionAttributeNames: { '#pk': partitionKey },
        ExpressionAttributeValues: {
          ':pk': partitionValue,
          ...(since === undefined ? {} : { ':since': since }),
          ...(until === undefined ? {} : { ':until': until }),
        },
        ScanIndexForward: false,
      },
      limit,
    );
    for await (const item of items) {
      if (isExpired(item, this.now())) continue; // expired, not yet deleted by DynamoDB
      events.push(await this.eventFromItem(item));
    }
    return events;
  }
}
