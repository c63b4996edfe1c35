import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Delivery, DeliveryStatus, DeliveryStore } from '../core/forwarding';
import { newestFirst } from '../core/listing';
import { DEFAULT_RETENTION } from '../core/retention';
import { queryItems } from './dynamodb-pages';
import { withoutTtl, withTtl } from './dynamodb-ttl';

/** As declared in serverless.aws.yml: pending records by their next attempt (sparse: only they have one). */
const DUE_INDEX = 'byStatusAndNextAttempt';
/** Records by status, newest received last: what operator listings read. */
const LISTING_INDEX = 'byStatusAndReceived';
const STATUSES: readonly DeliveryStatus[] = ['pending', 'delivered', 'failed'];

/**
 * Delivery records in DynamoDB, one item per eventId. Every write is conditional: creation on absence,
 * updates on the revision the writer read, so a retry run and a replay never overwrite each other.
 */
export class DynamoDbDeliveryStore implements DeliveryStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** Records expire with their event: this many days after it was received (0: never). */
    private readonly eventsDays: number = DEFAULT_RETENTION.eventsDays,
  ) {}

  private item(delivery: Delivery): Delivery {
    return withTtl(delivery, Date.parse(delivery.receivedAt), this.eventsDays);
  }

  async create(initial: Delivery): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.item(initial),
          ConditionExpression: 'attribute_not_exists(eventId)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async update(next: Delivery): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: this.item(next),
          ConditionExpression: '#revision = :previous',
          ExpressionAttributeNames: { '#revision': 'revision' },
          ExpressionAttributeValues: { ':previous': next.revision - 1 },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async get(eventId: string): Promise<Delivery | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { eventId }, ConsistentRead: true }),
    );
    return Item && (withoutTtl(Item) as unknown as Delivery);
  }

  async erase(eventId: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { eventId } }));
  }

  async due(now: string, limit: number): Promise<Delivery[]> {
    const due: Delivery[] = [];
    const items = queryItems(
      this.client,
      {
        TableName: this.tableName,
        IndexName: DUE_INDEX,
        KeyConditionExpression: '#status = :pending AND nextAttemptAt <= :now',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':pending': 'pending', ':now': now },
      },
      limit,
    );
    for await (const item of items) due.push(withoutTtl(item) as unknown as Delivery);
    return due;
  }

  /** Newest received first, by status on the listing index: reads about `limit` records per status. */
  async list(query: { status?: DeliveryStatus; since?: string; limit: number }): Promise<Delivery[]> {
    const found: Delivery[] = [];
    for (const status of query.status === undefined ? STATUSES : [query.status]) {
      const items = queryItems(
        this.client,
        {
          TableName: this.tableName,
          IndexName: LISTING_INDEX,
          KeyConditionExpression:
            query.since === undefined ? '#status = :status' : '#status = :status AND receivedAt >= :since',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': status,
            ...(query.since === undefined ? {} : { ':since': query.since }),
          },
          ScanIndexForward: false,
        },
        query.limit,
      );
      for await (const item of items) found.push(withoutTtl(item) as unknown as Delivery);
    }
    return newestFirst(found, (delivery) => delivery.receivedAt).slice(0, query.limit);
  }
}
