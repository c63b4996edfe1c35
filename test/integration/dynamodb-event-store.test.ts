import type { EventStore } from '../../lib/core/stored-event';
import { DynamoDbEventWriter } from '../../lib/aws/dynamodb-event-writer';
import { eventStoreContract } from '../contract/event-store.contract';
import { sharedLocalStack } from '../support/local-stack';

describe('DynamoDbEventStore against DynamoDB Local', function () {
  this.timeout(120_000);

  eventStoreContract('DynamoDB (DynamoDB Local)', async () => {
    const stack = await sharedLocalStack();
    return stack.eventStore();
  });

  // The callback writes with the signed-request writer; reads stay with the SDK adapter on the same table.
  eventStoreContract('DynamoDB, writes by DynamoDbEventWriter (DynamoDB Local)', async () => {
    const stack = await sharedLocalStack();
    const reader = stack.eventStore();
    const writer = new DynamoDbEventWriter({
      tableName: stack.eventsTable,
      region: 'us-east-1',
      endpoint: stack.dynamoDbEndpoint,
      requestTimeoutMs: 5_000,
    });
    const store: EventStore = {
      put: (event) => writer.put(event),
      get: (eventId) => reader.get(eventId),
      list: (query) => reader.list(query),
    };
    return store;
  });
});
