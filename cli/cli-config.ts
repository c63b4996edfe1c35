import type { DingTalkSettings } from '../lib/config';
import { loadDingTalkSettings, loadTablestoreSettings } from '../lib/config';
import { TablestoreApprovalStore } from '../lib/tablestore-approval-store';
import { createTablestoreClient } from '../lib/tablestore-client';
import { TablestoreEventStore } from '../lib/tablestore-event-store';
import { DynamoDbEventStore } from '../lib/dynamodb-event-store';
import { createDynamoDbDocumentClient } from '../lib/dynamodb-client';
import type { EventStore } from '../lib/event-store';
import { LOCAL_APPROVALS_TABLE, LOCAL_EVENTS_TABLE, withDevCredentials } from '../local-dev/dev-credentials';
import type { ApprovalStore } from '../lib/approval-store';
import { DynamoDbApprovalStore } from '../lib/dynamodb-approval-store';

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

function requiredTable(env: Env, name: 'EVENTS_TABLE' | 'APPROVALS_TABLE'): string {
  const table = env[name];
  if (!table) throw new Error(`TABLESTORE_ENDPOINT is set: also set ${name}`);
  return table;
}

export function cliEventStore(env: Env): { store: EventStore; close: () => void } {
  const tablestore = cliTablestore(env);
  if (tablestore) {
    return {
      store: new TablestoreEventStore(tablestore, requiredTable(env, 'EVENTS_TABLE')),
      close: () => undefined,
    };
  }
  const client = cliDynamoDbClient(env, env.EVENTS_TABLE);
  return {
    store: new DynamoDbEventStore(client, env.EVENTS_TABLE || LOCAL_EVENTS_TABLE),
    close: () => client.destroy(),
  };
}

export function cliApprovalStore(env: Env): { store: ApprovalStore; close: () => void } {
  const tablestore = cliTablestore(env);
  if (tablestore) {
    return {
      store: new TablestoreApprovalStore(tablestore, requiredTable(env, 'APPROVALS_TABLE')),
      close: () => undefined,
    };
  }
  const client = cliDynamoDbClient(env, env.APPROVALS_TABLE);
  return {
    store: new DynamoDbApprovalStore(client, env.APPROVALS_TABLE || LOCAL_APPROVALS_TABLE),
    close: () => client.destroy(),
  };
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
