import { expect } from 'chai';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import type { ApprovalEvent } from '../support/approval-events';
import { approvalLifecycle, terminatedLifecycle } from '../support/approval-events';
import { runCli } from '../support/cli';
import { eventually } from '../support/eventually';
import { chineseApproval, incompressible } from '../support/large-payloads';
import { push } from '../support/dingtalk-client';
import type { LocalStack } from '../support/local-stack';
import { sharedLocalStack, startLocalStack } from '../support/local-stack';

/** The projection of one instance; undefined while it does not exist yet. Any other CLI failure throws. */
async function approvalsCli(stack: LocalStack, id: string): Promise<Record<string, unknown> | undefined> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(stack.httpPort),
    DYNAMODB_LOCAL_PORT: String(stack.dynamoDbPort),
  };
  delete env.APPROVALS_TABLE;
  delete env.DYNAMODB_ENDPOINT;
  const { code, stdout, stderr } = await runCli(['approvals', '--id', id, '--json'], env);
  if (code === 1 && stderr.trim() === `no approval ${id}`) return undefined;
  if (code !== 0) throw new Error(`approvals --id ${id} exited ${code}: ${stderr.trim()}`);
  return JSON.parse(stdout) as Record<string, unknown>;
}

/**
 * The shared stack's stream carries every event earlier test files stored (hundreds), and the local
 * consumer takes one record per poll (batch size 1, see serverless.aws.yml): allow it to catch up.
 */
const STREAM_BACKLOG_MS = 120_000;

const plaintext = (event: ApprovalEvent) => JSON.stringify(event.payload);

