import { expect } from 'chai';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { quoteUnsafeIntegers } from '../../lib/dingtalk/exact-json';
import { storedEventFromFailedItem } from '../../lib/core/failed-push-recovery';
import { runCli } from '../support/cli';
import { post, signedPush } from '../support/dingtalk-client';
import { DingTalkOpenApiStandIn } from '../../local-dev/dingtalk-open-api-standin';
import type { LocalStack } from '../support/local-stack';
import { freePort, sharedLocalStack } from '../support/local-stack';
import { TcpFaultProxy } from '../support/tcp-fault-proxy';
import { chineseApproval } from '../support/large-payloads';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createDynamoDbDocumentClient } from '../../lib/aws/dynamodb-client';
import { LOCAL_RECOVERY_JOURNAL_TABLE } from '../../local-dev/dev-credentials';

const APP = { appKey: 'dingstandinappkey', appSecret: 'stand-in-app-secret', corpId: 'dingdevcorp' };

/** Failed-list items in the shapes of docs/dingtalk-protocol.md §5, one family after another. */
function failedItems(run: string, count: number): unknown[] {
  const items: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const eventTime = 1_700_000_000_000 + i;
    switch (i % 5) {
      case 0:
        items.push({
          call_back_tag: 'bpms_instance_change',
          event_time: eventTime,
          bpms_instance_change: {
            corpid: APP.corpId,
            bpmsCallBackData: {
              processInstanceId: `${run}-p${i}`,
              processCode: 'PROC-LEAVE',
              type: 'start',
              title: '张三提交的请假',
              createTime: eventTime,
              staffId: 'manager4081',
            },
          },
        });
        break;
      case 1:
        items.push({
          call_back_tag: 'bpms_task_change',
          event_time: eventTime,
          bpms_task_change: {
            corpid: APP.corpId,
            bpmsCallBackData: {
              processInstanceId: `${run}-p${i}`,
              taskId: `TASKID-${i}`,
              type: 'finish',
              result: 'agree',
              remark: '同意',
            },
          },
        });
        break;
      case 2:
        // Some families hand the data over as a JSON string.
        items.push({
          call_back_tag: 'user_modify_org',
          event_time: eventTime,
          user_modify_org: {
            corpid: APP.corpId,
            callbackData: JSON.stringify({ UserId: [`${run}-u${i}`], TimeStamp: String(eventTime) }),
          },
        });
        break;
      case 3:
        items.push({
          call_back_tag: 'label_user_change',
          event_time: eventTime,
          label_user_change: {
            corpid: APP.corpId,
            roleLabelChange: { action: 'add', userIdList: [`${run}-u${i}`] },
          },
        });
        break;
      default:
        // A shape nobody documented: kept whole, not dropped.
        items.push({ call_back_tag: 'mystery_event', event_time: eventTime, mystery: { run, i } });
    }
  }
  return items;
}

