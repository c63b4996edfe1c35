import { expect } from 'chai';
import type { AskingPolicy } from '../../lib/core/failed-list-asking';
import {
  DEFAULT_BASELINE_MS,
  LISTING_DELAY_MS,
  OwnFailureMemory,
  pauseUntil,
  whetherToAsk,
} from '../../lib/core/failed-list-asking';
import { recoverFailedPushes } from '../../lib/core/failed-push-recovery';
import { createIngest } from '../../lib/core/ingest';
import { DingTalkCrypto } from '../../lib/dingtalk/callback-crypto';
import type { FailedPushPage } from '../../lib/dingtalk/open-api';
import { DingTalkApiError } from '../../lib/dingtalk/open-api';
import { InMemoryEventStore, InMemoryRecoveryJournal } from '../support/in-memory-stores';
import { RecordingLogger } from '../support/recording-logger';

const POLICY: AskingPolicy = { baselineMs: DEFAULT_BASELINE_MS, listingDelayMs: LISTING_DELAY_MS };
const T0 = Date.parse('2026-11-30T08:00:00.000Z');
const MINUTE = 60_000;

describe('when the scheduled recovery asks DingTalk’s failed list (lib/core/failed-list-asking.ts)', () => {
  it('GIVEN a month of quiet runs every 5 minutes WHEN each decides THEN it asks once a day: 30 calls, not 8,640', () => {
    let state = {};
    let calls = 0;
    for (let at = T0; at < T0 + 30 * 24 * 60 * MINUTE; at += 5 * MINUTE) {
      if (whetherToAsk(state, at, POLICY).ask) {
        calls++;
        state = { lastAskedAt: at };
      }
    }
    expect(calls).to.equal(30);
  });

  it('GIVEN our own failure WHEN the next runs decide THEN they ask at once and once more after DingTalk lists it, then go quiet', () => {
    let state: { lastAskedAt?: number; lastFailureAt?: number } = { lastAskedAt: T0 };
    state.lastFailureAt = T0 + 61 * MINUTE;
    const asked: string[] = [];
    for (let at = T0 + 65 * MINUTE; at <= T0 + 100 * MINUTE; at += 5 * MINUTE) {
      const decision = whetherToAsk(state, at, POLICY);
      if (decision.ask) {
        asked.push(`${(at - T0) / MINUTE}:${decision.reason}`);
        state = { ...state, lastAskedAt: at };
      }
    }
    // The failure at minute 61 is on DingTalk's list by minute 68 at the latest: asked at 65 and 70.
    expect(asked).to.deep.equal(['65:own_failure', '70:own_failure_follow_up']);
  });

  it('GIVEN DingTalk’s pause WHEN runs decide THEN nothing is asked before it ends, even after our own failure', () => {
    const state = { lastAskedAt: T0, lastFailureAt: T0 + MINUTE, pausedUntil: T0 + 60 * MINUTE };
    expect(whetherToAsk(state, T0 + 30 * MINUTE, POLICY)).to.deep.equal({
      ask: false,
      reason: 'paused',
      nextAskAt: T0 + 60 * MINUTE,
    });
    expect(whetherToAsk(state, T0 + 60 * MINUTE, POLICY).ask).to.equal(true);
  });

  it('GIVEN the monthly quota spent on 30 November in China WHEN paused THEN until 1 December 00:00 China time; a rate limit pauses 10 minutes', () => {
    // 2026-11-30T20:00Z is 1 December 04:00 in China: the quota there is already the new month's.
    expect(new Date(pauseUntil('monthly_quota', Date.parse('2026-11-30T10:00:00Z'))).toISOString()).to.equal(
      '2026-11-30T16:00:00.000Z',
    );
    expect(new Date(pauseUntil('monthly_quota', Date.parse('2026-11-30T20:00:00Z'))).toISOString()).to.equal(
      '2026-12-31T16:00:00.000Z',
    );
    expect(pauseUntil('rate', T0)).to.equal(T0 + 10 * MINUTE);
  });

  it('GIVEN a failure while the notes cannot be written WHEN flushed THEN it is kept, and written by the next flush', async () => {
    const journal = new InMemoryRecoveryJournal();
    const memory = new OwnFailureMemory(journal.notes, new RecordingLogger());
    memory.seen(T0);
    journal.faults.failNext(1);
    await memory.flush();
    expect(journal.asking.lastFailureAt).to.equal(undefined);
    await memory.flush();
    expect(journal.asking.lastFailureAt).to.equal(T0);
  });
});

/** DingTalk's failed list at the port; each call counted (every call costs the organisation quota). */
class CountingFailedList {
  calls = 0;
  constructor(private readonly answer: () => FailedPushPage) {}
  async failedPushes(): Promise<FailedPushPage> {
    this.calls++;
    return this.answer();
  }
}
const EMPTY = (): FailedPushPage => ({ items: [], hasMore: false, raw: '{"errcode":0,"failed_list":[]}' });

