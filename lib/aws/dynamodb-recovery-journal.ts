import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { AskingState } from '../core/failed-list-asking';
import { ASKING_ROW, askingStateOf, FAILURE_NOTE_ROW } from '../core/failed-list-asking';
import type { JournalPage, RecoveryJournal } from '../core/failed-push-recovery';
import type { JournalRow } from '../core/journal-pages';
import { journalRows, newPageId, pagesFromRows } from '../core/journal-pages';
import type { Logger } from '../core/logger';
import { DEFAULT_RETENTION } from '../core/retention';
import { scanItems } from './dynamodb-pages';
import { withTtl } from './dynamodb-ttl';

/** The reading lease's row (no `page`: `pending` passes it by). */
const LEASE_ROW = 'lease';

/** Below DynamoDB's 400 KB item limit with room for the other attributes. */
const MAX_PART_BYTES = 350_000;

/**
 * The failed-push recovery journal in a DynamoDB table of its own (`rowId` key; serverless.aws.yml
 * `RecoveryJournalTable`): not the events table, whose stream would take journal rows for events.
 * A page of several parts is written in one transaction, so it is whole or absent.
 */
export class DynamoDbRecoveryJournal implements RecoveryJournal {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    /** Rows expire this many days after they are written (0: never; lib/core/retention.ts). */
    private readonly journalDays: number = DEFAULT_RETENTION.journalDays,
  ) {}

  private expiring<T extends object>(row: T): T {
    return withTtl(row, this.now(), this.journalDays);
  }

  async probe(): Promise<void> {
    const rowId = `probe#${randomUUID()}`;
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { rowId, probe: true } }));
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { rowId } }));
  }

  async save(raw: string): Promise<JournalPage> {
    const id = newPageId(raw, this.now());
    const rows = journalRows(id, raw, this.now(), MAX_PART_BYTES);
    if (rows.length === 1) {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: this.expiring(rows[0]!) }));
    } else {
      await this.client.send(
        new TransactWriteCommand({
          TransactItems: rows.map((row) => ({
            Put: { TableName: this.tableName, Item: this.expiring(row) },
          })),
        }),
      );
    }
    return { id, raw, rowIds: rows.map((row) => row.rowId) };
  }

  async pending(): Promise<JournalPage[]> {
    const rows: JournalRow[] = [];
    for await (const item of scanItems(this.client, { TableName: this.tableName, ConsistentRead: true })) {
      if (typeof item.page !== 'string') continue;
      rows.push({ ...(item as unknown as JournalRow), body: Buffer.from(item.body as Uint8Array) });
    }
    const { pages, incomplete } = pagesFromRows(rows);
    if (incomplete.length > 0) this.logger.warn('journal holds incomplete pages', { pages: incomplete });
    return pages;
  }

  async setAside(raw: string, reason: string): Promise<void> {
    const savedAt = new Date(this.now()).toISOString();
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        // No `page` attribute: `pending` passes set-aside rows by.
        Item: this.expiring({
          rowId: `aside#${newPageId(raw, this.now())}`,
          aside: gzipSync(raw),
          reason,
          savedAt,
        }),
      }),
    );
  }

  async lease(holder: string, untilMs: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { rowId: LEASE_ROW, holder, expiresAt: untilMs },
          ConditionExpression: 'attribute_not_exists(rowId) OR expiresAt < :now OR holder = :holder',
          ExpressionAttributeValues: { ':now': this.now(), ':holder': holder },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async release(holder: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { rowId: LEASE_ROW },
          ConditionExpression: 'holder = :holder',
          ExpressionAttributeValues: { ':holder': holder },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async askingState(): Promise<AskingState> {
    const read = async (rowId: string) =>
      (
        await this.client.send(
          new GetCommand({ TableName: this.tableName, Key: { rowId }, ConsistentRead: true }),
        )
      ).Item;
    const [asking, note] = await Promise.all([read(ASKING_ROW), read(FAILURE_NOTE_ROW)]);
    return askingStateOf(asking, note);
  }

  async recordAsking(state: Omit<AskingState, 'lastFailureAt'>): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: this.expiring({ rowId: ASKING_ROW, ...state }) }),
    );
  }

  async done(page: JournalPage): Promise<void> {
    for (const rowId of page.rowIds) {
      await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { rowId } }));
    }
  }
}