describe('CLI recover against a loopback stand-in for DingTalk’s failed-push list (real DynamoDB Local)', function () {
  this.timeout(180_000);
  let stack: LocalStack;
  let dingtalk: DingTalkOpenApiStandIn;
  let env: NodeJS.ProcessEnv;
  let fallbackDir: string;

  before(async () => {
    stack = await sharedLocalStack();
  });

  beforeEach(async () => {
    dingtalk = await new DingTalkOpenApiStandIn({ ...APP, pageSize: 200 }).start();
    fallbackDir = mkdtempSync(join(tmpdir(), 'recovery-fallback-'));
    env = {
      ...stack.env,
      DINGTALK_APP_KEY: APP.appKey,
      DINGTALK_APP_SECRET: APP.appSecret,
      DINGTALK_API_BASE: dingtalk.baseUrl,
    };
  });

  afterEach(() => dingtalk.stop());

  async function expectStoredOnce(items: unknown[], served = (item: unknown) => item): Promise<void> {
    const ids = items.map((item) => storedEventFromFailedItem(served(item), 0).eventId);
    expect(new Set(ids).size, 'distinct identities').to.equal(items.length);
    const store = stack.eventStore();
    for (const id of ids) {
      const row = await store.get(id);
      expect(row, id).not.to.equal(undefined);
    }
  }

  it('GIVEN 451 failed pushes over 3 pages WHEN recovered twice THEN each is stored once and the second run stores nothing', async () => {
    const run = randomUUID();
    const items = failedItems(run, 451);
    dingtalk.addFailed(...items);
    // The stand-in serves a JSON text; this item's task id is a 64-bit JSON number as DingTalk sends it.
    dingtalk.rawJsonFor = (json) => json.replace(/"TASKID-(\d+)"/g, '9007199254740993$1');
    const asServed = (item: unknown) =>
      JSON.parse(quoteUnsafeIntegers(dingtalk.rawJsonFor(JSON.stringify(item))));

    const first = await runCli(['recover', '--fallback-dir', fallbackDir, '--json'], env);
    expect(first.code, first.stderr).to.equal(0);
    expect(JSON.parse(first.stdout)).to.deep.equal({
      pages: 3,
      items: 451,
      stored: 451,
      duplicates: 0,
      replayedPages: 0,
      fallbackReplayed: 0,
      fallbackKept: 0,
      stoppedForTime: false,
    });
    await expectStoredOnce(items, asServed);

    const store = stack.eventStore();
    const instance = await store.get(`bpms_instance_change:${run}-p0:start`);
    expect(instance).to.include({
      eventType: 'bpms_instance_change',
      source: 'recovery',
      corpId: APP.corpId,
    });
    expect(JSON.parse(instance!.payload)).to.include({
      EventType: 'bpms_instance_change',
      title: '张三提交的请假',
    });
    // 64-bit task ids keep every digit in the identity.
    expect(await store.get(`bpms_task_change:${run}-p1:90071992547409931:finish`)).to.include({
      source: 'recovery',
    });
    const mystery = items[4] as { call_back_tag: string };
    const kept = await store.get(storedEventFromFailedItem(mystery, 0).eventId);
    expect(kept).to.include({ eventType: 'mystery_event' });
    expect(JSON.parse(kept!.payload)).to.deep.equal(mystery);

    const second = await runCli(['recover', '--fallback-dir', fallbackDir, '--json'], env);
    expect(second.code, second.stderr).to.equal(0);
    expect(JSON.parse(second.stdout)).to.include({ items: 0, stored: 0 });
    expect(dingtalk.failedRemaining).to.equal(0);
    expect(readdirSync(fallbackDir)).to.deep.equal([]);
    expect(await journalRows(stack)).to.deep.equal([]);
  });

  it('GIVEN items reported again and an event that also arrived by push WHEN recovered THEN no second row', async () => {
    const run = randomUUID();
    const pushed = JSON.stringify({
      EventType: 'bpms_instance_change',
      processInstanceId: `${run}-pushed`,
      corpId: APP.corpId,
      type: 'start',
      title: 'pushed first',
    });
    const push = signedPush(pushed);
    expect((await post(stack.url, push.query, push.body)).reply?.message).to.equal('success');

    const items = failedItems(run, 10);
    const pushedAgain = {
      call_back_tag: 'bpms_instance_change',
      event_time: 1_700_000_000_000,
      bpms_instance_change: {
        corpid: APP.corpId,
        bpmsCallBackData: { processInstanceId: `${run}-pushed`, type: 'start', title: 'pushed first' },
      },
    };
    dingtalk.addFailed(...items, pushedAgain);
    const first = await runCli(['recover', '--fallback-dir', fallbackDir, '--json'], env);
    expect(JSON.parse(first.stdout)).to.include({ items: 11, stored: 10, duplicates: 1 });

    // DingTalk lists the same failures again (reported for approvals): all duplicates.
    dingtalk.addFailed(...items);
    const again = await runCli(['recover', '--fallback-dir', fallbackDir, '--json'], env);
    expect(JSON.parse(again.stdout)).to.include({ items: 10, stored: 0, duplicates: 10 });
    const row = await stack.eventStore().get(`bpms_instance_change:${run}-pushed:start`);
    expect(row, 'the pushed copy stays').not.to.have.property('source');
  });

  it('GIVEN a failed push of 460 KB of Chinese text (over DynamoDB’s item limit) WHEN recovered THEN stored whole', async () => {
    const pushed = JSON.parse(chineseApproval(`large-${randomUUID()}`)) as Record<string, unknown>;
    // Without its 64-bit task id: JSON.parse here would round it (the 451-item test covers those digits).
    const { EventType: _type, eventId: _id, taskId: _task, ...data } = pushed;
    const item = {
      call_back_tag: 'bpms_task_change',
      event_time: 1_700_000_000_000,
      bpms_task_change: { corpid: APP.corpId, bpmsCallBackData: data },
    };
    dingtalk.addFailed(item);
    const result = await runCli(['recover', '--fallback-dir', fallbackDir, '--json'], env);
    expect(result.code, result.stderr).to.equal(0);
    expect(JSON.parse(result.stdout)).to.include({ items: 1, stored: 1 });
    const stored = await stack.eventStore().get(storedEventFromFailedItem(item, 0).eventId);
    expect(JSON.parse(stored!.payload)).to.deep.equal({
      ...data,
      EventType: 'bpms_task_change',
      corpId: APP.corpId,
    });
    expect(Buffer.byteLength(stored!.payload, 'utf8')).to.be.greaterThan(450_000);
  });

  it('GIVEN the store down for a whole run WHEN recover runs THEN it fails and DingTalk was not asked for anything', async () => {
    dingtalk.addFailed(...failedItems(randomUUID(), 10));
    const down = await runCli(['recover', '--fallback-dir', fallbackDir], {
      ...env,
      DYNAMODB_ENDPOINT: `http://127.0.0.1:${await freePort()}`,
    });
    expect(down.code).to.equal(1);
    expect(down.stderr).to.contain('DingTalk was not asked');
    expect(dingtalk.failedListCalls).to.equal(0);
    expect(dingtalk.failedRemaining).to.equal(10);
  });

  it('GIVEN three pages WHEN the store crashes while the second is in hand and is back 20 s later THEN one run stores every item once', async () => {
    const run = randomUUID();
    const items = failedItems(run, 450);
    dingtalk.addFailed(...items);
    const proxy = new TcpFaultProxy('127.0.0.1', stack.dynamoDbPort);
    await proxy.up();
    dingtalk.onFailedPage = async (call) => {
      if (call !== 2) return;
      await proxy.down();
      setTimeout(() => void proxy.up(), 20_000);
    };
    const started = Date.now();
    const result = await runCli(['recover', '--fallback-dir', fallbackDir, '--json'], {
      ...env,
      DYNAMODB_ENDPOINT: proxy.url,
    });
    expect(result.code, result.stderr).to.equal(0);
    expect(Date.now() - started).to.be.greaterThan(20_000); // it did wait out the outage
    expect(JSON.parse(result.stdout)).to.include({ pages: 3, items: 450, stored: 450, duplicates: 0 });
    expect(result.stderr).to.contain('recovery write failed, retrying');
    await expectStoredOnce(items);
    expect(await journalRows(stack)).to.deep.equal([]);
    await proxy.down();
  });

  it('GIVEN the store down past the time budget with a page in hand THEN the page goes to the fallback directory and the next run stores it', async () => {
    const run = randomUUID();
    const items = failedItems(run, 300);
    dingtalk.addFailed(...items);
    const proxy = new TcpFaultProxy('127.0.0.1', stack.dynamoDbPort);
    await proxy.up();
    dingtalk.onFailedPage = async (call) => {
      if (call === 2) await proxy.down();
    };
    const cut = await runCli(['recover', '--fallback-dir', fallbackDir, '--time-budget', '40'], {
      ...env,
      DYNAMODB_ENDPOINT: proxy.url,
    });
    expect(cut.code).to.equal(1);
    expect(cut.stderr).to.contain('kept in the second durable place');
    expect(readdirSync(fallbackDir)).to.have.length(1);
    expect(dingtalk.failedRemaining, 'DingTalk has deleted page 1 and handed over page 2').to.equal(100);

    dingtalk.onFailedPage = undefined;
    const next = await runCli(['recover', '--fallback-dir', fallbackDir, '--json'], env);
    expect(next.code, next.stderr).to.equal(0);
    expect(JSON.parse(next.stdout)).to.include({ fallbackReplayed: 1, replayedPages: 1 });
    await expectStoredOnce(items);
    expect(readdirSync(fallbackDir)).to.deep.equal([]);
    expect(await journalRows(stack)).to.deep.equal([]);
  });
});

/** Every row of `npm start`'s recovery journal table (probe rows are deleted as they are written). */
async function journalRows(stack: LocalStack): Promise<unknown[]> {
  const client = createDynamoDbDocumentClient({ region: 'us-east-1', endpoint: stack.dynamoDbEndpoint });
  try {
    const { Items = [] } = await client.send(
      new ScanCommand({ TableName: LOCAL_RECOVERY_JOURNAL_TABLE, ConsistentRead: true }),
    );
    return Items;
  } finally {
    client.destroy();
  }
}
