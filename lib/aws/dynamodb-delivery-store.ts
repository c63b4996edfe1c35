import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Delivery, DeliveryStatus, DeliveryStore } from '../core/delivery';

/** As declared in serverless.aws.yml: pending records by their next attempt (sparse: only they have one). */
const DUE_INDEX = 'byStatusAndNextAttempt';

/**
 * Delivery records in DynamoDB, one item per eventId. Every write is conditional: creation on absence,
 * updates on the revision the writer read, so a retry run and a replay never overwrite each other.
 */
export class DynamoDbDeliveryStore implements DeliveryStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async open(initial: Delivery): Promise<Delivery> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: initial,
          ConditionExpression: 'attribute_not_exists(eventId)',
        }),
      );
      return initial;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.get(initial.eventId);
      if (!existing)
        throw new Error(`delivery ${initial.eventId} exists but cannot be read`, { cause: error });
      return existing;
    }
  }

  async update(next: Delivery): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: next,
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
    return Item as Delivery | undefined;
  }

  async due(now: string, limit: number): Promise<Delivery[]> {
    const due: Delivery[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: DUE_INDEX,
          KeyConditionExpression: '#status = :pending AND nextAttemptAt <= :now',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':pending': 'pending', ':now': now },
          Limit: limit - due.length,
          ExclusiveStartKey: exclusiveStartKey,
        }),
      );
      due.push(...((page.Items ?? []) as Delivery[]));
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey !== undefined && due.length < limit);
    return due;
  }

  /** A scan: an operator's listing, sorted here (records are small). */
  async list(query: { status?: DeliveryStatus; since?: string; limit: number }): Promise<Delivery[]> {
    const found: Delivery[] = [];
    let exclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          ExclusiveStartKey: exclusiveStartKey,
          ConsistentRead: true,
        }),
      );
      for (const item of (page.Items ?? []) as Delivery[]) {
        if (query.status !== undefined && item.status !== query.status) continue;
        if (query.since !== undefined && item.receivedAt < query.since) continue;
        found.push(item);
      }
      exclusiveStartKey = page.LastEvaluatedKey;
    } while (exclusiveStartKey !== undefined);
    found.sort((a, b) => (a.receivedAt < b.receivedAt ? 1 : a.receivedAt > b.receivedAt ? -1 : 0));
    return found.slice(0, query.limit);
  }
}
