import type { OperatorStores } from '../../core/operator-stores';
import type { TablestoreSettings } from '../aliyun-settings';
import { createTablestoreClient } from '../tablestore-client';
import { TablestoreApprovalStore } from '../tablestore-approval-store';
import { TablestoreDeliveryStore } from '../tablestore-delivery-store';
import { TablestoreEventStore } from '../tablestore-event-store';
import { TablestoreParkingStore } from '../tablestore-parking-store';
import { TablestoreRecoveryJournal } from '../tablestore-recovery-journal';
import { TablestoreSuiteState } from '../tablestore-suite-state';

/** Outside Function Compute there is no context: the configured access keys are required. */
export function tablestoreStores(settings: TablestoreSettings): OperatorStores {
  if (!settings.credentials) {
    throw new Error(
      'TABLESTORE_ENDPOINT is set: also set TABLESTORE_ACCESS_KEY_ID and TABLESTORE_ACCESS_KEY_SECRET',
    );
  }
  // An operator's query is not on DingTalk's clock: 10 s per request and the SDK's retries.
  const client = createTablestoreClient({
    endpoint: settings.endpoint,
    instance: settings.instance,
    credentials: settings.credentials,
    timeoutMs: 10_000,
    maxRetries: 3,
  });
  return {
    events: (table) => new TablestoreEventStore(client, table),
    approvals: (table) => new TablestoreApprovalStore(client, table),
    deliveries: (table) => new TablestoreDeliveryStore(client, table),
    journal: (table, logger) => new TablestoreRecoveryJournal(client, table, logger),
    parking: (table) => new TablestoreParkingStore(client, table),
    suites: (table) => new TablestoreSuiteState(client, table),
    close: () => undefined,
  };
}