describe('table-change processing end to end (callback → DynamoDB Local stream → projection / webhook)', function () {
  this.timeout(300_000);

  describe('approval projection under npm start', () => {
    let stack: LocalStack;
    before(async () => {
      stack = await sharedLocalStack();
    });

    it('GIVEN instance finish/agree, then a task start, then the instance start THEN approvals shows COMPLETED/agree', async () => {
      const id = `pi-${randomUUID()}`;
      const [start, taskStart, , , , , , finish] = approvalLifecycle(id);
      for (const event of [finish!, taskStart!, start!]) {
        expect((await push(stack.url, plaintext(event))).reply?.message).to.equal('success');
      }
      const approval = await eventually(
        () => approvalsCli(stack, id),
        (a) =>
          a !== undefined &&
          (a.tasks as Record<string, unknown>)['101'] !== undefined &&
          a.originator !== undefined,
        STREAM_BACKLOG_MS,
      );
      expect(approval).to.include({
        processInstanceId: id,
        status: 'COMPLETED',
        result: 'agree',
        title: '张三的请假申请',
      });
      expect(approval?.tasks).to.deep.equal({
        '101': { taskId: '101', approver: 'manager1', createTime: 1700000001000, status: 'RUNNING' },
      });
    });

    it('GIVEN start then terminate THEN approvals shows TERMINATED', async () => {
      const id = `pi-${randomUUID()}`;
      const [start, , terminate] = terminatedLifecycle(id);
      for (const event of [start!, terminate!]) await push(stack.url, plaintext(event));
      const approval = await eventually(
        () => approvalsCli(stack, id),
        (a) => a?.status === 'TERMINATED',
        STREAM_BACKLOG_MS,
      );
      expect(approval).to.include({ status: 'TERMINATED', originator: 'lisi' });
    });
  });

  describe('Standard Webhooks forwarding (loopback receiver verified with the standardwebhooks package)', () => {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const verifier = new Webhook(secret);
    const attempts = new Map<string, number>();
    const delivered = new Map<string, Record<string, unknown>>();
    let failFirst = true;
    let receiver: Server;
    let stack: LocalStack;

    before(async () => {
      receiver = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          let verified: Record<string, unknown>;
          try {
            verified = verifier.verify(body, request.headers as Record<string, string>) as Record<
              string,
              unknown
            >;
          } catch {
            response.writeHead(401).end();
            return;
          }
          const id = String(request.headers['webhook-id']);
          const seen = (attempts.get(id) ?? 0) + 1;
          attempts.set(id, seen);
          if (failFirst && seen === 1) {
            response.writeHead(503).end();
            return;
          }
          delivered.set(id, verified);
          response.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      const address = receiver.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      stack = await startLocalStack({
        FORWARD_URL: `http://127.0.0.1:${port}/hooks`,
        FORWARD_SECRET: secret,
      });
    });

    after(async () => {
      await stack?.stop();
      receiver?.close();
    });

    it('GIVEN a receiver that answers 503 once per event THEN every event still arrives, signed and whole', async () => {
      const events = approvalLifecycle(`pi-${randomUUID()}`);
      for (const event of events) expect((await push(stack.url, plaintext(event))).status).to.equal(200);
      await eventually(
        async () => events.filter((event) => delivered.has(event.eventId)).length,
        (count) => count === events.length,
        60_000,
      );
      for (const event of events) {
        expect(attempts.get(event.eventId), event.eventId).to.be.at.least(2);
        const body = delivered.get(event.eventId);
        expect(body).to.include({
          eventId: event.eventId,
          eventType: event.eventType,
          ownerKey: 'dingdevcorp',
        });
        expect(body?.payload).to.deep.equal(event.payload);
      }
    });

    it('GIVEN a poison record in the event table THEN it is retried, given up, and later events still flow', async () => {
      failFirst = false;
      const store = stack.eventStore();
      const poisonId = `poison-${randomUUID()}`;
      // Written around the callback (which would refuse it): a payload that is not JSON fails every attempt.
      await store.put({
        eventId: poisonId,
        eventType: 'bpms_task_change',
        receivedAt: new Date().toISOString(),
        ownerKey: 'dingdevcorp',
        payload: '{not json',
      });
      const after = { EventType: 'user_add_org', eventId: `after-poison-${randomUUID()}`, UserId: ['u1'] };
      expect((await push(stack.url, JSON.stringify(after))).status).to.equal(200);
      await eventually(
        async () => delivered.has(after.eventId),
        (done) => done,
        60_000,
      );
      expect(delivered.has(after.eventId)).to.equal(true);
      expect(attempts.has(poisonId)).to.equal(false);
      // Retried: one failure log per attempt, as many as the mapping allows (maximumRetryAttempts: 5 in
      // serverless.aws.yml); given up: no further attempt after the later event went through.
      const failures = () =>
        stack
          .output()
          .split('\n')
          .filter((line) => line.includes('event processing failed') && line.includes(poisonId)).length;
      expect(failures()).to.equal(5);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      expect(failures()).to.equal(5);
    });

    it('GIVEN events over DynamoDB’s item limit (460 KB Chinese; 700 KB stored in parts) THEN the consumer forwards each whole', async () => {
      const large = [chineseApproval(`large-${randomUUID()}`), incompressible(`large-${randomUUID()}`)];
      for (const text of large) expect((await push(stack.url, text)).reply?.message).to.equal('success');
      const ids = large.map((text) => (JSON.parse(text) as { eventId: string }).eventId);
      await eventually(
        async () => ids.filter((id) => delivered.has(id)).length,
        (count) => count === ids.length,
        60_000,
      );
      for (const [i, id] of ids.entries()) {
        // The receiver parses with JSON.parse, as the payload's own 64-bit id is parsed here.
        expect(delivered.get(id)?.payload).to.deep.equal(JSON.parse(large[i]!));
      }
    });

    it('GIVEN two task comments on one instance and task with different eventIds THEN both are forwarded', async () => {
      const instance = `pi-${randomUUID()}`;
      const comments = ['同意，请尽快', '请补充发票'].map((remark) => ({
        EventType: 'bpms_task_change',
        processInstanceId: instance,
        taskId: 811165,
        type: 'comment',
        remark,
        eventId: randomUUID(),
      }));
      for (const comment of comments) {
        expect((await push(stack.url, JSON.stringify(comment))).reply?.message).to.equal('success');
      }
      await eventually(
        async () => comments.filter((comment) => delivered.has(comment.eventId)).length,
        (count) => count === comments.length,
        60_000,
      );
      for (const comment of comments) expect(delivered.get(comment.eventId)?.payload).to.deep.equal(comment);
    });
  });
});
