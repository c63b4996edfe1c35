import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { cliJsonLines, runCli } from '../support/cli';
import { eventually } from '../support/eventually';
import { push } from '../support/dingtalk-client';
import type { LocalStack } from '../support/local-stack';
import { startLocalStack } from '../support/local-stack';

/** A loopback receiver that verifies every delivery with the `standardwebhooks` package. */
class Receiver {
  readonly secret = `whsec_${randomBytes(32).toString('base64')}`;
  readonly delivered = new Map<
    string,
    { body: Record<string, unknown>; headers: IncomingHttpHeaders; at: number }
  >();
  readonly attempts = new Map<string, number>();
  /** The status to answer for an event id (after the signature checked out). */
  answer: (eventId: string) => number = () => 200;
  private server: Server | undefined;
  private readonly verifier = new Webhook(this.secret);

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        let body: Record<string, unknown>;
        try {
          body = this.verifier.verify(
            Buffer.concat(chunks).toString('utf8'),
            request.headers as Record<string, string>,
          ) as Record<string, unknown>;
        } catch {
          response.writeHead(401).end();
          return;
        }
        const id = String(request.headers['webhook-id']);
        this.attempts.set(id, (this.attempts.get(id) ?? 0) + 1);
        const status = this.answer(id);
        if (status >= 200 && status < 300)
          this.delivered.set(id, { body, headers: request.headers, at: Date.now() });
        response.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address() as { port: number };
    return `http://127.0.0.1:${address.port}/hooks`;
  }

  stop(): void {
    this.server?.close();
  }
}

function event(tag: string): { eventId: string; text: string } {
  const eventId = `fwd-${tag}-${randomUUID()}`;
  return {
    eventId,
    text: JSON.stringify({ EventType: 'user_modify_org', eventId, UserId: ['u1'], note: '转发' }),
  };
}

function cliJson(stack: LocalStack, args: string[]): Promise<Array<Record<string, unknown>>> {
  return cliJsonLines(args, stack.env);
}