describe('scheduled recovery with the asking policy (in-memory journal)', () => {
  const run = (
    api: CountingFailedList,
    journal: InMemoryRecoveryJournal,
    now: number,
    logger = new RecordingLogger(),
  ) =>
    recoverFailedPushes({
      api,
      store: new InMemoryEventStore(),
      journal,
      logger,
      now: () => now,
      sleep: async () => undefined,
      asking: POLICY,
    });

  it('GIVEN a run that asked WHEN the next runs of the day find no failure noted THEN none asks DingTalk', async () => {
    const api = new CountingFailedList(EMPTY);
    const journal = new InMemoryRecoveryJournal();
    expect((await run(api, journal, T0)).asking).to.deep.equal({ ask: true, reason: 'baseline' });
    for (let n = 1; n <= 12; n++) await run(api, journal, T0 + n * 5 * MINUTE);
    expect(api.calls).to.equal(1);
    expect(journal.asking.lastAskedAt).to.equal(T0);
  });

  it('GIVEN a failure noted by a callback WHEN the next run starts THEN it asks at once', async () => {
    const api = new CountingFailedList(EMPTY);
    const journal = new InMemoryRecoveryJournal();
    await run(api, journal, T0);
    await journal.notes.note(T0 + 7 * MINUTE);
    const report = await run(api, journal, T0 + 10 * MINUTE);
    expect(report.asking).to.deep.equal({ ask: true, reason: 'own_failure' });
    expect(api.calls).to.equal(2);
  });

  for (const [code, limit, outcome] of [
    [90020, 'monthly_quota', 'dingtalk_quota_exhausted'],
    [90018, 'rate', 'dingtalk_rate_limited'],
  ] as const) {
    it(`GIVEN DingTalk answers ${code} WHEN a run asks THEN it pauses (${limit}), logs ${outcome} for the alarm, and later runs ask nothing until the pause ends`, async () => {
      const api = new CountingFailedList(() => {
        throw new DingTalkApiError(code, 'limit', 'get_call_back_failed_result');
      });
      const journal = new InMemoryRecoveryJournal();
      const logger = new RecordingLogger();
      const report = await run(api, journal, T0, logger);
      expect(report.limited?.limit).to.equal(limit);
      expect(logger.records.some((r) => r.level === 'error' && r.attributes.outcome === outcome)).to.equal(
        true,
      );
      expect(journal.asking.pausedUntil).to.equal(pauseUntil(limit, T0));
      await journal.notes.note(T0 + MINUTE);
      await run(api, journal, T0 + 5 * MINUTE);
      expect(api.calls).to.equal(1);
    });
  }

  it('GIVEN the new API’s Forbidden.AccessDenied.ApiCountLimitForOrg WHEN a run asks THEN it is the monthly quota', async () => {
    const api = new CountingFailedList(() => {
      throw new DingTalkApiError(
        403,
        'over quota',
        'failedResults',
        'Forbidden.AccessDenied.ApiCountLimitForOrg',
      );
    });
    const report = await run(api, new InMemoryRecoveryJournal(), T0);
    expect(report.limited?.limit).to.equal('monthly_quota');
  });
});

describe('the callback remembers its own failures (lib/core/ingest.ts with OwnFailureMemory, in-memory stores)', () => {
  const TOKEN = 'token';
  const AES_KEY = 'a'.repeat(43);
  const crypto = new DingTalkCrypto({ token: TOKEN, aesKey: AES_KEY, ownerKeys: ['dingcorp'] });

  function push(eventId: string) {
    const plaintext = JSON.stringify({ EventType: 'user_add_org', eventId, UserId: ['u1'] });
    const encrypt = crypto.encrypt(plaintext, 'dingcorp');
    const timestamp = '1700000000000';
    const nonce = 'n1';
    return {
      method: 'POST',
      query: { signature: crypto.signature(timestamp, nonce, encrypt), timestamp, nonce },
      body: JSON.stringify({ encrypt }),
    };
  }

  /** The ingest with failure memory over in-memory stores, on a clock the test moves. */
  function callback() {
    const store = new InMemoryEventStore();
    const journal = new InMemoryRecoveryJournal();
    const clock = { now: T0 };
    const ingest = createIngest({
      crypto,
      store,
      logger: new RecordingLogger(),
      now: () => clock.now,
      maxBodyBytes: 1 << 20,
      failures: new OwnFailureMemory(journal.notes, new RecordingLogger()),
    });
    return { store, journal, clock, ingest };
  }

  it('GIVEN the store down WHEN a push gets 503 THEN no note can be written; the next push that is stored writes it', async () => {
    const { store, journal, clock, ingest } = callback();
    store.faults.failNext(1);
    journal.faults.failNext(100); // the journal lives in the same store: down too
    expect((await ingest(push('e1'))).statusCode).to.equal(503);
    expect(journal.asking.lastFailureAt).to.equal(undefined);

    journal.faults.failNext(0);
    clock.now = T0 + MINUTE;
    expect((await ingest(push('e2'))).statusCode).to.equal(200);
    expect(journal.asking.lastFailureAt).to.equal(T0);
  });

  it('GIVEN an answer later than DingTalk’s 1500 ms WHEN answered THEN the push is noted as one DingTalk may list', async () => {
    const { store, journal, clock, ingest } = callback();
    store.beforePut = () => {
      clock.now += 1600;
    };
    expect((await ingest(push('slow'))).statusCode).to.equal(200);
    expect(journal.asking.lastFailureAt).to.equal(T0 + 1600);
  });
});
