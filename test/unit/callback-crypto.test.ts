import { expect } from 'chai';
import fc from 'fast-check';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { DingTalkCrypto } from '../../lib/dingtalk/callback-crypto';
import {
  BadRequestError,
  OwnerKeyMismatchError,
  SignatureMismatchError,
} from '../../lib/dingtalk/callback-errors';
import vectors from '../fixtures/dingtalk-vectors.json';

interface Vector {
  token: string;
  aesKey: string;
  ownerKey: string;
  signature: string;
  timestamp: string;
  nonce: string;
  encrypt: string;
  plaintext: string;
  random16?: string;
}

const [officialDoc, goReply, deterministic, negative] = vectors as unknown as [
  Vector,
  Vector,
  Vector,
  {
    base: number;
    badNonce: string;
    badOwnerKey: string;
  },
];

function cryptoFor(vector: Vector, ownerKeys = [vector.ownerKey]): DingTalkCrypto {
  return new DingTalkCrypto({ token: vector.token, aesKey: vector.aesKey, ownerKeys });
}

/** Encrypts arbitrary plaintext bytes with the vector's key, bypassing our encoder, to forge bad layouts. */
function rawEncrypt(aesKey: string, plain: Buffer): string {
  const key = Buffer.from(aesKey + '=', 'base64');
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

function layout(message: Buffer, ownerKey: string, padOverride?: (pad: number) => Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(message.length);
  const body = Buffer.concat([Buffer.alloc(16, 7), length, message, Buffer.from(ownerKey)]);
  const pad = 32 - (body.length % 32);
  return Buffer.concat([body, padOverride ? padOverride(pad) : Buffer.alloc(pad, pad)]);
}

describe('DingTalkCrypto', () => {
  describe('known-answer vectors (shared fixtures)', () => {
    for (const vector of [officialDoc, goReply]) {
      it(`GIVEN ${vector.nonce} WHEN verifying and decrypting THEN signature and plaintext match`, () => {
        const crypto = cryptoFor(vector);
        expect(crypto.signature(vector.timestamp, vector.nonce, vector.encrypt)).to.equal(vector.signature);
        expect(() =>
          crypto.verifySignature(vector.signature, vector.timestamp, vector.nonce, vector.encrypt),
        ).not.to.throw();
        expect(crypto.decrypt(vector.encrypt)).to.deep.equal({
          message: vector.plaintext,
          ownerKey: vector.ownerKey,
        });
      });
    }

    it('GIVEN a fixed random prefix WHEN encrypting THEN ciphertext and signature match byte for byte', () => {
      const crypto = cryptoFor(deterministic);
      const random16 = Buffer.from(deterministic.random16 ?? '', 'utf8');
      const encrypt = crypto.encrypt(deterministic.plaintext, deterministic.ownerKey, random16);
      expect(encrypt).to.equal(deterministic.encrypt);
      expect(crypto.signature(deterministic.timestamp, deterministic.nonce, encrypt)).to.equal(
        deterministic.signature,
      );
    });

    it('GIVEN the negative vector WHEN the nonce is changed THEN the signature check fails', () => {
      const base = vectors[negative.base] as unknown as Vector;
      expect(() =>
        cryptoFor(base).verifySignature(base.signature, base.timestamp, negative.badNonce, base.encrypt),
      ).to.throw(SignatureMismatchError);
    });

    it('GIVEN the negative vector WHEN only the prefix owner key is allowed THEN decrypt fails the owner check', () => {
      const base = vectors[negative.base] as unknown as Vector;
      expect(() => cryptoFor(base, [negative.badOwnerKey]).decrypt(base.encrypt)).to.throw(
        OwnerKeyMismatchError,
      );
    });
  });

  describe('round trips', () => {
    const crypto = cryptoFor(officialDoc, ['dingcorp', 'appkey123']);

    it('GIVEN 100 random batches of messages encrypted by plain AES-256-CBC WHEN decrypted in turn THEN each comes back exactly', () => {
      // decrypt() runs CBC over a reused block decipher: ciphertexts of every length, decrypted one after
      // another, must each match the reference CBC encryption.
      fc.assert(
        fc.property(
          fc.array(fc.string({ unit: 'binary', maxLength: 3000 }), { minLength: 2, maxLength: 4 }),
          (messages) => {
            const ciphertexts = messages.map((message) =>
              rawEncrypt(officialDoc.aesKey, layout(Buffer.from(message, 'utf8'), 'dingcorp')),
            );
            ciphertexts.forEach((encrypt, i) => {
              expect(crypto.decrypt(encrypt)).to.deep.equal({ message: messages[i], ownerKey: 'dingcorp' });
            });
          },
        ),
        { numRuns: 100, seed: 7 },
      );
    });
    const texts = {
      chinese: '{"EventType":"bpms_instance_change","title":"请假申请-张三","remark":"同意，注意休息"}',
      percent: '{"EventType":"x","note":"100% done, %E4%B8%AD %s %d %%"}',
      emoji: '{"EventType":"x","note":"👍🏽 ok 🎉 𠜎"}',
      empty: '',
    };
    for (const [name, text] of Object.entries(texts)) {
      it(`GIVEN ${name} text WHEN encrypted and decrypted THEN the exact text and owner key come back`, () => {
        const encrypt = crypto.encrypt(text, 'appkey123');
        expect(encrypt).to.match(/^[A-Za-z0-9+/]+=*$/);
        expect(Buffer.from(encrypt, 'base64').length % 32).to.equal(0);
        expect(crypto.decrypt(encrypt)).to.deep.equal({ message: text, ownerKey: 'appkey123' });
      });
    }

    it('GIVEN Chinese text WHEN encrypted THEN the length field counts UTF-8 bytes, not characters', () => {
      const text = '审批通过';
      const key = Buffer.from(officialDoc.aesKey + '=', 'base64');
      const encrypt = crypto.encrypt(text, 'dingcorp');
      const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
      decipher.setAutoPadding(false);
      const plain: Buffer = Buffer.concat([
        decipher.update(Buffer.from(encrypt, 'base64')),
        decipher.final(),
      ]);
      expect(plain.readUInt32BE(16)).to.equal(12);
    });

    it('GIVEN a reply WHEN built THEN it is signed over its own fields and decrypts to success', () => {
      const reply = crypto.reply('success', 'dingcorp', '1700000000000');
      expect(Object.keys(reply)).to.deep.equal(['msg_signature', 'timeStamp', 'nonce', 'encrypt']);
      expect(reply.timeStamp).to.equal('1700000000000');
      expect(reply.nonce).to.match(/^[A-Za-z0-9]{16}$/);
      expect(reply.encrypt).not.to.include('\n');
      expect(reply.msg_signature).to.equal(crypto.signature(reply.timeStamp, reply.nonce, reply.encrypt));
      expect(crypto.decrypt(reply.encrypt)).to.deep.equal({ message: 'success', ownerKey: 'dingcorp' });
    });

    it('GIVEN two replies WHEN built THEN random prefix and nonce differ', () => {
      const a = crypto.reply('success', 'dingcorp', '1');
      const b = crypto.reply('success', 'dingcorp', '1');
      expect(a.encrypt).not.to.equal(b.encrypt);
      expect(a.nonce).not.to.equal(b.nonce);
    });
  });

  describe('signature checks', () => {
    const crypto = cryptoFor(officialDoc);
    const { signature, timestamp, nonce, encrypt } = officialDoc;

    it('GIVEN an upper-case hex signature WHEN verifying THEN it is accepted (hex is case-insensitive)', () => {
      expect(() => crypto.verifySignature(signature.toUpperCase(), timestamp, nonce, encrypt)).not.to.throw();
    });

    for (const bad of ['', 'abc', signature + '0', signature.slice(0, 39) + 'g', ' ' + signature.slice(1)]) {
      it(`GIVEN malformed signature "${bad.slice(0, 12)}…" WHEN verifying THEN it is rejected`, () => {
        expect(() => crypto.verifySignature(bad, timestamp, nonce, encrypt)).to.throw(SignatureMismatchError);
      });
    }

    it('GIVEN any single hex digit of the signature changed WHEN verifying THEN it is rejected', () => {
      for (let i = 0; i < signature.length; i++) {
        const digit = signature[i] === '0' ? '1' : '0';
        const tampered = signature.slice(0, i) + digit + signature.slice(i + 1);
        expect(() => crypto.verifySignature(tampered, timestamp, nonce, encrypt), `digit ${i}`).to.throw(
          SignatureMismatchError,
        );
      }
    });

    it('GIVEN any character of encrypt, timestamp or nonce changed WHEN verifying THEN it is rejected', () => {
      const tamper = (text: string, i: number) =>
        text.slice(0, i) + (text[i] === 'A' ? 'B' : 'A') + text.slice(i + 1);
      for (let i = 0; i < encrypt.length; i++) {
        expect(
          () => crypto.verifySignature(signature, timestamp, nonce, tamper(encrypt, i)),
          `encrypt ${i}`,
        ).to.throw(SignatureMismatchError);
      }
      for (let i = 0; i < timestamp.length; i++) {
        expect(() => crypto.verifySignature(signature, tamper(timestamp, i), nonce, encrypt)).to.throw(
          SignatureMismatchError,
        );
      }
      for (let i = 0; i < nonce.length; i++) {
        expect(() => crypto.verifySignature(signature, timestamp, tamper(nonce, i), encrypt)).to.throw(
          SignatureMismatchError,
        );
      }
    });

    it('GIVEN the wrong token, timestamp or encrypt WHEN verifying THEN it is rejected', () => {
      const other = new DingTalkCrypto({ token: 'other', aesKey: officialDoc.aesKey, ownerKeys: ['x'] });
      expect(() => other.verifySignature(signature, timestamp, nonce, encrypt)).to.throw(
        SignatureMismatchError,
      );
      expect(() => crypto.verifySignature(signature, timestamp + '1', nonce, encrypt)).to.throw(
        SignatureMismatchError,
      );
      expect(() =>
        crypto.verifySignature(signature, timestamp, nonce, encrypt.replace('1a3', '1a4')),
      ).to.throw(SignatureMismatchError);
    });
  });

  describe('strict decryption', () => {
    const crypto = cryptoFor(officialDoc);

    it('GIVEN every byte of the ciphertext flipped in turn WHEN decrypting THEN the original never comes back', () => {
      // Decryption alone is not authentication (the signature is); it must still never return the
      // original message from a tampered ciphertext, nor fail with anything but a client error.
      const bytes = Buffer.from(officialDoc.encrypt, 'base64');
      for (let i = 0; i < bytes.length; i++) {
        const tampered = Buffer.from(bytes);
        tampered[i] = (tampered[i] ?? 0) ^ 0x01;
        try {
          const { message, ownerKey } = crypto.decrypt(tampered.toString('base64'));
          expect(
            message === officialDoc.plaintext && ownerKey === officialDoc.ownerKey,
            `byte ${i}`,
          ).to.equal(false);
        } catch (error) {
          expect(
            error instanceof BadRequestError || error instanceof OwnerKeyMismatchError,
            `byte ${i}: ${String(error)}`,
          ).to.equal(true);
        }
      }
    });

    const cases: Record<string, string> = {
      'not base64': '%%%notbase64%%%',
      'URL-safe base64': officialDoc.encrypt.replace(/\+/g, '-').replace(/\//g, '_'),
      'missing padding': 'QUJD',
      'whitespace inside': officialDoc.encrypt.slice(0, 20) + '\n' + officialDoc.encrypt.slice(20),
      'length not a multiple of 32': Buffer.alloc(48).toString('base64'),
      'shorter than one block': Buffer.alloc(16).toString('base64'),
    };
    for (const [name, encrypt] of Object.entries(cases)) {
      it(`GIVEN ${name} WHEN decrypting THEN it is a bad request`, () => {
        expect(() => crypto.decrypt(encrypt)).to.throw(BadRequestError);
      });
    }

    it('GIVEN padding byte 0 or above 32 WHEN decrypting THEN it is a bad request', () => {
      for (const value of [0, 33, 255]) {
        const plain = layout(Buffer.from('{}'), officialDoc.ownerKey, (pad) => Buffer.alloc(pad, value));
        expect(() => crypto.decrypt(rawEncrypt(officialDoc.aesKey, plain)), `pad ${value}`).to.throw(
          BadRequestError,
          'padding',
        );
      }
    });

    it('GIVEN padding bytes that are not all equal WHEN decrypting THEN it is a bad request', () => {
      const plain = layout(Buffer.from('{"a":1}'), officialDoc.ownerKey, (pad) => {
        const padding = Buffer.alloc(pad, pad);
        padding[0] = pad - 1;
        return padding;
      });
      expect(() => crypto.decrypt(rawEncrypt(officialDoc.aesKey, plain))).to.throw(
        BadRequestError,
        'padding',
      );
    });

    it('GIVEN a length field beyond the plaintext WHEN decrypting THEN it is a bad request', () => {
      const plain = layout(Buffer.from('{}'), officialDoc.ownerKey);
      plain.writeUInt32BE(1000, 16);
      expect(() => crypto.decrypt(rawEncrypt(officialDoc.aesKey, plain))).to.throw(BadRequestError, 'length');
    });

    it('GIVEN a message that is not UTF-8 WHEN decrypting THEN it is a bad request', () => {
      const plain = layout(Buffer.from([0xff, 0xfe, 0x7b]), officialDoc.ownerKey);
      expect(() => crypto.decrypt(rawEncrypt(officialDoc.aesKey, plain))).to.throw(BadRequestError, 'UTF-8');
    });
  });

  describe('owner keys', () => {
    const encryptFor = (ownerKey: string) => cryptoFor(officialDoc).encrypt('{"EventType":"x"}', ownerKey);
    const crypto = new DingTalkCrypto({
      token: officialDoc.token,
      aesKey: officialDoc.aesKey,
      ownerKeys: ['dingabc123', 'appKeyXYZ'],
    });

    it('GIVEN either allowed owner key WHEN decrypting THEN the carried key is returned', () => {
      expect(crypto.decrypt(encryptFor('dingabc123')).ownerKey).to.equal('dingabc123');
      expect(crypto.decrypt(encryptFor('appKeyXYZ')).ownerKey).to.equal('appKeyXYZ');
    });

    for (const ownerKey of ['dingabc', 'dingabc1234', 'DINGABC123', 'appKeyXY', '', 'dingabc123 ']) {
      it(`GIVEN owner key "${ownerKey}" (prefix, extension, case or empty) WHEN decrypting THEN it is refused`, () => {
        expect(() => crypto.decrypt(encryptFor(ownerKey))).to.throw(OwnerKeyMismatchError);
      });
    }
  });

  describe('construction', () => {
    it('GIVEN an AES key of the wrong length or alphabet WHEN constructing THEN it throws', () => {
      for (const aesKey of ['short', officialDoc.aesKey + 'a', officialDoc.aesKey.slice(0, 42) + '+']) {
        expect(() => new DingTalkCrypto({ token: 't', aesKey, ownerKeys: ['x'] })).to.throw('43');
      }
    });

    it('GIVEN a non-canonical AES key (non-zero trailing bits) WHEN constructing THEN it decodes leniently', () => {
      // The last base64 character carries 2 unused bits: 'j' and 'g' differ only there.
      const a = new DingTalkCrypto({ token: 't', aesKey: officialDoc.aesKey, ownerKeys: ['k'] });
      const b = new DingTalkCrypto({
        token: 't',
        aesKey: officialDoc.aesKey.slice(0, 42) + 'g',
        ownerKeys: ['k'],
      });
      expect(b.decrypt(a.encrypt('same key', 'k')).message).to.equal('same key');
    });
  });
});
