import { DingTalkCrypto, randomNonce } from '../../lib/dingtalk-crypto';
import type { EncryptedReply } from '../../lib/dingtalk-crypto';
import { DEV_DINGTALK_ENV } from '../../local-dev/dev-credentials';

/**
 * Plays DingTalk's side of a push: encrypts, signs, POSTs on loopback and checks the encrypted reply.
 * DingTalk's servers cannot run here; this follows its documented wire protocol byte for byte.
 */
export const devCrypto = new DingTalkCrypto({
  token: DEV_DINGTALK_ENV.DINGTALK_TOKEN,
  aesKey: DEV_DINGTALK_ENV.DINGTALK_AES_KEY,
  ownerKeys: DEV_DINGTALK_ENV.DINGTALK_OWNER_KEY.split(','),
});

export interface SignedPush {
  query: Record<string, string>;
  body: string;
}

export function signedPush(plaintext: string, ownerKey = 'dingdevcorp', crypto = devCrypto): SignedPush {
  const timestamp = String(Date.now());
  const nonce = randomNonce(8);
  const encrypt = crypto.encrypt(plaintext, ownerKey);
  return {
    query: { signature: crypto.signature(timestamp, nonce, encrypt), timestamp, nonce },
    body: JSON.stringify({ encrypt }),
  };
}

export interface PushResult {
  status: number;
  body: string;
  /** The decrypted reply when the status is 200 and the reply verifies. */
  reply?: { message: string; ownerKey: string };
}

export async function post(
  url: string,
  query: Record<string, string>,
  body: string | Buffer,
  method = 'POST',
): Promise<PushResult> {
  const target = new URL(url);
  for (const [name, value] of Object.entries(query)) target.searchParams.set(name, value);
  const response = await fetch(target, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(method === 'GET' || method === 'HEAD' ? {} : { body }),
    signal: AbortSignal.timeout(15_000),
    redirect: 'manual',
  });
  const text = await response.text();
  const result: PushResult = { status: response.status, body: text };
  if (response.status === 200) {
    const reply = JSON.parse(text) as EncryptedReply;
    devCrypto.verifySignature(reply.msg_signature, reply.timeStamp, reply.nonce, reply.encrypt);
    result.reply = devCrypto.decrypt(reply.encrypt);
  }
  return result;
}

export function push(url: string, plaintext: string, ownerKey?: string): Promise<PushResult> {
  const { query, body } = signedPush(plaintext, ownerKey);
  return post(url, query, body);
}
