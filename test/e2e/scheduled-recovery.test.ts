import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { storedEventFromFailedItem } from '../../lib/core/failed-push-recovery';
import { DingTalkOpenApiStandIn } from '../../local-dev/dingtalk-open-api-standin';
import type { LocalStack } from '../support/local-stack';
import { sharedLocalStack, startLocalStack } from '../support/local-stack';
import { TcpFaultProxy } from '../support/tcp-fault-proxy';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamoDbDocumentClient } from '../../lib/aws/dynamodb-client';
import { LOCAL_RECOVERY_JOURNAL_TABLE } from '../../local-dev/dev-credentials';
import { push } from '../support/dingtalk-client';

const APP = { appKey: 'dingstandinappkey', appSecret: 'stand-in-app-secret', corpId: 'dingdevcorp' };

function approvalItems(run: string, count: number): unknown[] {
  return Array.from({ length: count }, (_, i) => ({
    call_back_tag: 'bpms_instance_change',
    event_time: 1_700_000_000_000 + i,
    bpms_instance_change: {
      corpid: APP.corpId,
      bpmsCallBackData: { processInstanceId: `${run}-p${i}`, type: 'start', title: `申请 ${i}` },
    },
  }));
}

/** What an operator gives `npm start` for recovery: it must reach the local recovery function. */
function recoveryStack(
  proxy: TcpFaultProxy,
  dingtalk: DingTalkOpenApiStandIn,
  extra: NodeJS.ProcessEnv = {},
): Promise<LocalStack> {
  return startLocalStack({
    DYNAMODB_ENDPOINT: proxy.url,
    LOCAL_STREAMS: 'off',
    DINGTALK_API_BASE: dingtalk.baseUrl,
    DINGTALK_APP_KEY: APP.appKey,
    DINGTALK_APP_SECRET: APP.appSecret,
    ...extra,
  });
}

/**
 * The scheduled `recoverFailedPushes` function as its schedule invokes it (serverless-offline's Lambda
 * Invoke endpoint under `npm start`), against a loopback stand-in for DingTalk's destructive failed
 * list, with the store behind a proxy that can crash it and bring it back with its data.
 */
describe('scheduled recovery under npm start (Lambda invoke; DingTalk open API and store crashes played on loopback)', function () {
  this.timeout(300_000);
  let shared: LocalStack;
  let stack: LocalStack;
  let proxy: TcpFaultProxy;
  let dingtalk: DingTalkOpenApiStandIn;

  before(async () => {
    shared = await sharedLocalStack();
    proxy = new TcpFaultProxy('127.0.0.1', shared.dynamoDbPort);
    await proxy.up();
    dingtalk = await new DingTalkOpenApiStandIn({ ...APP, pageSize: 200 }).start();
    // These tests try how a run reads the list: a 1 ms baseline makes every run ask (the policy of
    // when to ask is tried below, with the default baseline).
    stack = await recoveryStack(proxy, dingtalk, { RECOVERY_BASELINE: '1ms' });
  });

  after(async () => {
    await stack?.stop();
    await dingtalk?.stop();
    await proxy?.down();
  });

  afterEach(async () => {
    dingtalk.onFailedPage = undefined;
    await proxy.up();
  });

  async function expectStoredOnce(items: unknown[]): Promise<void> {
    const store = shared.eventStore();
    for (const item of items) {
      const id = storedEventFromFailedItem(item, 0).eventId;
      expect(await store.get(id), id).to.include({ source: 'recovery' });
    }
  }

  it('GIVEN the store down for the whole run WHEN the schedule invokes recovery THEN it fails and DingTalk saw no failed-list call', async () => {
    dingtalk.addFailed(...approvalItems(randomUUID(), 5));
    const callsBefore = dingtalk.failedListCalls;
    await proxy.down();
    const result = await stack.invoke('recoverFailedPushes');
    expect(result.functionError).to.equal('Unhandled');
    expect(JSON.stringify(result.payload)).to.contain('RecoveryStoreUnavailableError');
    expect(dingtalk.failedListCalls).to.equal(callsBefore);
    await proxy.up();
    const next = await stack.invoke('recoverFailedPushes');
    expect(next.functionError, JSON.stringify(next.payload)).to.equal(undefined);
    expect(next.payload).to.include({ items: 5, stored: 5 });
  });

  it('GIVEN three pages WHEN the store crashes while the second is in hand and returns 20 s later THEN after the next run every item is stored once', async () => {
    const run = randomUUID();
    const items = approvalItems(run, 450);
    dingtalk.addFailed(...items);
    const callsBefore = dingtalk.failedListCalls;
    dingtalk.onFailedPage = async (call) => {
      if (call !== callsBefore + 2) return;
      await proxy.down();
      setTimeout(() => void proxy.up(), 20_000);
    };
    const first = await stack.invoke('recoverFailedPushes');
    expect(first.functionError, JSON.stringify(first.payload)).to.equal(undefined);
    expect(first.payload).to.include({ pages: 3, items: 450, stored: 450, duplicates: 0 });
    expect(stack.output()).to.contain('recovery write failed, retrying');
    const second = await stack.invoke('recoverFailedPushes');
    expect(second.payload).to.include({ items: 0, stored: 0, replayedPages: 0 });
    await expectStoredOnce(items);
    expect(dingtalk.failedRemaining).to.equal(0);
  });
});

