import type { FailureNotes } from '../core/failed-list-asking';
import { FAILURE_NOTE_ROW } from '../core/failed-list-asking';
import type { AwsJsonClient, DynamoDbJsonClientOptions } from './signed-json-client';
import { AwsRequestError, dynamoDbJsonClient } from './signed-json-client';

export type DynamoDbFailureNotesOptions = DynamoDbJsonClientOptions & { journalTable: string };

/**
 * The AWS callback's note of its own failure: one item of the recovery journal table, by a signed PutItem
 * (no SDK in the callback bundle) that keeps the newest time (a later note is never overwritten by an
 * earlier one). The callback's role may write only this item (serverless.aws.yml, LeadingKeys).
 */
export class DynamoDbFailureNotes implements FailureNotes {
  private readonly client: AwsJsonClient;

  constructor(private readonly options: DynamoDbFailureNotesOptions) {
    const { journalTable: _table, ...clientOptions } = options;
    // Its own keep-alive connection, opened on the first note only (a failure), never on a quiet path.
    this.client = dynamoDbJsonClient(clientOptions);
  }

  async note(atMs: number): Promise<void> {
    try {
      await this.client.call('PutItem', {
        TableName: this.options.journalTable,
        Item: { rowId: { S: FAILURE_NOTE_ROW }, at: { N: String(atMs) } },
        ConditionExpression: 'attribute_not_exists(rowId) OR #at < :at',
        ExpressionAttributeNames: { '#at': 'at' },
        ExpressionAttributeValues: { ':at': { N: String(atMs) } },
      });
    } catch (error) {
      // A newer note is there already: nothing to add.
      if (error instanceof AwsRequestError && error.type === 'ConditionalCheckFailedException') return;
      throw error;
    }
  }

  destroy(): void {
    this.client.destroy();
  }
}
