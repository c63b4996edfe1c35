import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEvent } from '../../lib/dingtalk/event-payload';
import {
  recoverFailedPushes,
  RecoveryStoreUnavailableError,
  storedEventFromFailedItem,
} from '../../lib/core/failed-push-recovery';
import type { FailedPushPage } from '../../lib/dingtalk/open-api';
import { DingTalkApi } from '../../lib/dingtalk/open-api';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  InMemoryEventStore,
  InMemoryFallbackPlace,
  InMemoryRecoveryJournal,
} from '../support/in-memory-stores';
import { RecordingLogger } from '../support/recording-logger';

const examples = join(__dirname, '..', '..', 'examples', 'events');

describe('storedEventFromFailedItem (failed-list item → stored event)', () => {
  it('GIVEN an approval item WHEN normalised THEN it has the identity a push of the same event has', () => {
    const pushed = parseEvent(
      readFileSync(join(examples, 'bpms_instance_change.finish.shape-b.json'), 'utf8'),
    );
    const {
      EventType: _type,
      EventTime: _time,
      CorpId: _corp,
      BizId: _biz,
      eventId: _id,
      ...data
    } = pushed.payload;
    const stored = storedEventFromFailedItem(
      {
        call_back_tag: 'bpms_instance_change',
        event_time: 1663143335567,
        bpms_instance_change: { bpmsCallBackData: data, corpid: 'ding9f50b15bxxxx16741' },
      },
      Date.UTC(2026, 10, 26),
    );
    expect(pushed.eventId).to.equal(`bpms_instance_change:${pushed.processInstanceId}:finish`);
    expect(stored).to.deep.include({
      eventId: `bpms_instance_change:${pushed.processInstanceId}:finish`,
      eventType: 'bpms_instance_change',
      corpId: 'ding9f50b15bxxxx16741',
      ownerKey: 'ding9f50b15bxxxx16741',
      processInstanceId: pushed.processInstanceId,
      eventTime: 1663143335567,
      source: 'recovery',
      receivedAt: '2026-11-26T00:00:00.000Z',
    });
  });

  it('GIVEN data under roleLabelChange, or as a JSON string under callbackData WHEN normalised THEN the data is the payload', () => {
    const role = storedEventFromFailedItem(
      {
        call_back_tag: 'label_user_change',
        label_user_change: { roleLabelChange: { action: 'add' }, corpid: 'c1' },
      },
      0,
    );
    expect(JSON.parse(role.payload)).to.deep.equal({
      action: 'add',
      EventType: 'label_user_change',
      corpId: 'c1',
    });
    const user = storedEventFromFailedItem(
      {
        call_back_tag: 'user_add_org',
        user_add_org: { callbackData: '{"UserId":["u1"],"TimeStamp":"1646113889363"}' },
      },
      0,
    );
    expect(user).to.include({ eventType: 'user_add_org', eventTime: 1646113889363 });
    expect(JSON.parse(user.payload)).to.deep.equal({
      UserId: ['u1'],
      TimeStamp: '1646113889363',
      EventType: 'user_add_org',
    });
  });

  it('GIVEN the same item twice WHEN normalised THEN the same identity; a different item THEN another', () => {
    const item = (user: string) => ({
      call_back_tag: 'user_leave_org',
      user_leave_org: { callbackData: { UserId: [user] } },
    });
    expect(storedEventFromFailedItem(item('u1'), 1).eventId).to.equal(
      storedEventFromFailedItem(item('u1'), 2).eventId,
    );
    expect(storedEventFromFailedItem(item('u1'), 1).eventId).not.to.equal(
      storedEventFromFailedItem(item('u2'), 1).eventId,
    );
  });

  for (const odd of [
    { call_back_tag: 'new_kind', new_kind: { somethingElse: 1 } },
    { no_tag: true },
    'text',
    null,
  ]) {
    it(`GIVEN an item of no known shape (${JSON.stringify(odd)}) WHEN normalised THEN it is kept whole`, () => {
      const stored = storedEventFromFailedItem(odd, 0);
      expect(stored.payload).to.equal(JSON.stringify(odd));
      expect(stored.eventId).to.match(/^sha256:[0-9a-f]{64}$/);
    });
  }
});

/** DingTalk's failed list at the port: pages served in order, each call logged (a real call deletes the previous page). */
class ScriptedFailedList {
  readonly calls: number[] = [];
  constructor(private readonly pages: Array<{ items: unknown[]; hasMore: boolean }>) {}
  async failedPushes(): Promise<FailedPushPage> {
    this.calls.push(this.calls.length + 1);
    const page = this.pages.shift() ?? { items: [], hasMore: false };
    const raw = JSON.stringify({ errcode: 0, has_more: page.hasMore, failed_list: page.items });
    return { hasMore: page.hasMore, items: page.items as FailedPushPage['items'], raw };
  }
}

