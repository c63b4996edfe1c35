import { isUtf8 } from 'node:buffer';
import { createCipheriv, createDecipheriv, hash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Decipher } from 'node:crypto';
import { BadRequestError, OwnerKeyMismatchError, SignatureMismatchError } from './callback-errors';

/**
 * DingTalk callback crypto ("回调消息体加解密"), on node:crypto only.
 *
 * Plaintext layout: random(16) | msg_len (uint32 BE, UTF-8 bytes) | msg | ownerKey | PKCS#7 padding
 * with a 32-byte block. AES-256-CBC, key = base64(EncodingAESKey + "="), IV = key[0..16).
 * Signature = sha1_hex(sort([token, timestamp, nonce, encrypt]).join("")).
 */

const PAD_BLOCK = 32;
const AES_BLOCK = 16;
const RANDOM_BYTES = 16;
const LENGTH_BYTES = 4;
const HEADER_BYTES = RANDOM_BYTES + LENGTH_BYTES;
const SIGNATURE_PATTERN = /^[0-9a-fA-F]{40}$/;
/** DingTalk's EncodingAESKey: 43 characters of [A-Za-z0-9] (the console generates them). */
export const AES_KEY_PATTERN = /^[A-Za-z0-9]{43}$/;
const NONCE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export interface DingTalkCryptoOptions {
  token: string;
  /** The 43-character EncodingAESKey. */
  aesKey: string;
  /** Owner keys (appKey, corpId, suiteKey) whose events this receiver accepts; matched exactly. */
  ownerKeys: readonly string[];
}

export interface DecryptedMessage {
  message: string;
  ownerKey: string;
}

export interface EncryptedReply {
  msg_signature: string;
  timeStamp: string;
  nonce: string;
  encrypt: string;
}

export class DingTalkCrypto {
  readonly #token: string;
  readonly #key: Buffer;
  readonly #iv: Buffer;
  /**
   * AES-256 block decryption (ECB, no padding), created once: CBC is applied below by XOR-ing each
   * decrypted block with the previous ciphertext block. ECB keeps no state between whole blocks, so one
   * object serves every call; creating a CBC decipher per push cost ~15% of the decrypt path.
   */
  readonly #blockDecipher: Decipher;
  readonly #ownerKeys: readonly Buffer[];

  constructor(options: DingTalkCryptoOptions) {
    if (!AES_KEY_PATTERN.test(options.aesKey)) {
      throw new Error('AES key must be exactly 43 characters of [A-Za-z0-9]');
    }
    if (options.token.length === 0) throw new Error('token must not be empty');
    if (options.ownerKeys.length === 0) throw new Error('at least one owner key is required');
    this.#token = options.token;
    // Many real keys are not canonical base64 (non-zero trailing bits): Buffer decodes them leniently.
    this.#key = Buffer.from(options.aesKey + '=', 'base64');
    this.#iv = this.#key.subarray(0, 16);
    this.#blockDecipher = createDecipheriv('aes-256-ecb', this.#key, null).setAutoPadding(false);
    this.#ownerKeys = options.ownerKeys.map((key) => Buffer.from(key, 'utf8'));
  }

  signature(timestamp: string, nonce: string, encrypt: string): string {
    return this.#digest(timestamp, nonce, encrypt).toString('hex');
  }