describe('forwarding with delivery state, retries and replay (npm start; loopback receiver verified with standardwebhooks)', function () {
  this.timeout(300_000);

  describe('a receiver outage of 20 s (retry schedule 2 s × 15)', () => {
    const receiver = new Receiver();
    let stack: LocalStack;

    before(async () => {
      const url = await receiver.start();
      stack = await startLocalStack({
        FORWARD_URL: url,
        FORWARD_SECRET: receiver.secret,
        FORWARD_RETRY_SCHEDULE: Array.from({ length: 15 }, () => '2s').join(','),
        LOCAL_RETRY_INTERVAL_MS: '1000',
      });
      stack.env = { ...stack.env, FORWARD_URL: url, FORWARD_SECRET: receiver.secret };
    });
    after(async () => {
      await stack?.stop();
      receiver.stop();
    });

    it('GIVEN 30 events pushed while the receiver answers 503 THEN all are delivered once it is back, events after the outage at once, none failed', async () => {
      let down = true;
      receiver.answer = () => (down ? 503 : 200);
      const during = Array.from({ length: 30 }, (_, i) => event(`outage${i}`));
      for (const { text } of during) expect((await push(stack.url, text)).reply?.message).to.equal('success');
      // Every event got its record and first attempt, and is waiting for its retry.
      const pending = await eventually(
        () => cliJson(stack, ['deliveries', '--status', 'pending', '--limit', '1000', '--json']),
        (rows) => during.every(({ eventId }) => rows.some((row) => row.eventId === eventId)),
        30_000,
      );
      expect(pending.filter((row) => during.some((e) => e.eventId === row.eventId))).to.have.length(30);
      await new Promise((resolve) => setTimeout(resolve, 20_000 - 3_000));
      down = false;
      const backAt = Date.now();
      await eventually(
        () => during.filter(({ eventId }) => receiver.delivered.has(eventId)).length,
        (count) => count === during.length,
        30_000,
      );
      for (const { eventId } of during) {
        const delivery = receiver.delivered.get(eventId)!;
        expect(delivery.headers['webhook-id']).to.equal(eventId);
        expect(delivery.body).to.include({ eventId, eventType: 'user_modify_org' });
        expect(receiver.attempts.get(eventId)).to.be.at.least(2);
      }
      const latency = Math.max(...during.map(({ eventId }) => receiver.delivered.get(eventId)!.at)) - backAt;
      console.log(`      (all 30 delivered ${latency} ms after the receiver came back)`);

      const after = event('after');
      expect((await push(stack.url, after.text)).reply?.message).to.equal('success');
      await eventually(() => receiver.delivered.has(after.eventId), Boolean, 15_000);
      expect(receiver.attempts.get(after.eventId), 'delivered at the first attempt').to.equal(1);
      expect(await cliJson(stack, ['deliveries', '--status', 'failed', '--json'])).to.deep.equal([]);
      const delivered = await cliJson(stack, [
        'deliveries',
        '--status',
        'delivered',
        '--limit',
        '1000',
        '--json',
      ]);
      const row = delivered.find((r) => r.eventId === during[0]!.eventId);
      expect(row).to.include({ status: 'delivered', lastStatus: '200', nextAttemptAt: null });
      expect(row!.attempts).to.be.at.least(2);
    });

    it('GIVEN events received before and after an instant WHEN `replay --since` THEN exactly those after it are forwarded again, same webhook-id', async () => {
      receiver.answer = () => 200;
      const before = event('before');
      expect((await push(stack.url, before.text)).reply?.message).to.equal('success');
      await new Promise((resolve) => setTimeout(resolve, 50));
      const since = new Date().toISOString();
      const later = [event('since1'), event('since2')];
      for (const { text } of later) expect((await push(stack.url, text)).reply?.message).to.equal('success');
      await eventually(() => later.every(({ eventId }) => receiver.delivered.has(eventId)), Boolean, 15_000);
      const attemptsBefore = new Map(
        [before, ...later].map(({ eventId }) => [eventId, receiver.attempts.get(eventId) ?? 0]),
      );
      const replayed = await cliJson(stack, ['replay', '--since', since, '--json']);
      const ids = replayed.map((row) => row.eventId);
      for (const { eventId } of later) expect(ids).to.include(eventId);
      expect(ids).not.to.include(before.eventId);
      expect(replayed.every((row) => row.status === 'delivered')).to.equal(true);
      for (const { eventId } of later)
        expect(receiver.attempts.get(eventId)).to.equal(attemptsBefore.get(eventId)! + 1);
      expect(receiver.attempts.get(before.eventId)).to.equal(attemptsBefore.get(before.eventId));
    });
  });

  describe('a receiver that stays down (retry schedule 1s,1s,1s)', () => {
    const receiver = new Receiver();
    let stack: LocalStack;

    before(async () => {
      const url = await receiver.start();
      stack = await startLocalStack({
        FORWARD_URL: url,
        FORWARD_SECRET: receiver.secret,
        FORWARD_RETRY_SCHEDULE: '1s,1s,1s',
        LOCAL_RETRY_INTERVAL_MS: '1000',
      });
      stack.env = { ...stack.env, FORWARD_URL: url, FORWARD_SECRET: receiver.secret };
    });
    after(async () => {
      await stack?.stop();
      receiver.stop();
    });

    it('GIVEN a receiver always answering 503 THEN the event ends failed and is listed; `replay --id` delivers it with the same webhook-id once fixed', async () => {
      receiver.answer = () => 503;
      const doomed = event('doomed');
      expect((await push(stack.url, doomed.text)).reply?.message).to.equal('success');
      const failed = await eventually(
        () => cliJson(stack, ['deliveries', '--status', 'failed', '--json']),
        (rows) => rows.some((row) => row.eventId === doomed.eventId),
        30_000,
      );
      expect(failed.find((row) => row.eventId === doomed.eventId)).to.include({
        status: 'failed',
        attempts: 4,
        lastStatus: '503',
        nextAttemptAt: null,
      });
      expect(receiver.attempts.get(doomed.eventId)).to.equal(4);

      receiver.answer = () => 200;
      const replayed = await runCli(['replay', '--id', doomed.eventId], stack.env);
      expect(replayed.code, replayed.stderr).to.equal(0);
      expect(receiver.delivered.get(doomed.eventId)?.headers['webhook-id']).to.equal(doomed.eventId);
      const rows = await cliJson(stack, ['deliveries', '--json', '--limit', '100']);
      expect(rows.find((row) => row.eventId === doomed.eventId)).to.include({
        status: 'delivered',
        attempts: 5,
      });
    });
  });
});