const item = (n: number) => ({
  call_back_tag: 'user_add_org',
  user_add_org: {
    callbackData: { EventType: 'user_add_org', UserId: [`u${n}`], eventId: `fail-${n}` },
    corpid: 'dingcorp',
  },
});

describe('recoverFailedPushes (lib/core/failed-push-recovery.ts) against in-memory stores', () => {
  const recover = (
    api: ScriptedFailedList,
    overrides: Partial<Parameters<typeof recoverFailedPushes>[0]> = {},
  ) => {
    const store = new InMemoryEventStore();
    const journal = new InMemoryRecoveryJournal();
    const deps = {
      api,
      store,
      journal,
      logger: new RecordingLogger(),
      now: () => Date.parse('2026-11-30T08:00:00.000Z'),
      sleep: async () => undefined,
      ...overrides,
    };
    return { store, journal, run: () => recoverFailedPushes(deps) };
  };

  it('GIVEN two pages WHEN recovered THEN each page is journaled before its items are stored and done after, and every item is stored', async () => {
    const api = new ScriptedFailedList([
      { items: [item(1), item(2)], hasMore: true },
      { items: [item(3)], hasMore: false },
    ]);
    const { store, journal, run } = recover(api);
    const report = await run();
    expect(report).to.deep.include({ pages: 2, items: 3, stored: 3, duplicates: 0 });
    expect([...store.events.keys()].sort()).to.deep.equal(['fail-1', 'fail-2', 'fail-3']);
    expect(journal.calls).to.deep.equal([
      'probe',
      'pending',
      'lease',
      'save',
      'done',
      'lease', // renewed before every call to DingTalk
      'save',
      'done',
      'release',
    ]);
    expect(journal.rows.size).to.equal(0);
  });

  it('GIVEN the journal cannot be written WHEN recovery runs THEN DingTalk is not asked and the run fails', async () => {
    const api = new ScriptedFailedList([{ items: [item(1)], hasMore: false }]);
    const { journal, run } = recover(api);
    journal.faults.failNext(1);
    let caught: unknown;
    await run().catch((error: unknown) => {
      caught = error;
    });
    expect(caught).to.be.instanceOf(RecoveryStoreUnavailableError);
    expect(api.calls).to.deep.equal([]);
  });

  it('GIVEN a page journaled by an interrupted run WHEN the next run starts THEN it finishes that page before asking DingTalk', async () => {
    const api = new ScriptedFailedList([]);
    const { store, journal, run } = recover(api);
    await journal.save(JSON.stringify({ errcode: 0, has_more: false, failed_list: [item(7)] }));
    journal.calls.length = 0;
    const report = await run();
    expect(report.replayedPages).to.equal(1);
    expect(store.events.has('fail-7')).to.equal(true);
    expect(journal.calls.slice(0, 4)).to.deep.equal(['probe', 'pending', 'done', 'lease']);
    expect(api.calls).to.deep.equal([1]);
  });

  it('GIVEN the journal fails after the probe WHEN a page is in hand THEN it goes to the second durable place and the run fails', async () => {
    const api = new ScriptedFailedList([{ items: [item(1)], hasMore: false }]);
    const fallback = new InMemoryFallbackPlace();
    const journal = new InMemoryRecoveryJournal();
    const { run } = recover(api, {
      journal,
      fallback,
      remainingMs: () => 5_000,
      pageReserveMs: 0,
      fallbackReserveMs: 10_000,
    });
    const save = journal.save.bind(journal);
    journal.save = async () => {
      throw new Error('journal down');
    };
    let caught: unknown;
    await run().catch((error: unknown) => {
      caught = error;
    });
    journal.save = save;
    expect(caught).to.be.instanceOf(RecoveryStoreUnavailableError);
    expect(fallback.kept).to.have.length(1);
    expect(fallback.kept[0]).to.contain('fail-1');
  });

  it('GIVEN less time left than a page needs WHEN recovery would read THEN it stops for time without asking DingTalk', async () => {
    const api = new ScriptedFailedList([{ items: [item(1)], hasMore: false }]);
    const { run } = recover(api, { remainingMs: () => 1_000, pageReserveMs: 30_000 });
    expect(await run()).to.deep.include({ pages: 0, stoppedForTime: true });
    expect(api.calls).to.deep.equal([]);
  });

  it('GIVEN another reader holding the failed-list lease (the CLI beside the schedule) WHEN recovery runs THEN DingTalk is not asked, and once it is released the next run reads (issue 20)', async () => {
    const api = new ScriptedFailedList([{ items: [item(1)], hasMore: false }]);
    const { journal, store, run } = recover(api);
    await journal.lease('the-cli', Date.now() + 60_000);
    expect(await run()).to.deep.include({ pages: 0, leaseHeld: true });
    expect(api.calls).to.deep.equal([]);
    await journal.release('the-cli');
    expect(await run()).to.deep.include({ pages: 1, stored: 1 });
    expect(store.events.has('fail-1')).to.equal(true);
  });

  it('GIVEN a journaled page with an item the store refuses every time WHEN recovered THEN the others are stored, that item is set aside in the journal with its reason and an error line, and the page is done (issue 20)', async () => {
    const api = new ScriptedFailedList([]);
    let clock = 100_000;
    const { store, journal, run } = recover(api, {
      remainingMs: () => (clock -= 100),
      fallbackReserveMs: 10_000,
    });
    store.refuse = (event) =>
      event.eventId === 'fail-2'
        ? Object.assign(new Error('One or more parameter values were invalid'), {
            name: 'ValidationException',
          })
        : undefined;
    await journal.save(
      JSON.stringify({ errcode: 0, has_more: false, failed_list: [item(1), item(2), item(3)] }),
    );
    const report = await run();
    expect(report).to.deep.include({ replayedPages: 1, stored: 2, setAside: 1 });
    expect([...store.events.keys()].sort()).to.deep.equal(['fail-1', 'fail-3']);
    expect(await journal.pending()).to.deep.equal([]);
    expect(journal.setAsideItems).to.have.length(1);
    expect(journal.setAsideItems[0]!.raw).to.contain('fail-2');
    expect(journal.setAsideItems[0]!.reason).to.equal('ValidationException');
  });

  it('GIVEN an item already stored (pushed after all) WHEN recovered THEN counted as a duplicate, stored once', async () => {
    const api = new ScriptedFailedList([{ items: [item(1)], hasMore: false }]);
    const { store, run } = recover(api);
    await store.put(storedEventFromFailedItem(item(1), Date.now()));
    expect(await run()).to.deep.include({ stored: 0, duplicates: 1 });
    expect(store.events.size).to.equal(1);
  });
});

