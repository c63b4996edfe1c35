import type { OperatorStores } from '../../core/operator-stores';
import type { Retention } from '../../core/retention';
import type { DynamoDbSettings } from '../aws-settings';
import { createDynamoDbDocumentClient } from '../dynamodb-client';
import { DynamoDbApprovalStore } from '../dynamodb-approval-store';
import { DynamoDbDeliveryStore } from '../dynamodb-delivery-store';
import { DynamoDbEventStore } from '../dynamodb-event-store';
import { DynamoDbRecoveryJournal } from '../dynamodb-recovery-journal';
import { DynamoDbSuiteState } from '../dynamodb-suite-state';

/** An operator's query is not on DingTalk's clock: the SDK's usual patience, and more time per request. */
export function dynamoDbStores(settings: DynamoDbSettings, retention: Retention): OperatorStores {
  const client = createDynamoDbDocumentClient({
    ...settings,
    maxAttempts: 3,
    connectionTimeoutMs: 2_000,
    requestTimeoutMs: 10_000,
  });
  return {
    events: (table) => new DynamoDbEventStore(client, table, retention.eventsDays),
    approvals: (table) => new DynamoDbApprovalStore(client, table, retention.approvalsDays),
    deliveries: (table) => new DynamoDbDeliveryStore(client, table, retention.eventsDays),
    journal: (table, logger) =>
      new DynamoDbRecoveryJournal(client, table, logger, Date.now, retention.journalDays),
    suites: (table) => new DynamoDbSuiteState(client, table),
    close: () => client.destroy(),
  };
}
