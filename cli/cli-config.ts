import type { DingTalkSettings } from '../lib/config';
import { loadDingTalkSettings } from '../lib/config';
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

export function cliEventStore(env: Env): { store: EventStore; close: () => void } {
  const client = cliDynamoDbClient(env, env.EVENTS_TABLE);
  return {
    store: new DynamoDbEventStore(client, env.EVENTS_TABLE || LOCAL_EVENTS_TABLE),
    close: () => client.destroy(),
  };
}

export function cliApprovalStore(env: Env): { store: ApprovalStore; close: () => void } {
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
