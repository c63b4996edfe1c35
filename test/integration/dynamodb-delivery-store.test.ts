import { DynamoDbDeliveryStore } from '../../lib/aws/dynamodb-delivery-store';
import { createDynamoDbDocumentClient } from '../../lib/aws/dynamodb-client';
import { LOCAL_DELIVERIES_TABLE } from '../../local-dev/dev-credentials';
import { deliveryStoreContract } from '../contract/delivery-store.contract';
import { sharedLocalStack } from '../support/local-stack';

describe('DynamoDbDeliveryStore against DynamoDB Local', function () {
  this.timeout(120_000);

  deliveryStoreContract('DynamoDB (DynamoDB Local)', async () => {
    const stack = await sharedLocalStack();
    return new DynamoDbDeliveryStore(
      createDynamoDbDocumentClient({
        region: 'us-east-1',
        endpoint: stack.dynamoDbEndpoint,
        requestTimeoutMs: 5_000,
      }),
      LOCAL_DELIVERIES_TABLE,
    );
  });
});
