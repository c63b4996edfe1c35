import { DingTalkCrypto } from '../lib/dingtalk/callback-crypto';
import { parseEvent } from '../lib/dingtalk/event-payload';
import { DEV_DINGTALK_ENV } from '../local-dev/dev-credentials';
import { opsPerSecond } from './measure';
import { BENCH_OWNER_KEY, approvalEvent } from './payload';

// The package DingTalk's official README points Node users to (v1.2.3; crypto-js underneath).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const DingTalkEncryptor = require('dingtalk-encrypt') as new (
  token: string,
  aesKey: string,
  ownerKey: string,
) => { getDecryptMsg(signature: string, timestamp: string, nonce: string, encrypt: string): string };

export interface CryptoResults {
  payloadBytes: number;
  decryptOpsPerSec: number;
  decryptExact: boolean;
  dingtalkEncryptOpsPerSec: number;
  dingtalkEncryptExact: boolean;
  replyOpsPerSec: number;
}

/** Verify + decrypt + parse of one typical push, ours against `dingtalk-encrypt`, on the same input. */
export function benchCrypto(): CryptoResults {
  const token = DEV_DINGTALK_ENV.DINGTALK_TOKEN;
  const aesKey = DEV_DINGTALK_ENV.DINGTALK_AES_KEY;
  const ours = new DingTalkCrypto({ token, aesKey, ownerKeys: [BENCH_OWNER_KEY] });
  const theirs = new DingTalkEncryptor(token, aesKey, BENCH_OWNER_KEY);

  const plaintext = approvalEvent(1);
  const timestamp = '1663143335567';
  const nonce = 'nonce123';
  const encrypt = ours.encrypt(plaintext, BENCH_OWNER_KEY);
  const signature = ours.signature(timestamp, nonce, encrypt);

  const decryptOurs = () => {
    ours.verifySignature(signature, timestamp, nonce, encrypt);
    return parseEvent(ours.decrypt(encrypt).message);
  };
  const decryptTheirs = () =>
    JSON.parse(theirs.getDecryptMsg(signature, timestamp, nonce, encrypt)) as unknown;

  let theirsExact: boolean;
  try {
    theirsExact = theirs.getDecryptMsg(signature, timestamp, nonce, encrypt) === plaintext;
  } catch {
    theirsExact = false;
  }
  // Its output is still JSON (mojibake inside strings), so it parses; it is just not the text sent.
  const theirsOps = opsPerSecond(decryptTheirs);
  return {
    payloadBytes: Buffer.byteLength(plaintext),
    decryptOpsPerSec: opsPerSecond(decryptOurs),
    decryptExact: decryptOurs().plaintext === plaintext,
    dingtalkEncryptOpsPerSec: theirsOps,
    dingtalkEncryptExact: theirsExact,
    replyOpsPerSec: opsPerSecond(() => ours.reply('success', BENCH_OWNER_KEY, timestamp)),
  };
}
