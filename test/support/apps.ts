import type { DingTalkApp } from '../../lib/dingtalk/apps';
import { DingTalkCrypto } from '../../lib/dingtalk/callback-crypto';

/**
 * Three apps as DINGTALK_APPS lists them in the tests: two internal apps and an ISV suite, each with its
 * own token, AES key and owner key (development values, not secrets).
 */
export const TEST_APPS = [
  {
    id: 'hr',
    kind: 'internal',
    token: 'hr-token-not-secret',
    aesKey: 'hrAesKeyForLocalTestingOnly0123456789abcdef',
    ownerKey: 'dinghrappkey',
    appKey: 'dinghrappkey',
    appSecret: 'hr-app-secret-not-secret',
  },
  {
    id: 'oa',
    kind: 'internal',
    token: 'oa-token-not-secret',
    aesKey: 'oaAesKeyForLocalTestingOnly0123456789abcdef',
    ownerKey: 'dingoaappkey',
    appKey: 'dingoaappkey',
    appSecret: 'oa-app-secret-not-secret',
  },
  {
    id: 'isv',
    kind: 'suite',
    token: 'isv-token-not-secret',
    aesKey: 'isvAesKeyForLocalTestingOnly0123456789abcde',
    ownerKey: 'suite1234567key',
    appKey: 'suite1234567key',
    appSecret: 'isv-suite-secret-not-secret',
  },
] as const;

export type TestAppId = (typeof TEST_APPS)[number]['id'];

export const TEST_APPS_JSON = JSON.stringify(TEST_APPS);

/** The environment that lists them (and blanks the single-app variables the local stack sets). */
export const TEST_APPS_ENV = {
  DINGTALK_APPS: TEST_APPS_JSON,
  DINGTALK_TOKEN: '',
  DINGTALK_AES_KEY: '',
  DINGTALK_OWNER_KEY: '',
};

/** DingTalk's side of one app: its crypto and owner key. */
export function appSide(id: TestAppId): { crypto: DingTalkCrypto; ownerKey: string; app: DingTalkApp } {
  const listed = TEST_APPS.find((app) => app.id === id)!;
  const app: DingTalkApp = { ...listed, ownerKeys: [listed.ownerKey], stream: false };
  return {
    crypto: new DingTalkCrypto({ token: app.token, aesKey: app.aesKey, ownerKeys: app.ownerKeys }),
    ownerKey: listed.ownerKey,
    app,
  };
}
