import { readFileSync } from 'node:fs';
import { DingTalkCrypto } from '../lib/dingtalk/callback-crypto';
import { postToCallback, signPush } from '../lib/dingtalk/push-sender';
import { compactJson } from '../lib/dingtalk/exact-json';
import { cliDingTalkSettings, defaultCallbackUrl } from './cli-config';

export interface SendOptions {
  file: string;
  url?: string;
  ownerKey?: string;
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
  const { settings, usedDevCredentials } = cliDingTalkSettings(env);
  if (usedDevCredentials)
    console.error('(no DINGTALK_* set: using the development credentials of `npm start`)');
  const crypto = new DingTalkCrypto(settings);
  const ownerKey = options.ownerKey ?? settings.ownerKeys[0] ?? '';
  // DingTalk sends compact JSON; compacting keeps every digit of 64-bit ids.
  const push = signPush(crypto, compactJson(text.trim()), ownerKey);
  const result = await postToCallback(options.url ?? defaultCallbackUrl(env), push.query, push.body, {
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
