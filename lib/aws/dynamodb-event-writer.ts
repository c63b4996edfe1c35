import type { AwsJsonClient, DynamoDbJsonClientOptions } from './signed-json-client';
import { AwsRequestError, dynamoDbJsonClient } from './signed-json-client';
import type { EventWriter, PutOutcome, StoredEvent } from '../core/stored-event';
import { DEFAULT_RETENTION } from '../core/retention';
import { eventItems, PUT_IF_ABSENT } from './events-table-item';

export type DynamoDbEventWriterOptions = DynamoDbJsonClientOptions & {
  tableName: string;
  /** Retention of events in days (lib/core/retention.ts): the items' time to live; default 90. */
  eventsDays?: number;
};

/**
 * The callback's only storage call: a conditional PutItem (`attribute_not_exists(eventId)`), as one
 * signed request (see signed-json-client.ts for why not the SDK). A failed condition is a duplicate,
 * which is a success.
 */
export class DynamoDbEventWriter implements EventWriter {
  private readonly client: AwsJsonClient;

  constructor(private readonly options: DynamoDbEventWriterOptions) {
    const { tableName: _table, eventsDays: _days, ...clientOptions } = options;
    this.client = dynamoDbJsonClient(clientOptions);
  }

  async put(event: StoredEvent): Promise<PutOutcome> {
    const { item, parts } = eventItems(event, this.options.eventsDays ?? DEFAULT_RETENTION.eventsDays);
    const TableName = this.options.tableName;
    try {
      if (parts.length === 0) {
        await this.client.call('PutItem', {
          TableName,
          Item: toAttributeMap(item),
          ConditionExpression: PUT_IF_ABSENT,
        });
      } else {
        // An event too large for one item: its item and its parts in one transaction (events-table-item.ts).
        await this.client.call('TransactWriteItems', {
          TransactItems: [
            { Put: { TableName, Item: toAttributeMap(item), ConditionExpression: PUT_IF_ABSENT } },
            ...parts.map((part) => ({ Put: { TableName, Item: toAttributeMap(part) } })),
          ],
        });
      }
      return 'stored';
    } catch (error) {
      if (error instanceof AwsRequestError && error.type === 'ConditionalCheckFailedException')
        return 'duplicate';
      if (
        error instanceof AwsRequestError &&
        error.type === 'TransactionCanceledException' &&
        error.cancellationReasons[0] === 'ConditionalCheckFailed'
      )
        return 'duplicate';
      throw error;
    }
  }

  /** Closes idle keep-alive sockets (tests, CLI). */
  destroy(): void {
    this.client.destroy();
  }
}

type AttributeValue = { S: string } | { N: string } | { B: string };

/** The items' fields are strings, finite numbers and bytes; undefined ones are left out. */
function toAttributeMap(item: object): Record<string, AttributeValue> {
  const map: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(item)) {
    if (typeof value === 'string') map[name] = { S: value };
    else if (typeof value === 'number' && Number.isFinite(value)) map[name] = { N: String(value) };
    else if (value instanceof Uint8Array) map[name] = { B: Buffer.from(value).toString('base64') };
    else if (value !== undefined) throw new TypeError(`${name} cannot be stored as S, N or B`);
  }
  return map;
}