  /** Throws SignatureMismatchError unless `signature` is the 40-hex SHA-1 DingTalk would compute. */
  verifySignature(signature: string, timestamp: string, nonce: string, encrypt: string): void {
    if (!SIGNATURE_PATTERN.test(signature))
      throw new SignatureMismatchError('signature is not 40 hex digits');
    const expected = this.#digest(timestamp, nonce, encrypt);
    if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) throw new SignatureMismatchError();
  }

  #digest(timestamp: string, nonce: string, encrypt: string): Buffer {
    const parts = [this.#token, timestamp, nonce, encrypt].sort();
    // One-shot hash: no Hash object per request (this is on every push's path).
    return hash('sha1', parts.join(''), 'buffer');
  }

  /** Decrypts and strictly validates a ciphertext; the owner key must be one of the allowed ones. */
  decrypt(encrypt: string): DecryptedMessage {
    const ciphertext = Buffer.from(encrypt, 'base64');
    // Buffer's decoder skips what is not base64; only canonical, standard, padded base64 encodes back
    // to the same text (DingTalk never sends URL-safe, wrapped or unpadded base64).
    if (encrypt.length === 0 || ciphertext.toString('base64') !== encrypt) {
      throw new BadRequestError('encrypt is not valid base64');
    }
    if (ciphertext.length < PAD_BLOCK || ciphertext.length % PAD_BLOCK !== 0) {
      throw new BadRequestError('ciphertext length is not a positive multiple of 32 bytes');
    }
    const plain = this.#blockDecipher.update(ciphertext);
    if (plain.length !== ciphertext.length) throw new Error('AES block decryption returned a partial result');
    for (let i = plain.length - 1; i >= 0; i--) {
      plain[i]! ^= i < AES_BLOCK ? this.#iv[i]! : ciphertext[i - AES_BLOCK]!;
    }

    const pad = plain[plain.length - 1] ?? 0;
    if (pad < 1 || pad > PAD_BLOCK) throw new BadRequestError('invalid padding');
    for (let i = plain.length - pad; i < plain.length; i++) {
      if (plain[i] !== pad) throw new BadRequestError('invalid padding');
    }
    const content = plain.subarray(0, plain.length - pad);
    if (content.length < HEADER_BYTES) throw new BadRequestError('plaintext too short');
    const messageLength = content.readUInt32BE(RANDOM_BYTES);
    if (messageLength > content.length - HEADER_BYTES) {
      throw new BadRequestError('message length field out of range');
    }
    const messageBytes = content.subarray(HEADER_BYTES, HEADER_BYTES + messageLength);
    const ownerKeyBytes = content.subarray(HEADER_BYTES + messageLength);
    if (!this.#ownerKeys.some((allowed) => allowed.equals(ownerKeyBytes))) {
      throw new OwnerKeyMismatchError();
    }
    if (!isUtf8(messageBytes)) throw new BadRequestError('message is not valid UTF-8');
    const message = messageBytes.toString('utf8');
    // The owner key matched an allowed (valid UTF-8) key byte for byte, so this decode is exact.
    return { message, ownerKey: ownerKeyBytes.toString('utf8') };
  }

  /** Encrypts like DingTalk does; `random16` is only fixed by known-answer tests. */
  encrypt(message: string, ownerKey: string, random16: Buffer = randomBytes(RANDOM_BYTES)): string {
    if (random16.length !== RANDOM_BYTES) throw new Error('random prefix must be 16 bytes');
    const messageBytes = Buffer.from(message, 'utf8');
    const length = Buffer.alloc(LENGTH_BYTES);
    length.writeUInt32BE(messageBytes.length);
    const unpadded = Buffer.concat([random16, length, messageBytes, Buffer.from(ownerKey, 'utf8')]);
    const pad = PAD_BLOCK - (unpadded.length % PAD_BLOCK);
    const cipher = createCipheriv('aes-256-cbc', this.#key, this.#iv);
    cipher.setAutoPadding(false);
    const padded = Buffer.concat([unpadded, Buffer.alloc(pad, pad)]);
    return Buffer.concat([cipher.update(padded), cipher.final()]).toString('base64');
  }

  /** Verifies and decrypts a reply such as `reply()` builds; throws like verifySignature/decrypt. */
  openReply(reply: EncryptedReply): DecryptedMessage {
    this.verifySignature(reply.msg_signature, reply.timeStamp, reply.nonce, reply.encrypt);
    return this.decrypt(reply.encrypt);
  }

  /** The encrypted reply DingTalk accepts: all strings, base64 on one line. */
  reply(message: string, ownerKey: string, timeStamp: string, nonce: string = randomNonce()): EncryptedReply {
    const encrypt = this.encrypt(message, ownerKey);
    return { msg_signature: this.signature(timeStamp, nonce, encrypt), timeStamp, nonce, encrypt };
  }
}

export function randomNonce(length = 16): string {
  const bytes = randomBytes(length);
  let nonce = '';
  // 62 symbols: the modulo bias (256 % 62) is irrelevant for a nonce that is not a secret.
  for (const byte of bytes) nonce += NONCE_ALPHABET[byte % NONCE_ALPHABET.length];
  return nonce;
}
