import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Client } from 'tablestore';
import type { DingTalkSettings } from '../lib/startup/config';
import { loadDingTalkSettings, loadTablestoreSettings } from '../lib/startup/config';
import { TablestoreApprovalStore } from '../lib/aliyun/tablestore-approval-store';
import { createTablestoreClient } from '../lib/aliyun/tablestore-client';
import { TablestoreEventStore } from '../lib/aliyun/tablestore-event-store';
import { DynamoDbEventStore } from '../lib/aws/dynamodb-event-store';
import { createDynamoDbDocumentClient } from '../lib/aws/dynamodb-client';
import type { EventStore } from '../lib/core/stored-event';
import {
  LOCAL_APPROVALS_TABLE,
  LOCAL_EVENTS_TABLE,
  LOCAL_DELIVERIES_TABLE,
  LOCAL_RECOVERY_JOURNAL_TABLE,
  withDevCredentials,
} from '../local-dev/dev-credentials';
import type { RecoveryJournal } from '../lib/core/failed-push-recovery';
import type { Logger } from '../lib/core/logger';
import { DynamoDbRecoveryJournal } from '../lib/aws/dynamodb-recovery-journal';
import { DynamoDbDeliveryStore } from '../lib/aws/dynamodb-delivery-store';
import { TablestoreDeliveryStore } from '../lib/aliyun/tablestore-delivery-store';
import type { DeliveryStore } from '../lib/core/delivery';
import { TablestoreRecoveryJournal } from '../lib/aliyun/tablestore-recovery-journal';
import type { ApprovalStore } from '../lib/core/approval-store';
import { DynamoDbApprovalStore } from '../lib/aws/dynamodb-approval-store';

type Env = NodeJS.ProcessEnv;

/**
 * The CLI reads the handler's configuration; with none given it targets what `npm start` runs:
 * the development credentials, http://localhost:$PORT/dingtalk and DynamoDB Local on $DYNAMODB_LOCAL_PORT.
 */
export function cliDingTalkSettings(env: Env): { settings: DingTalkSettings; usedDevCredentials: boolean } {
  const { env: withDev, usedDevCredentials } = withDevCredentials(env);
  return { settings: loadDingTalkSettings(withDev), usedDevCredentials };
}

export function defaultCallbackUrl(env: Env): string {
  return `http://localhost:${env.PORT || 3000}/dingtalk`;
}

/** With TABLESTORE_ENDPOINT set, the CLI reads and writes the Alibaba deployment's Tablestore tables. */
function cliTablestore(env: Env) {
  if (!env.TABLESTORE_ENDPOINT) return undefined;
  const settings = loadTablestoreSettings(env);
  if (!settings.credentials) {
    throw new Error(
      'TABLESTORE_ENDPOINT is set: also set TABLESTORE_ACCESS_KEY_ID and TABLESTORE_ACCESS_KEY_SECRET',
    );
  }
  return createTablestoreClient({
    ...settings,
    credentials: settings.credentials,
    timeoutMs: 10_000,
    maxRetries: 3,
  });
}

/** A store of the deployment the environment names: Tablestore, a configured DynamoDB, or `npm start`'s. */
function cliStore<T>(
  env: Env,
  variable: 'EVENTS_TABLE' | 'APPROVALS_TABLE' | 'RECOVERY_JOURNAL_TABLE' | 'DELIVERIES_TABLE',
  localTable: string,
  adapters: {
    tablestore: (client: Client, table: string) => T;
    dynamodb: (client: DynamoDBDocumentClient, table: string) => T;
  },
): { store: T; close: () => void } {
  const table = env[variable];
  const tablestore = cliTablestore(env);
  if (tablestore) {
    if (!table) throw new Error(`TABLESTORE_ENDPOINT is set: also set ${variable}`);
    return { store: adapters.tablestore(tablestore, table), close: () => undefined };
  }
  const client = cliDynamoDbClient(env, table);
  return { store: adapters.dynamodb(client, table || localTable), close: () => client.destroy() };
}

export function cliEventStore(env: Env): { store: EventStore; close: () => void } {
  return cliStore<EventStore>(env, 'EVENTS_TABLE', LOCAL_EVENTS_TABLE, {
    tablestore: (client, table) => new TablestoreEventStore(client, table),
    dynamodb: (client, table) => new DynamoDbEventStore(client, table),
  });
}

export function cliApprovalStore(env: Env): { store: ApprovalStore; close: () => void } {
  return cliStore<ApprovalStore>(env, 'APPROVALS_TABLE', LOCAL_APPROVALS_TABLE, {
    tablestore: (client, table) => new TablestoreApprovalStore(client, table),
    dynamodb: (client, table) => new DynamoDbApprovalStore(client, table),
  });
}

/** The recovery journal the scheduled functions use, so `recover` and they finish each other's pages. */
export function cliRecoveryJournal(env: Env, logger: Logger): { store: RecoveryJournal; close: () => void } {
  return cliStore<RecoveryJournal>(env, 'RECOVERY_JOURNAL_TABLE', LOCAL_RECOVERY_JOURNAL_TABLE, {
    tablestore: (client, table) => new TablestoreRecoveryJournal(client, table, logger),
    dynamodb: (client, table) => new DynamoDbRecoveryJournal(client, table, logger),
  });
}

export function cliDeliveryStore(env: Env): { store: DeliveryStore; close: () => void } {
  return cliStore<DeliveryStore>(env, 'DELIVERIES_TABLE', LOCAL_DELIVERIES_TABLE, {
    tablestore: (client, table) => new TablestoreDeliveryStore(client, table),
    dynamodb: (client, table) => new DynamoDbDeliveryStore(client, table),
  });
}

/** A configured table means a real deployment unless DYNAMODB_ENDPOINT says otherwise. */
function cliDynamoDbClient(env: Env, configuredTable: string | undefined) {
  const endpoint = env.DYNAMODB_ENDPOINT || (configuredTable ? undefined : localDynamoDbEndpoint(env));
  return createDynamoDbDocumentClient({
    ...(endpoint ? { endpoint } : {}),
    // An operator's query is not on DingTalk's clock: allow the SDK its usual patience.
    maxAttempts: 3,
    connectionTimeoutMs: 2_000,
    requestTimeoutMs: 10_000,
  });
}

export function localDynamoDbEndpoint(env: Env): string {
  return `http://127.0.0.1:${env.DYNAMODB_LOCAL_PORT || 8000}`;
}
