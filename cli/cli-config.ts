import { loadTablestoreSettings } from '../lib/aliyun/aliyun-settings';
import { tablestoreStores } from '../lib/aliyun/functions/stores';
import { awsRegion } from '../lib/aws/aws-settings';
import { dynamoDbStores } from '../lib/aws/functions/stores';
import type { ApprovalStore } from '../lib/core/approval-projection';
import type { RecoveryJournal } from '../lib/core/failed-push-recovery';
import type { DeliveryStore } from '../lib/core/forwarding';
import type { Logger } from '../lib/core/logger';
import type { OperatorStores } from '../lib/core/operator-stores';
import type { ErasableEvents, PurgeDependencies } from '../lib/core/purge';
import type { EventStore } from '../lib/core/stored-event';
import { SuiteState } from '../lib/core/suite-state';
import type { ParkingStore } from '../lib/core/table-change-batch';
import type { DingTalkSettings } from '../lib/startup/settings';
import { ConfigError, loadDingTalkSettings, loadSettings, readRetention } from '../lib/startup/settings';
import {
  LOCAL_APPROVALS_TABLE,
  LOCAL_DELIVERIES_TABLE,
  LOCAL_EVENTS_TABLE,
  LOCAL_RECOVERY_JOURNAL_TABLE,
  LOCAL_SUITE_STATE_TABLE,
  withDevCredentials,
} from '../local-dev/dev-credentials';

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

type TableVariable =
  'EVENTS_TABLE' | 'APPROVALS_TABLE' | 'RECOVERY_JOURNAL_TABLE' | 'DELIVERIES_TABLE' | 'SUITE_STATE_TABLE';

const LOCAL_TABLES: Record<TableVariable, string> = {
  EVENTS_TABLE: LOCAL_EVENTS_TABLE,
  APPROVALS_TABLE: LOCAL_APPROVALS_TABLE,
  RECOVERY_JOURNAL_TABLE: LOCAL_RECOVERY_JOURNAL_TABLE,
  DELIVERIES_TABLE: LOCAL_DELIVERIES_TABLE,
  SUITE_STATE_TABLE: LOCAL_SUITE_STATE_TABLE,
};

/**
 * A store of the deployment the environment names: with TABLESTORE_ENDPOINT an Alibaba deployment's
 * Tablestore tables; with the table's variable set a DynamoDB deployment (DYNAMODB_ENDPOINT for a local
 * one); with neither, `npm start`'s table on DynamoDB Local, unless `local: false` (the Stream Mode
 * container, which must never write to a development table by accident).
 */
function cliStore<T>(
  env: Env,
  variable: TableVariable,
  pick: (stores: OperatorStores, table: string) => T,
  options: { local?: boolean } = {},
): { store: T; close: () => void } {
  const table = env[variable]?.trim();
  if (env.TABLESTORE_ENDPOINT) {
    if (!table) throw new ConfigError([`TABLESTORE_ENDPOINT is set: also set ${variable}`]);
    const stores = tablestoreStores(loadTablestoreSettings(env));
    return { store: pick(stores, table), close: () => stores.close() };
  }
  if (!table && options.local === false) {
    throw new ConfigError([
      `${variable} is not set: name the deployment's table (and TABLESTORE_* for Alibaba Cloud's Tablestore)`,
    ]);
  }
  const endpoint = env.DYNAMODB_ENDPOINT || (table ? undefined : localDynamoDbEndpoint(env));
  // The deployment's retention (RETENTION_*_DAYS, defaults as deployed): records the CLI writes (recovered
  // events, replayed deliveries) expire like the functions' own.
  const retention = loadSettings((problems) => readRetention(env, problems));
  const stores = dynamoDbStores(
    {
      region: awsRegion(env),
      hasCredentials: Boolean(env.AWS_ACCESS_KEY_ID),
      ...(endpoint ? { endpoint } : {}),
    },
    retention,
  );
  return { store: pick(stores, table || LOCAL_TABLES[variable]), close: () => stores.close() };
}

export function cliEventStore(
  env: Env,
  options: { local?: boolean } = {},
): { store: EventStore & ErasableEvents; close: () => void } {
  return cliStore(env, 'EVENTS_TABLE', (stores, table) => stores.events(table), options);
}

export function cliApprovalStore(env: Env): {
  store: ApprovalStore & PurgeDependencies['approvals'];
  close: () => void;
} {
  return cliStore(env, 'APPROVALS_TABLE', (stores, table) => stores.approvals(table));
}

/** The recovery journal the scheduled functions use, so `recover` and they finish each other's pages. */
export function cliRecoveryJournal(env: Env, logger: Logger): { store: RecoveryJournal; close: () => void } {
  return cliStore(env, 'RECOVERY_JOURNAL_TABLE', (stores, table) => stores.journal(table, logger));
}

export function cliDeliveryStore(env: Env): {
  store: DeliveryStore & PurgeDependencies['deliveries'];
  close: () => void;
} {
  return cliStore(env, 'DELIVERIES_TABLE', (stores, table) => stores.deliveries(table));
}

/** ISV suites' tickets and corp authorisations (SUITE_STATE_TABLE). */
export function cliSuiteState(env: Env): { store: SuiteState; close: () => void } {
  return cliStore(env, 'SUITE_STATE_TABLE', (stores, table) => new SuiteState(stores.suites(table)));
}

export function localDynamoDbEndpoint(env: Env): string {
  return `http://127.0.0.1:${env.DYNAMODB_LOCAL_PORT || 8000}`;
}

/**
 * Parked table-change records (Alibaba Cloud's PARKED_TABLE). AWS has none: records that exhaust the
 * stream's retries go to the SQS queue EventStreamFailures, and `reprocess --since` takes them from the
 * events table.
 */
export function cliParkingStore(env: Env): { store: ParkingStore; close: () => void } {
  const table = env.PARKED_TABLE?.trim();
  if (!env.TABLESTORE_ENDPOINT || !table) {
    throw new ConfigError([
      'parked records are kept on Alibaba Cloud only: set TABLESTORE_* and PARKED_TABLE (on AWS, use reprocess --since)',
    ]);
  }
  const stores = tablestoreStores(loadTablestoreSettings(env));
  return { store: stores.parking!(table), close: () => stores.close() };
}
