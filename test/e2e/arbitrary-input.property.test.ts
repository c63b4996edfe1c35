import type { DynamoDbEventStore } from '../../lib/aws/dynamodb-event-store';
import { expect } from 'chai';
import fc from 'fast-check';
import { createIngest } from '../../lib/core/ingest';
import { devCrypto, post, signedPush } from '../support/dingtalk-client';
import type { LocalStack } from '../support/local-stack';
import { sharedLocalStack } from '../support/local-stack';
import { RecordingLogger } from '../support/recording-logger';

const QUERY_NAMES = ['signature', 'msg_signature', 'timestamp', 'timeStamp', 'nonce', 'encrypt', 'x'];

/** Inputs an attacker or a broken proxy could send: none of them may store a row or cause a 5xx. */
const hostileRequest = fc.oneof(
  // Anything at all.
  fc.record({
    query: fc.dictionary(fc.constantFrom(...QUERY_NAMES), fc.string({ maxLength: 60 })),
    body: fc.oneof(fc.string({ maxLength: 300 }), fc.json({ maxDepth: 2 })),
  }),
  // The right shape with an arbitrary, unsigned or wrongly signed ciphertext.
  fc.record({
    query: fc.record({
      signature: fc.stringMatching(/^[0-9a-f]{40}$/),
      timestamp: fc.string(),
      nonce: fc.string(),
    }),
    body: fc.base64String({ maxLength: 200 }).map((encrypt) => JSON.stringify({ encrypt })),
  }),
  // Correctly signed, but the ciphertext is arbitrary bytes.
  fc.uint8Array({ minLength: 0, maxLength: 160 }).map((bytes) => {
    const encrypt = Buffer.from(bytes).toString('base64');
    const timestamp = String(Date.now());
    return {
      query: { signature: devCrypto.signature(timestamp, 'n', encrypt), timestamp, nonce: 'n' },
      body: JSON.stringify({ encrypt }),
    };
  }),
  // Correctly signed and encrypted, but the plaintext is not a JSON object.
  fc
    .oneof(
      fc.string(),
      fc.json().filter((text) => !text.trimStart().startsWith('{')),
    )
    .filter((text) => {
      try {
        const parsed: unknown = JSON.parse(text);
        return typeof parsed !== 'object' || parsed === null || Array.isArray(parsed);
      } catch {
        return true;
      }
    })
    .map((text) => signedPush(text)),
  // A valid event for an owner key that is not allowed.
  fc
    .string({ minLength: 1, maxLength: 20 })
    .filter((key) => key !== 'dingdevcorp' && key !== 'devappkey')
    .map((key) => signedPush('{"EventType":"user_add_org","eventId":"never"}', key)),
);

describe('arbitrary query/body input (fast-check) never yields a 5xx or a stored row', function () {
  this.timeout(180_000);
  let stack: LocalStack;
  let store: DynamoDbEventStore;

  before(async () => {
    stack = await sharedLocalStack();
    store = stack.eventStore();
  });

  it('GIVEN 2000 hostile requests WHEN handled by the ingest use case THEN each is a 4xx and the store is untouched', async () => {
    const since = new Date().toISOString();
    const ingest = createIngest({
      crypto: devCrypto,
      store,
      logger: new RecordingLogger(),
      now: Date.now,
      maxBodyBytes: 1 << 20,
    });
    await fc.assert(
      fc.asyncProperty(
        hostileRequest,
        fc.constantFrom('POST', 'GET', 'post'),
        async ({ query, body }, method) => {
          const response = await ingest({ method, query, body });
          expect(response.statusCode, response.body).to.be.within(400, 499);
        },
      ),
      { numRuns: 2000 },
    );
    expect(await store.list({ since, limit: 10 })).to.deep.equal([]);
  });

  it('GIVEN 150 hostile requests WHEN POSTed to the local endpoint THEN each is a 4xx and the store is untouched', async () => {
    const since = new Date().toISOString();
    await fc.assert(
      fc.asyncProperty(hostileRequest, async ({ query, body }) => {
        const response = await post(stack.url, query, body);
        expect(response.status, response.body).to.be.within(400, 499);
      }),
      { numRuns: 150 },
    );
    expect(await store.list({ since, limit: 10 })).to.deep.equal([]);
  });
});
