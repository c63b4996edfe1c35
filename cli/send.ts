import { readFileSync } from 'node:fs';
import { DingTalkCrypto } from '../lib/dingtalk/callback-crypto';
import { postToCallback, signPush } from '../lib/dingtalk/push-sender';
import { compactJson } from '../lib/dingtalk/exact-json';
import { loadDingTalkApps } from '../lib/startup/app-settings';
import { cliDingTalkSettings, defaultCallbackUrl } from './cli-config';

export interface SendOptions {
  file: string;
  url?: string;
  ownerKey?: string;
  /** An app of DINGTALK_APPS: signed with its credentials, sent to /dingtalk/{app} by default. */
  app?: string;
}

/** Encrypts an event like DingTalk does, POSTs it, and prints the status and the decrypted reply. */
export async function send(options: SendOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const text = options.file === '-' ? readFileSync(0, 'utf8') : readFileSync(options.file, 'utf8');
  try {
    JSON.parse(text);
  } catch {
    console.error(`${options.file === '-' ? 'stdin' : options.file} is not JSON`);
    return 2;
  }
  let settings: { token: string; aesKey: string; ownerKeys: string[] };
  let url = options.url ?? defaultCallbackUrl(env);
  if (options.app !== undefined) {
    const app = loadDingTalkApps(env, 'push').find((candidate) => candidate.id === options.app);
    if (!app) {
      console.error(`DINGTALK_APPS lists no app ${options.app}`);
      return 2;
    }
    settings = app;
    url = options.url ?? `${defaultCallbackUrl(env)}/${encodeURIComponent(app.id)}`;
  } else {
    const single = cliDingTalkSettings(env);
    if (single.usedDevCredentials)
      console.error('(no DINGTALK_* set: using the development credentials of `npm start`)');
    settings = single.settings;
  }
  const crypto = new DingTalkCrypto(settings);
  const ownerKey = options.ownerKey ?? settings.ownerKeys[0] ?? '';
  // DingTalk sends compact JSON; compacting keeps every digit of 64-bit ids.
  const push = signPush(crypto, compactJson(text.trim()), ownerKey);
  const result = await postToCallback(url, push.query, push.body, {
    crypto,
    timeoutMs: 15_000,
  });
  console.log(`HTTP ${result.status}`);
  if (!result.reply) {
    console.log(result.body);
    return 1;
  }
  const decrypted = result.reply;
  console.log(`reply: ${decrypted.message} (signature valid, owner key ${decrypted.ownerKey})`);
  return decrypted.message === 'success' ? 0 : 1;
}
