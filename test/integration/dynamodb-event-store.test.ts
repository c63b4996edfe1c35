import { eventStoreContract } from '../contract/event-store.contract';
import { sharedLocalStack } from '../support/local-stack';

describe('DynamoDbEventStore against DynamoDB Local', function () {
  this.timeout(120_000);

  eventStoreContract('DynamoDB (DynamoDB Local)', async () => {
    const stack = await sharedLocalStack();
    return stack.eventStore();
  });
});