/**
 * When the scheduled recovery asks DingTalk's failed list, under `npm start`: the default daily baseline,
 * a push that got our 503 (the store behind a proxy taken down), and the loopback stand-in counting
 * every failed-list call (each one costs the organisation's monthly quota).
 */
describe('scheduled recovery asks the failed list only with reason, under npm start (DingTalk open API on loopback)', function () {
  this.timeout(300_000);
  let shared: LocalStack;
  let stack: LocalStack;
  let proxy: TcpFaultProxy;
  let dingtalk: DingTalkOpenApiStandIn;

  before(async () => {
    shared = await sharedLocalStack();
    proxy = new TcpFaultProxy('127.0.0.1', shared.dynamoDbPort);
    await proxy.up();
    dingtalk = await new DingTalkOpenApiStandIn({ ...APP, pageSize: 200 }).start();
    stack = await recoveryStack(proxy, dingtalk);
    // A journal table other tests wrote asking rows into: start from a deployment that never asked.
    const client = createDynamoDbDocumentClient({
      region: 'us-east-1',
      endpoint: shared.dynamoDbEndpoint,
      requestTimeoutMs: 10_000,
    });
    for (const rowId of ['asking', 'note#own-failure'])
      await client.send(new DeleteCommand({ TableName: LOCAL_RECOVERY_JOURNAL_TABLE, Key: { rowId } }));
  });

  after(async () => {
    await stack?.stop();
    await dingtalk?.stop();
    await proxy?.down();
  });

  it('GIVEN quiet operation WHEN the schedule invokes recovery four times THEN DingTalk is asked once (the baseline), the other runs ask nothing', async () => {
    const before = dingtalk.failedListCalls;
    const reasons: unknown[] = [];
    for (let n = 0; n < 4; n++) {
      const result = await stack.invoke('recoverFailedPushes');
      expect(result.functionError, JSON.stringify(result.payload)).to.equal(undefined);
      reasons.push((result.payload as { asking?: { reason: string } }).asking?.reason);
    }
    expect(reasons).to.deep.equal(['baseline', 'quiet', 'quiet', 'quiet']);
    expect(dingtalk.failedListCalls - before).to.equal(1);
  });

  it('GIVEN a push answered 503 (store down) WHEN the store is back and the next push is stored THEN the next run asks at once and recovers the push DingTalk listed', async () => {
    const run = randomUUID();
    const failed = {
      EventType: 'user_add_org',
      eventId: `own-failure-${run}`,
      UserId: ['u1'],
      CorpId: APP.corpId,
    };
    await proxy.down();
    const refused = await push(stack.url, JSON.stringify(failed));
    expect(refused.status).to.equal(503);
    await proxy.up();
    const accepted = await push(stack.url, JSON.stringify({ ...failed, eventId: `after-${run}` }));
    expect(accepted.status).to.equal(200);
    expect(stack.output()).to.contain('own_failure_noted');

    // DingTalk's retries failed too: it lists the push (as its failed list carries it).
    dingtalk.addFailed({
      call_back_tag: 'user_add_org',
      user_add_org: { callbackData: failed, corpid: APP.corpId },
    });
    const before = dingtalk.failedListCalls;
    const result = await stack.invoke('recoverFailedPushes');
    expect(result.functionError, JSON.stringify(result.payload)).to.equal(undefined);
    expect(result.payload).to.deep.include({ asking: { ask: true, reason: 'own_failure' }, stored: 1 });
    expect(dingtalk.failedListCalls - before).to.equal(1);
    expect(await shared.eventStore().get(failed.eventId)).to.include({ source: 'recovery' });
  });
});
