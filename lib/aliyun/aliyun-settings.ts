import type { DingTalkApp } from '../dingtalk/apps';
import { readDingTalkApps } from '../startup/app-settings';
import type { AskingPolicy } from '../core/failed-list-asking';
import type { DingTalkApiSettings, Env, ForwardingSettings } from '../startup/settings';
import {
  loadSettings,
  optionalTableName,
  optionalUrl,
  readAskingPolicy,
  readBodyLimit,
  readDingTalkApiSettings,
  readForwarding,
  required,
  tableName,
} from '../startup/settings';

/**
 * The Alibaba Cloud functions' settings, one loader per function, each reading only the variables that
 * function is given (serverless.aliyun.yml): the neutral settings (lib/startup/settings.ts) plus where
 * Tablestore is and which tables.
 */

/** Where Tablestore is. Credentials come from the function context, else from here. */
export interface TablestoreSettings {
  endpoint: string;
  instance: string;
  /** Only outside Function Compute (CLI, tests); in FC the context's STS credentials are used. */
  credentials?: { accessKeyId: string; accessKeySecret: string };
}

/** What answering DingTalk needs, without any store: enough for check_url. */
export interface AliyunCallbackSettings {
  /** DINGTALK_APPS, or the single-app variables as app `default`. */
  apps: DingTalkApp[];
  maxBodyBytes: number;
  /** Where the callback notes its own failures for the scheduled recovery (failed-list-asking.ts). */
  journalTable?: string;
}

/** The callback's store, read on first use (a check_url needs none). */
export interface AliyunEventTableSettings {
  tablestore: TablestoreSettings;
  eventsTable: string;
}

export interface AliyunTableChangeSettings {
  tablestore: TablestoreSettings;
  eventsTable: string;
  approvalsTable: string;
  /** SUITE_STATE_TABLE: ISV suites' tickets and corp authorisations (optional before it existed). */
  suiteStateTable?: string;
  /** Records that cannot be processed are set aside here, never in the triggering table. */
  parkedTable: string;
  forwarding?: ForwardingSettings;
}

export interface AliyunDeliveryRetrySettings {
  tablestore: TablestoreSettings;
  eventsTable: string;
  /** SUITE_STATE_TABLE: each run also checks the suites' ticket age (lib/core/suite-state.ts). */
  suiteStateTable?: string;
  forwarding?: ForwardingSettings;
}

export interface AliyunRecoverySettings {
  tablestore: TablestoreSettings;
  api: DingTalkApiSettings;
  eventsTable: string;
  journalTable: string;
  asking: AskingPolicy;
}

export function readTablestoreSettings(env: Env, problems: string[]): TablestoreSettings {
  const endpoint = required(env, 'TABLESTORE_ENDPOINT', problems);
  if (endpoint) optionalUrl(env, 'TABLESTORE_ENDPOINT', problems);
  const instance = required(env, 'TABLESTORE_INSTANCE', problems);
  if (instance && !/^[A-Za-z][A-Za-z0-9-]{2,15}$/.test(instance)) {
    problems.push(
      'TABLESTORE_INSTANCE must be a Tablestore instance name (3-16 of [A-Za-z0-9-], a letter first)',
    );
  }
  const accessKeyId = env.TABLESTORE_ACCESS_KEY_ID?.trim();
  const accessKeySecret = env.TABLESTORE_ACCESS_KEY_SECRET?.trim();
  if (Boolean(accessKeyId) !== Boolean(accessKeySecret)) {
    problems.push('TABLESTORE_ACCESS_KEY_ID and TABLESTORE_ACCESS_KEY_SECRET must be set together');
  }
  return {
    endpoint,
    instance,
    ...(accessKeyId && accessKeySecret ? { credentials: { accessKeyId, accessKeySecret } } : {}),
  };
}

export function loadTablestoreSettings(env: Env): TablestoreSettings {
  return loadSettings((problems) => readTablestoreSettings(env, problems));
}

export function loadAliyunCallbackSettings(env: Env): AliyunCallbackSettings {
  return loadSettings((problems) => {
    const journalTable = optionalTableName(env, 'RECOVERY_JOURNAL_TABLE', problems);
    return {
      apps: readDingTalkApps(env, problems, 'push'),
      maxBodyBytes: readBodyLimit(env, problems),
      ...(journalTable === undefined ? {} : { journalTable }),
    };
  });
}

export function loadAliyunEventTableSettings(env: Env): AliyunEventTableSettings {
  return loadSettings((problems) => ({
    tablestore: readTablestoreSettings(env, problems),
    eventsTable: tableName(env, 'EVENTS_TABLE', problems),
  }));
}

export function loadAliyunTableChangeSettings(env: Env): AliyunTableChangeSettings {
  return loadSettings((problems) => {
    const tablestore = readTablestoreSettings(env, problems);
    const eventsTable = tableName(env, 'EVENTS_TABLE', problems);
    const approvalsTable = tableName(env, 'APPROVALS_TABLE', problems);
    const parkedTable = tableName(env, 'PARKED_TABLE', problems);
    const suiteStateTable = optionalTableName(env, 'SUITE_STATE_TABLE', problems);
    const forwarding = readForwarding(env, problems);
    return {
      tablestore,
      eventsTable,
      approvalsTable,
      ...(suiteStateTable === undefined ? {} : { suiteStateTable }),
      parkedTable,
      ...(forwarding ? { forwarding } : {}),
    };
  });
}

export function loadAliyunDeliveryRetrySettings(env: Env): AliyunDeliveryRetrySettings {
  return loadSettings((problems) => {
    const tablestore = readTablestoreSettings(env, problems);
    const eventsTable = tableName(env, 'EVENTS_TABLE', problems);
    const forwarding = readForwarding(env, problems);
    const suiteStateTable = optionalTableName(env, 'SUITE_STATE_TABLE', problems);
    return {
      tablestore,
      eventsTable,
      ...(suiteStateTable === undefined ? {} : { suiteStateTable }),
      ...(forwarding ? { forwarding } : {}),
    };
  });
}

export function loadAliyunRecoverySettings(env: Env): AliyunRecoverySettings {
  return loadSettings((problems) => ({
    api: readDingTalkApiSettings(env, problems),
    tablestore: readTablestoreSettings(env, problems),
    eventsTable: tableName(env, 'EVENTS_TABLE', problems),
    journalTable: tableName(env, 'RECOVERY_JOURNAL_TABLE', problems),
    asking: readAskingPolicy(env, problems),
  }));
}
