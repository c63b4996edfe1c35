import type { DingTalkApp } from '../dingtalk/apps';
import { readDingTalkApps } from '../startup/app-settings';
import type { AskingPolicy } from '../core/failed-list-asking';
import type { Retention } from '../core/retention';
import type { DingTalkApiSettings, Env, ForwardingSettings } from '../startup/settings';
import {
  loadSettings,
  optionalTableName,
  optionalUrl,
  readAskingPolicy,
  readRetention,
  readBodyLimit,
  readDingTalkApiSettings,
  readForwarding,
  tableName,
} from '../startup/settings';

/**
 * The AWS functions' settings, one loader per function, each reading only the variables that function
 * is given (serverless.aws.yml): the neutral settings (lib/startup/settings.ts) plus where DynamoDB is.
 * Secrets arrive already resolved from SSM (lib/startup/secrets.ts).
 */

/** Where DynamoDB is: Lambda sets AWS_REGION; DYNAMODB_ENDPOINT only for DynamoDB Local. */
export interface DynamoDbSettings {
  region: string;
  endpoint?: string;
  /** AWS_ACCESS_KEY_ID is set: a local endpoint gets those keys, else a dummy pair. */
  hasCredentials: boolean;
}

export interface AwsCallbackSettings {
  /** DINGTALK_APPS, or the single-app variables as app `default`. */
  apps: DingTalkApp[];
  maxBodyBytes: number;
  eventsTable: string;
  /** Where the callback notes its own failures for the scheduled recovery (failed-list-asking.ts). */
  journalTable?: string;
  dynamoDb: DynamoDbSettings;
  /** Each table's time to live (lib/core/retention.ts). */
  retention: Retention;
}

export interface AwsTableChangeSettings {
  /** Where the parts of a split payload are read from (events-table-item.ts). */
  eventsTable: string;
  approvalsTable: string;
  /** SUITE_STATE_TABLE: ISV suites' tickets and corp authorisations (optional before it existed). */
  suiteStateTable?: string;
  dynamoDb: DynamoDbSettings;
  /** Present when FORWARD_URL is set. */
  forwarding?: ForwardingSettings;
  /** Each table's time to live (lib/core/retention.ts). */
  retention: Retention;
}

export interface AwsDeliveryRetrySettings {
  eventsTable: string;
  /** SUITE_STATE_TABLE: each run also checks the suites' ticket age (lib/core/suite-state.ts). */
  suiteStateTable?: string;
  dynamoDb: DynamoDbSettings;
  /** Without FORWARD_URL there is nothing to retry. */
  forwarding?: ForwardingSettings;
  /** Each table's time to live (lib/core/retention.ts). */
  retention: Retention;
}

export interface AwsRecoverySettings {
  api: DingTalkApiSettings;
  eventsTable: string;
  journalTable: string;
  /** The SQS queue that keeps a page the journal could not take in time. */
  fallbackQueueUrl?: string;
  dynamoDb: DynamoDbSettings;
  asking: AskingPolicy;
  /** Each table's time to live (lib/core/retention.ts). */
  retention: Retention;
}

/** Lambda sets AWS_REGION; outside Lambda (CLI, tests; DynamoDB Local ignores it) us-east-1. */
export function awsRegion(env: Env): string {
  return env.AWS_REGION?.trim() || 'us-east-1';
}

export function readDynamoDbSettings(env: Env, problems: string[]): DynamoDbSettings {
  const endpoint = optionalUrl(env, 'DYNAMODB_ENDPOINT', problems);
  const region = awsRegion(env);
  const hasCredentials = Boolean(env.AWS_ACCESS_KEY_ID);
  return { region, hasCredentials, ...(endpoint === undefined ? {} : { endpoint }) };
}

export function loadAwsCallbackSettings(env: Env): AwsCallbackSettings {
  return loadSettings((problems) => {
    const journalTable = optionalTableName(env, 'RECOVERY_JOURNAL_TABLE', problems);
    return {
      apps: readDingTalkApps(env, problems, 'push'),
      eventsTable: tableName(env, 'EVENTS_TABLE', problems),
      ...(journalTable === undefined ? {} : { journalTable }),
      dynamoDb: readDynamoDbSettings(env, problems),
      maxBodyBytes: readBodyLimit(env, problems),
      retention: readRetention(env, problems),
    };
  });
}

export function loadAwsTableChangeSettings(env: Env): AwsTableChangeSettings {
  return loadSettings((problems) => {
    const eventsTable = tableName(env, 'EVENTS_TABLE', problems);
    const approvalsTable = tableName(env, 'APPROVALS_TABLE', problems);
    const suiteStateTable = optionalTableName(env, 'SUITE_STATE_TABLE', problems);
    const dynamoDb = readDynamoDbSettings(env, problems);
    const forwarding = readForwarding(env, problems);
    const retention = readRetention(env, problems);
    return {
      eventsTable,
      approvalsTable,
      ...(suiteStateTable === undefined ? {} : { suiteStateTable }),
      dynamoDb,
      retention,
      ...(forwarding ? { forwarding } : {}),
    };
  });
}

export function loadAwsDeliveryRetrySettings(env: Env): AwsDeliveryRetrySettings {
  return loadSettings((problems) => {
    const eventsTable = tableName(env, 'EVENTS_TABLE', problems);
    const dynamoDb = readDynamoDbSettings(env, problems);
    const forwarding = readForwarding(env, problems);
    const retention = readRetention(env, problems);
    const suiteStateTable = optionalTableName(env, 'SUITE_STATE_TABLE', problems);
    return {
      eventsTable,
      ...(suiteStateTable === undefined ? {} : { suiteStateTable }),
      dynamoDb,
      retention,
      ...(forwarding ? { forwarding } : {}),
    };
  });
}

export function loadAwsRecoverySettings(env: Env): AwsRecoverySettings {
  return loadSettings((problems) => {
    const api = readDingTalkApiSettings(env, problems);
    const eventsTable = tableName(env, 'EVENTS_TABLE', problems);
    const journalTable = tableName(env, 'RECOVERY_JOURNAL_TABLE', problems);
    const fallbackQueueUrl = optionalUrl(env, 'RECOVERY_FALLBACK_QUEUE_URL', problems);
    const dynamoDb = readDynamoDbSettings(env, problems);
    return {
      api,
      eventsTable,
      journalTable,
      dynamoDb,
      asking: readAskingPolicy(env, problems),
      retention: readRetention(env, problems),
      ...(fallbackQueueUrl === undefined ? {} : { fallbackQueueUrl }),
    };
  });
}
