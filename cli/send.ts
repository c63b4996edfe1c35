import { readFileSync } from 'node:fs';
import { DingTalkCrypto, randomNonce } from '../lib/dingtalk-crypto';
import type { EncryptedReply } from '../lib/dingtalk-crypto';
import { compactJson } from '../lib/event-json';
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
  const url = new URL(options.url ?? defaultCallbackUrl(env));
  const timestamp = String(Date.now());
  const nonce = randomNonce(8);
  // DingTalk sends compact JSON; compacting keeps every digit of 64-bit ids.
  const encrypt = crypto.encrypt(compactJson(text.trim()), ownerKey);
  url.searchParams.set('signature', crypto.signature(timestamp, nonce, encrypt));
  url.searchParams.set('timestamp', timestamp);
  url.searchParams.set('nonce', nonce);

  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ encrypt }),
    signal: AbortSignal.timeout(15_000),
    redirect: 'manual',
  });
  const body = await response.text();
  console.log(`HTTP ${response.status}`);
  if (response.status !== 200) {
    console.log(body);
    return 1;
  }
  const reply = JSON.parse(body) as EncryptedReply;
  crypto.verifySignature(reply.msg_signature, reply.timeStamp, reply.nonce, reply.encrypt);
  const decrypted = crypto.decrypt(reply.encrypt);
  console.log(`reply: ${decrypted.message} (signature valid, owner key ${decrypted.ownerKey})`);
  return decrypted.message === 'success' ? 0 : 1;
}
