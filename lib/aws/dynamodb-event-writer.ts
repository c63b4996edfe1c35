import type { AwsJsonClientOptions } from './signed-json-client';
import { AwsJsonClient, AwsRequestError } from './signed-json-client';
import type { EventWriter, PutOutcome, StoredEvent } from '../core/stored-event';
import { eventItem, PUT_IF_ABSENT } from './events-table-item';

export type DynamoDbEventWriterOptions = Omit<
  AwsJsonClientOptions,
  'service' | 'targetPrefix' | 'contentType'
> & {
  tableName: string;
};

/**
 * The callback's only storage call: a conditional PutItem (`attribute_not_exists(eventId)`), as one
 * signed request (see signed-json-client.ts for why not the SDK). A failed condition is a duplicate,
 * which is a success.
 */
export class DynamoDbEventWriter implements EventWriter {
  private readonly client: AwsJsonClient;

  constructor(private readonly options: DynamoDbEventWriterOptions) {
    const { tableName: _table, ...clientOptions } = options;
    this.client = new AwsJsonClient({
      ...clientOptions,
      service: 'dynamodb',
      targetPrefix: 'DynamoDB_20120810',
      contentType: 'application/x-amz-json-1.0',
    });
  }

  async put(event: StoredEvent): Promise<PutOutcome> {
    try {
      await this.client.call('PutItem', {
        TableName: this.options.tableName,
        Item: toAttributeMap(eventItem(event)),
        ConditionExpression: PUT_IF_ABSENT,
      });
      return 'stored';
    } catch (error) {
      if (error instanceof AwsRequestError && error.type === 'ConditionalCheckFailedException')
        return 'duplicate';
      throw error;
    }
  }

  /** Closes idle keep-alive sockets (tests, CLI). */
  destroy(): void {
    this.client.destroy();
  }
}

/** The stored event's fields are strings and finite numbers; undefined ones are left out. */
function toAttributeMap(item: object): Record<string, { S: string } | { N: string }> {
  const map: Record<string, { S: string } | { N: string }> = {};
  for (const [name, value] of Object.entries(item)) {
    if (typeof value === 'string') map[name] = { S: value };
    else if (typeof value === 'number' && Number.isFinite(value)) map[name] = { N: String(value) };
    else if (value !== undefined) throw new TypeError(`${name} cannot be stored as S or N`);
  }
  return map;
}
