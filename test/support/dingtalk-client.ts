import { DingTalkCrypto } from '../../lib/dingtalk/callback-crypto';
import type { PushResult, SignedPush } from '../../lib/dingtalk/push-sender';
import { postToCallback, signPush } from '../../lib/dingtalk/push-sender';
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

export type { PushResult, SignedPush };

export function signedPush(plaintext: string, ownerKey = 'dingdevcorp', crypto = devCrypto): SignedPush {
  return signPush(crypto, plaintext, ownerKey);
}

export function post(
  url: string,
  query: Record<string, string>,
  body: string | Buffer,
  method = 'POST',
): Promise<PushResult> {
  return postToCallback(url, query, body, { crypto: devCrypto, timeoutMs: 15_000, method });
}

export function push(url: string, plaintext: string, ownerKey?: string): Promise<PushResult> {
  const { query, body } = signedPush(plaintext, ownerKey);
  return post(url, query, body);
}