describe('recoverFailedPushes with an answer that came but cannot be read (DingTalkApi against a scripted loopback peer; issue 20)', () => {
  let server: Server;
  let answers: string[];
  let calls = 0;

  before(async () => {
    server = createServer((request, response) => {
      if (request.url?.startsWith('/gettoken')) {
        response.end(JSON.stringify({ errcode: 0, access_token: 'token', expires_in: 7200 }));
        return;
      }
      calls++;
      response.end(answers.shift() ?? JSON.stringify({ errcode: 0, has_more: false, failed_list: [] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  after(() => server.close());

  it('GIVEN a failed-list answer cut off mid-JSON WHEN recovery reads it THEN the raw answer is journaled before the run fails, and later runs keep it and go on', async () => {
    const truncated = JSON.stringify({ errcode: 0, has_more: false, failed_list: [item(1), item(2)] }).slice(
      0,
      120,
    );
    answers = [truncated];
    calls = 0;
    const api = new DingTalkApi({
      appKey: 'k',
      appSecret: 's',
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      sleep: async () => undefined,
    });
    const journal = new InMemoryRecoveryJournal();
    const logger = new RecordingLogger();
    const deps = {
      api,
      store: new InMemoryEventStore(),
      journal,
      logger,
      now: Date.now,
      sleep: async () => undefined,
    };
    let caught: unknown;
    await recoverFailedPushes(deps).catch((error: unknown) => {
      caught = error;
    });
    expect(caught).to.be.instanceOf(Error);
    const [kept] = await journal.pending();
    expect(kept?.raw).to.equal(truncated);
    expect(logger.records.find((r) => r.attributes.outcome === 'failed_list_unreadable')?.level).to.equal(
      'error',
    );

    // The next run does not block on the unreadable page: it keeps it and asks DingTalk again.
    const report = await recoverFailedPushes(deps);
    expect(report.pages).to.equal(1);
    expect(calls).to.equal(2);
    expect((await journal.pending()).map((p) => p.raw)).to.deep.equal([truncated]);
    expect(logger.records.filter((r) => r.attributes.outcome === 'journal_page_unreadable')).to.have.length(
      1,
    );
  });
});
