import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DingTalkCrypto } from '../../lib/dingtalk/callback-crypto';
import type { EventStore } from '../../lib/core/stored-event';
import { parseEvent, plaintextIdentity } from '../../lib/dingtalk/event-payload';
import { DEV_DINGTALK_ENV } from '../../local-dev/dev-credentials';
import { devCrypto, post, push, signedPush } from '../support/dingtalk-client';
import { chineseApproval, incompressible } from '../support/large-payloads';
import type { LocalStack } from '../support/local-stack';
import { PROJECT_ROOT, sharedLocalStack } from '../support/local-stack';

const run = promisify(execFile);
const CLI = join(PROJECT_ROOT, 'bin', 'dingtalk-callback.js');

/** A unique shape-B event, so every test owns its rows. */
function uniqueEvent(type = 'bpms_task_change', extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    EventType: type,
    EventTime: Date.now(),
    CorpId: 'dingdevcorp',
    eventId: `e2e-${randomUUID()}`,
    title: '请假申请 100% 👍',
    ...extra,
  });
}

/** `events --json` of the stack, as an operator runs it with no configuration: one raw line per event. */
async function eventsJson(stack: LocalStack, args: string[]): Promise<string[]> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(stack.httpPort),
    DYNAMODB_LOCAL_PORT: String(stack.dynamoDbPort),
  };
  delete env.EVENTS_TABLE;
  delete env.DYNAMODB_ENDPOINT;
  const { stdout } = await run(process.execPath, [CLI, 'events', '--json', ...args], {
    cwd: PROJECT_ROOT,
    env,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout.trim().split('\n');
}

describe('HTTP callback end to end (npm start: sls offline + DynamoDB Local; DingTalk played on loopback)', function () {
  this.timeout(120_000);
  let stack: LocalStack;
  let store: EventStore;

  before(async () => {
    stack = await sharedLocalStack();
    store = stack.eventStore();
  });

  it('GIVEN a shipped example WHEN sent with the CLI THEN 200 success, and `events --json` shows the exact payload', async () => {
    const file = join(PROJECT_ROOT, 'examples/events/bpms_instance_change.finish.shape-b.json');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(stack.httpPort),
      DYNAMODB_LOCAL_PORT: String(stack.dynamoDbPort),
    };
    for (const name of Object.keys(DEV_DINGTALK_ENV)) delete env[name];
    delete env.EVENTS_TABLE;
    delete env.DYNAMODB_ENDPOINT;
    const sent = await run(process.execPath, [CLI, 'send', file], { cwd: PROJECT_ROOT, env });
    expect(sent.stdout).to.contain('HTTP 200');
    expect(sent.stdout).to.match(/reply: success \(signature valid, owner key dingdevcorp\)/);

    const listed = await run(
      process.execPath,
      [CLI, 'events', '--json', '--type', 'bpms_instance_change', '--limit', '50'],
      { cwd: PROJECT_ROOT, env },
    );
    const lines = listed.stdout.trim().split('\n');
    const rows = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const row = rows.find(
      (candidate) => candidate.eventId === 'bpms_instance_change:9Qgx5QqjR7axMwxxxx:finish',
    );
    expect(row, listed.stdout).to.not.equal(undefined);
    expect(row).to.include({ eventType: 'bpms_instance_change', ownerKey: 'dingdevcorp' });
    expect(new Date(String(row!.receivedAt)).toISOString()).to.equal(row!.receivedAt);
    expect(row!.payload).to.deep.equal(JSON.parse(readFileSync(file, 'utf8')));
  });

  it('GIVEN a shape-A event WHEN pushed THEN it is stored under the SHA-256 of its plaintext, byte for byte', async () => {
    const plaintext = `{"EventType":"user_add_org","TimeStamp":"${Date.now()}","UserId":["${randomUUID()}"],"CorpId":"dingdevcorp","big":9007199254740993}`;
    const result = await push(stack.url, plaintext);
    expect(result.status).to.equal(200);
    expect(result.reply).to.deep.equal({ message: 'success', ownerKey: 'dingdevcorp' });
    const stored = await store.get(plaintextIdentity(plaintext));
    expect(stored?.payload).to.equal(plaintext);
    expect(stored?.eventType).to.equal('user_add_org');
  });

  it('GIVEN a valid push spelled msg_signature/timeStamp (the official libraries’ spelling) WHEN posted THEN 200 success and stored', async () => {
    const plaintext = uniqueEvent();
    const { query, body } = signedPush(plaintext);
    const result = await post(
      stack.url,
      { msg_signature: query.signature, timeStamp: query.timestamp, nonce: query.nonce },
      body,
    );
    expect(result.status).to.equal(200);
    expect(result.reply?.message).to.equal('success');
    expect((await store.get(parseEvent(plaintext).eventId))?.payload).to.equal(plaintext);
  });

  it('GIVEN two task comments on one instance and task, different eventIds and text WHEN pushed THEN two rows', async () => {
    const instance = `pi-${randomUUID()}`;
    const comments = ['同意，请尽快', '请补充发票'].map((remark) =>
      JSON.stringify({
        EventType: 'bpms_task_change',
        processInstanceId: instance,
        taskId: 811165,
        type: 'comment',
        remark,
        eventId: randomUUID(),
      }),
    );
    for (const comment of comments)
      expect((await push(stack.url, comment)).reply?.message).to.equal('success');
    for (const comment of comments) {
      expect((await store.get(parseEvent(comment).eventId))?.payload).to.equal(comment);
    }
  });

  it('GIVEN a valid push of 460 KB of Chinese text (over DynamoDB’s item limit) WHEN posted THEN 200 success, and `events --json` returns the exact payload', async () => {
    const eventId = `large-${randomUUID()}`;
    const plaintext = chineseApproval(eventId);
    expect(Buffer.byteLength(plaintext, 'utf8')).to.be.greaterThan(450_000);
    const result = await push(stack.url, plaintext);
    expect(result.status, result.body).to.equal(200);
    expect(result.reply?.message).to.equal('success');
    const line = (await eventsJson(stack, ['--type', 'bpms_task_change', '--limit', '50'])).find((l) =>
      l.startsWith(`{"eventId":"${eventId}"`),
    );
    expect(line, 'listed by events --json').not.to.equal(undefined);
    // The payload is DingTalk's text itself (compact JSON), 64-bit task id and all.
    expect(line!.endsWith(`,"payload":${plaintext}}`)).to.equal(true);
    expect((await store.get(eventId))?.payload).to.equal(plaintext);
  });

  it('GIVEN a valid push of 700 KB that does not compress WHEN posted THEN 200 success and stored byte for byte (in parts)', async () => {
    const eventId = `large-${randomUUID()}`;
    const plaintext = incompressible(eventId);
    const result = await push(stack.url, plaintext);
    expect(result.status, result.body).to.equal(200);
    expect(result.reply?.message).to.equal('success');
    expect((await store.get(eventId))?.payload).to.equal(plaintext);
  });

  it('GIVEN the second allowed owner key WHEN pushed THEN the reply is encrypted for that owner key', async () => {
    const result = await push(stack.url, uniqueEvent(), 'devappkey');
    expect(result.reply).to.deep.equal({ message: 'success', ownerKey: 'devappkey' });
  });

  it('GIVEN check_url WHEN pushed THEN success is answered and nothing is stored', async () => {
    const plaintext = '{"EventType":"check_url"}';
    const result = await push(stack.url, plaintext);
    expect(result.reply?.message).to.equal('success');
    expect(await store.get(plaintextIdentity(plaintext))).to.equal(undefined);
  });

  it('GIVEN one event re-encrypted and delivered 5 times concurrently THEN 5 × success and one stored row', async () => {
    const plaintext = uniqueEvent();
    const eventId = (JSON.parse(plaintext) as { eventId: string }).eventId;
    const results = await Promise.all(Array.from({ length: 5 }, () => push(stack.url, plaintext)));
    expect(results.map((r) => r.status)).to.deep.equal([200, 200, 200, 200, 200]);
    expect(results.every((r) => r.reply?.message === 'success')).to.equal(true);
    const rows = await store.list({
      eventType: 'bpms_task_change',
      limit: 1000,
      since: new Date(Date.now() - 60_000).toISOString(),
    });
    expect(rows.filter((row) => row.eventId === eventId)).to.have.length(1);
  });

  it('GIVEN 200 distinct events at concurrency 20 THEN all 200 are answered success and stored', async () => {
    const type = `load_${randomUUID().replace(/-/g, '')}`;
    const events = Array.from({ length: 200 }, () => uniqueEvent(type));
    const statuses: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < events.length) {
          const result = await push(stack.url, events[next++]!);
          statuses.push(result.reply?.message === 'success' ? result.status : -result.status);
        }
      }),
    );
    expect(statuses.filter((status) => status === 200)).to.have.length(200);
    const stored = await store.list({ eventType: type, limit: 1000 });
    expect(new Set(stored.map((event) => event.eventId)).size).to.equal(200);
  });

  describe('bad input gets a 4xx and stores nothing', () => {
    const otherCrypto = new DingTalkCrypto({
      token: 'some-other-token',
      aesKey: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ',
      ownerKeys: ['dingdevcorp'],
    });
    type Case = {
      name: string;
      status: number;
      build: (plaintext: string) => { query: Record<string, string>; body: string | Buffer; method?: string };
    };
    const withoutParameter = (name: 'signature' | 'timestamp' | 'nonce') => (plaintext: string) => {
      const { query, body } = signedPush(plaintext);
      return { query: Object.fromEntries(Object.entries(query).filter(([key]) => key !== name)), body };
    };
    const cases: Case[] = [
      { name: 'missing signature', status: 400, build: withoutParameter('signature') },
      { name: 'missing timestamp', status: 400, build: withoutParameter('timestamp') },
      { name: 'missing nonce', status: 400, build: withoutParameter('nonce') },
      { name: 'body not JSON', status: 400, build: (p) => ({ ...signedPush(p), body: 'encrypt=abc' }) },
      {
        name: 'body without encrypt',
        status: 400,
        build: (p) => ({ ...signedPush(p), body: '{"data":"x"}' }),
      },
      { name: 'empty body', status: 400, build: (p) => ({ ...signedPush(p), body: '' }) },
      {
        name: 'signature of another token',
        status: 401,
        build: (p) => signedPush(p, 'dingdevcorp', otherCrypto),
      },
      {
        name: 'signature not hex',
        status: 401,
        build: (p) => {
          const s = signedPush(p);
          s.query.signature = 'z'.repeat(40);
          return s;
        },
      },
      {
        name: 'tampered nonce',
        status: 401,
        build: (p) => {
          const s = signedPush(p);
          s.query.nonce += 'x';
          return s;
        },
      },
      { name: 'owner key not allowed', status: 403, build: (p) => signedPush(p, 'dingattacker') },
      { name: 'owner key only a prefix', status: 403, build: (p) => signedPush(p, 'dingdev') },
      { name: 'signed non-base64 encrypt', status: 400, build: () => signedRaw('!!!not-base64!!!') },
      {
        name: 'signed base64 of wrong length',
        status: 400,
        build: () => signedRaw(Buffer.alloc(40).toString('base64')),
      },
      {
        name: 'signed ciphertext with bad padding',
        status: 400,
        build: () => signedRaw(Buffer.alloc(64, 1).toString('base64')),
      },
      { name: 'signed non-JSON plaintext', status: 400, build: () => signedPush('this is not json') },
      { name: 'signed JSON array plaintext', status: 400, build: () => signedPush('[{"EventType":"x"}]') },
      {
        name: 'body over 1 MiB',
        status: 413,
        build: (p) => ({ ...signedPush(p), body: JSON.stringify({ encrypt: 'A'.repeat(1024 * 1024 + 8) }) }),
      },
      { name: 'GET instead of POST', status: 4, build: (p) => ({ ...signedPush(p), method: 'GET' }) },
      { name: 'PUT instead of POST', status: 4, build: (p) => ({ ...signedPush(p), method: 'PUT' }) },
    ];

    function signedRaw(encrypt: string) {
      const timestamp = String(Date.now());
      const nonce = 'n0nce';
      return {
        query: { signature: devCrypto.signature(timestamp, nonce, encrypt), timestamp, nonce },
        body: JSON.stringify({ encrypt }),
      };
    }

    for (const testCase of cases) {
      it(`GIVEN ${testCase.name} THEN ${testCase.status === 4 ? '4xx' : testCase.status} and no row`, async () => {
        const plaintext = uniqueEvent('bad_input_probe');
        const eventId = (JSON.parse(plaintext) as { eventId: string }).eventId;
        const { query, body, method } = testCase.build(plaintext);
        const result = await post(stack.url, query, body, method);
        if (testCase.status === 4) expect(result.status).to.be.within(400, 499);
        else expect(result.status).to.equal(testCase.status);
        expect(result.body).not.to.contain(DEV_DINGTALK_ENV.DINGTALK_TOKEN);
        expect(result.body).not.to.contain('请假');
        expect(result.body).not.to.match(/\bat .*\.(ts|js):\d+/);
        expect(await store.get(eventId)).to.equal(undefined);
        expect(await store.get(plaintextIdentity('this is not json'))).to.equal(undefined);
      });
    }
  });
});
