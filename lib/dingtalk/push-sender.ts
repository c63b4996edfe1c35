import type { DecryptedMessage, DingTalkCrypto, EncryptedReply } from './callback-crypto';
import { randomNonce } from './callback-crypto';

/**
 * DingTalk's side of a push (docs/dingtalk-protocol.md §1, §4): the CLI's `send`, the open-API stand-in's
 * check_url handshake and the tests all deliver pushes this way.
 */
export interface SignedPush {
  query: { signature: string; timestamp: string; nonce: string };
  body: string;
}

export function signPush(crypto: DingTalkCrypto, message: string, ownerKey: string): SignedPush {
  const timestamp = String(Date.now());
  const nonce = randomNonce(8);
  const encrypt = crypto.encrypt(message, ownerKey);
  return {
    query: { signature: crypto.signature(timestamp, nonce, encrypt), timestamp, nonce },
    body: JSON.stringify({ encrypt }),
  };
}

export interface PushResult {
  status: number;
  body: string;
  /** The decrypted reply, when the status is 200. */
  reply?: DecryptedMessage;
}

/**
 * POSTs to a callback URL with the query added and, on 200, opens the encrypted reply: a 200 whose
 * reply does not verify or decrypt throws. Network failures and timeouts throw too.
 */
export async function postToCallback(
  url: string | URL,
  query: Readonly<Record<string, string>>,
  body: string | Buffer,
  options: { crypto: DingTalkCrypto; timeoutMs: number; method?: string },
): Promise<PushResult> {
  const method = options.method ?? 'POST';
  const target = new URL(url);
  for (const [name, value] of Object.entries(query)) target.searchParams.set(name, value);
  const response = await fetch(target, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(method === 'GET' || method === 'HEAD' ? {} : { body }),
    signal: AbortSignal.timeout(options.timeoutMs),
    redirect: 'manual',
  });
  const text = await response.text();
  const result: PushResult = { status: response.status, body: text };
  if (response.status === 200) result.reply = options.crypto.openReply(JSON.parse(text) as EncryptedReply);
  return result;
}
