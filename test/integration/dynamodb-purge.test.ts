import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { createDynamoDbDocumentClient } from '../../lib/aws/dynamodb-client';
import { DynamoDbApprovalStore } from '../../lib/aws/dynamodb-approval-store';
import { DynamoDbDeliveryStore } from '../../lib/aws/dynamodb-delivery-store';
import { DynamoDbEventStore } from '../../lib/aws/dynamodb-event-store';
import { LOCAL_APPROVALS_TABLE, LOCAL_DELIVERIES_TABLE } from '../../local-dev/dev-credentials';
import { purgeContract } from '../contract/purge.contract';
import { sharedLocalStack } from '../support/local-stack';

describe('purge on DynamoDB (DynamoDB Local)', function () {
  this.timeout(120_000);
  purgeContract('DynamoDB (DynamoDB Local)', async () => {
    const stack = await sharedLocalStack();
    const client = createDynamoDbDocumentClient({
      region: 'us-east-1',
      endpoint: stack.dynamoDbEndpoint,
      requestTimeoutMs: 10_000,
    });
    // An events table of its own, with the same key and no stream: the local stack's table-change consumer
    // would otherwise fold these events into the approvals again, after the purge.
    const table = `purge-events-${randomUUID().slice(0, 8)}`;
    await client.send(
      new CreateTableCommand({
        TableName: table,
        AttributeDefinitions: [{ AttributeName: 'eventId', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'eventId', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const events = new DynamoDbEventStore(client, table);
    const deliveries = new DynamoDbDeliveryStore(client, LOCAL_DELIVERIES_TABLE);
    const approvals = new DynamoDbApprovalStore(client, LOCAL_APPROVALS_TABLE);
    return { deps: { events, deliveries, approvals }, events, deliveries, approvals };
  });
});
