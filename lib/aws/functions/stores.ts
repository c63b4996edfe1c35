import type { OperatorStores } from '../../core/operator-stores';
import type { DynamoDbSettings } from '../aws-settings';
import { createDynamoDbDocumentClient } from '../dynamodb-client';
import { DynamoDbApprovalStore } from '../dynamodb-approval-store';
import { DynamoDbDeliveryStore } from '../dynamodb-delivery-store';
import { DynamoDbEventStore } from '../dynamodb-event-store';
import { DynamoDbRecoveryJournal } from '../dynamodb-recovery-journal';

/** An operator's query is not on DingTalk's clock: the SDK's usual patience, and more time per request. */
export function dynamoDbStores(settings: DynamoDbSettings): OperatorStores {
  const client = createDynamoDbDocumentClient({
    ...settings,
    maxAttempts: 3,
    connectionTimeoutMs: 2_000,
    requestTimeoutMs: 10_000,
  });
  return {
    events: (table) => new DynamoDbEventStore(client, table),
    approvals: (table) => new DynamoDbApprovalStore(client, table),
    deliveries: (table) => new DynamoDbDeliveryStore(client, table),
    journal: (table, logger) => new DynamoDbRecoveryJournal(client, table, logger),
    close: () => client.destroy(),
  };
}
