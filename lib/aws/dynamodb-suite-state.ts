import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { StateRow, SuiteStateStore } from '../core/suite-state';

/**
 * Suite state in DynamoDB (serverless.aws.yml SuiteStateTable): partition key `appId`, sort key
 * `stateKey` (`ticket`, `corp|<corpId>`), the state as JSON text and a `version` for compare-and-set.
 * A suite's corps are one Query on its partition: the cost follows its corps, not the table. No `ttl`:
 * state is kept while the suite exists (lib/core/suite-state.ts).
 */
export class DynamoDbSuiteState implements SuiteStateStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(appId: string, key: string): Promise<StateRow | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { appId, stateKey: key }, ConsistentRead: true }),
    );
    return Item ? { value: String(Item.state), version: Number(Item.version) } : undefined;
  }

  async write(appId: string, key: string, value: string, expected: number | undefined): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { appId, stateKey: key, state: value, version: (expected ?? 0) + 1 },
          ...(expected === undefined
            ? { ConditionExpression: 'attribute_not_exists(appId)' }
            : {
                ConditionExpression: 'version = :version',
                ExpressionAttributeValues: { ':version': expected },
              }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async list(appId: string, prefix: string, limit: number): Promise<Array<{ key: string; value: string }>> {
    const rows: Array<{ key: string; value: string }> = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          // DynamoDB refuses an empty string in a key condition: no prefix is the whole partition.
          ...(prefix === ''
            ? { KeyConditionExpression: 'appId = :app', ExpressionAttributeValues: { ':app': appId } }
            : {
                KeyConditionExpression: 'appId = :app AND begins_with(stateKey, :prefix)',
                ExpressionAttributeValues: { ':app': appId, ':prefix': prefix },
              }),
          Limit: limit - rows.length,
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? [])
        rows.push({ key: String(item.stateKey), value: String(item.state) });
      start = page.LastEvaluatedKey;
    } while (start && rows.length < limit);
    return rows;
  }

  async remove(appId: string, key: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { appId, stateKey: key } }));
  }
}
