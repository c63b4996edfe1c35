import { listsApps } from '../lib/startup/app-settings';
/**
 * Development-only DingTalk credentials, used by `npm start` and the CLI when no DINGTALK_* variable
 * is set. They are public by design: never register them with DingTalk.
 */
export const DEV_DINGTALK_ENV = {
  DINGTALK_TOKEN: 'dev-token-not-secret',
  DINGTALK_AES_KEY: 'devAesKeyForLocalTestingOnly0123456789abcde',
  DINGTALK_OWNER_KEY: 'dingdevcorp,devappkey',
} as const;

/** The local stack `npm start` runs, as seen by the CLI and the tests. */
export const LOCAL_STAGE = 'local';
export const LOCAL_EVENTS_TABLE = `dingtalk-callback-events-${LOCAL_STAGE}`;
export const LOCAL_APPROVALS_TABLE = `dingtalk-callback-approvals-${LOCAL_STAGE}`;
export const LOCAL_DELIVERIES_TABLE = `dingtalk-callback-deliveries-${LOCAL_STAGE}`;
export const LOCAL_RECOVERY_JOURNAL_TABLE = `dingtalk-callback-recovery-journal-${LOCAL_STAGE}`;
export const LOCAL_SUITE_STATE_TABLE = `dingtalk-callback-suite-state-${LOCAL_STAGE}`;

/** Fills in the development credentials when none are configured (nor DINGTALK_APPS); reports whether it did. */
export function withDevCredentials(env: NodeJS.ProcessEnv): {
  env: NodeJS.ProcessEnv;
  usedDevCredentials: boolean;
} {
  const configured = listsApps(env) || Object.keys(DEV_DINGTALK_ENV).some((name) => env[name]);
  return configured
    ? { env, usedDevCredentials: false }
    : { env: { ...env, ...DEV_DINGTALK_ENV }, usedDevCredentials: true };
}
