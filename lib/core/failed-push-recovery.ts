import { randomUUID } from 'node:crypto';
import type { DingTalkApi, FailedPushPage } from '../dingtalk/open-api';
import { dingTalkLimitOf } from '../dingtalk/open-api';
import { parseExactJson } from '../dingtalk/exact-json';
import { isObject } from '../dingtalk/values';
import type { EventStore, PutOutcome, StoredEvent } from './stored-event';
import { storedEventOf } from './stored-event';
import { parseEvent, payloadCorpId, plaintextIdentity, UNKNOWN_EVENT_TYPE } from '../dingtalk/event-payload';
import type { AskingDecision, AskingPolicy, AskingState } from './failed-list-asking';
import { pauseUntil, whetherToAsk } from './failed-list-asking';
import type { Logger } from './logger';
import { errorSummary } from './logger';

/**
 * Recovery of pushes DingTalk gave up on (docs/dingtalk-protocol.md §5). Its failed list pages with
 * `has_more` and **each call deletes what the previous call returned**, so a page in hand is made
 * durable before anything could ask DingTalk again — in the journal (rows in the cloud store, shared by
 * the scheduled functions and the CLI), else in a second durable place that does not depend on the
 * store — and only then are its items stored, through the same idempotent store as pushes, under the
 * same identity rule (see `eventIdentity`).
 *
 * A run: (1) checks that the journal can be written, and asks DingTalk nothing when it cannot; (2) moves
 * pages from the second place into the journal; (3) finishes journaled pages; (4) reads on while there
 * is time to journal and store one more page. Every write is retried until the run's time budget says
 * stop; a page that cannot be journaled by then goes to the second place.
 */

/** Where a page's raw answer is kept until all its items are stored (rows in the cloud store). */
export interface RecoveryJournal {
  /** Resolves only if the journal can be written now (a probe write); DingTalk is not asked otherwise. */
  probe(): Promise<void>;
  /** Pages saved by a run that did not finish them, oldest first. */
  pending(): Promise<JournalPage[]>;
  save(raw: string): Promise<JournalPage>;
  done(page: JournalPage): Promise<void>;
  /**
   * Takes the reading lease for `holder` until `untilMs` (epoch ms): true unless another holder's lease
   * has not expired. DingTalk's failed list deletes a page on the next call, so only one reader at a
   * time may ask it (the CLI's `recover`, the scheduled function, overlapping timer runs).
   */
  lease(holder: string, untilMs: number): Promise<boolean>;
  /** Gives the lease up, if `holder` still holds it. */
  release(holder: string): Promise<void>;
  /**
   * Keeps one failed-list item the store refuses every time (its raw JSON and the error's name) in rows
   * `pending` passes by, so its page can be finished and no later run is blocked by it.
   */
  setAside(raw: string, reason: string): Promise<void>;
  /** What was noted and recorded about asking DingTalk (rows apart from the pages; failed-list-asking.ts). */
  askingState(): Promise<AskingState>;
  /** Records a run's asking: when it last asked, and DingTalk's pause if it answered with a limit. */
  recordAsking(state: Omit<AskingState, 'lastFailureAt'>): Promise<void>;
}

export interface JournalPage {
  id: string;
  raw: string;
  /** The journal's own row keys for the page, to remove it when done. */
  rowIds: string[];
}

/** A durable place independent of the store, for a page the journal could not take in time. */
export interface FallbackPlace {
  /** What it is, for logs and the report (never the page). */
  readonly name: string;
  keep(raw: string): Promise<void>;
  /** Pages kept earlier; `ack` removes one once it is journaled. */
  take(): Promise<Array<{ raw: string; ack: () => Promise<void> }>>;
}

export interface RecoveryReport {
  pages: number;
  items: number;
  stored: number;
  duplicates: number;
  /** Pages found in the journal from an earlier, interrupted run and finished now. */
  replayedPages: number;
  /** Pages moved from the second durable place back into the journal. */
  fallbackReplayed: number;
  /** Pages this run had to put in the second durable place (the store stayed down). */
  fallbackKept: number;
  /** True when the run stopped reading for lack of time; the next run continues. */
  stoppedForTime: boolean;
  /** Present when another reader held the lease: this run asked DingTalk nothing. */
  leaseHeld?: true;
  /** Items the store refused while the journal was writable: kept in the journal, alarmed. */
  setAside?: number;
  /** Whether this run asked DingTalk's failed list, and why (scheduled runs; the CLI always asks). */
  asking?: AskingDecision;
  /** DingTalk answered with its monthly quota or a rate limit: nothing is asked until `pausedUntil`. */
  limited?: { limit: 'monthly_quota' | 'rate'; pausedUntil: string };
}

export interface RecoveryDependencies {
  api: Pick<DingTalkApi, 'failedPushes'>;
  store: EventStore;
  journal: RecoveryJournal;
  fallback?: FallbackPlace;
  logger: Logger;
  now: () => number;
  /** Milliseconds left in this run, as the platform reports them; unbounded when absent (CLI). */
  remainingMs?: () => number;
  /** Time kept in hand before asking for another page: enough to journal and store one. */
  pageReserveMs?: number;
  /** Time kept in hand for the second durable place when the journal stays down. */
  fallbackReserveMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Safety bound on pages per run (200 items each); the next run continues. */
  maxPages?: number;
  /**
   * When given (the scheduled functions), DingTalk is asked only when the policy sees a reason
   * (failed-list-asking.ts); without it (the CLI's `recover`) every run asks.
   */
  asking?: AskingPolicy;
}

/** The store could not be written: nothing was asked of DingTalk, or the page in hand is kept safe. */
export class RecoveryStoreUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RecoveryStoreUnavailableError';
  }
}

/** The failed-list lease: DingTalk's call (10 s at most) and journaling its page, with room to spare. */
const LEASE_TTL_MS = 30_000;
const LEASE_POLL_MS = 2_000;

/** Puts of one item before the store is asked whether it refuses the item or is down. */
const ITEM_TRIES = 3;

/** Keys under which the failed list carries the event data, by family. */
const DATA_KEYS = ['bpmsCallBackData', 'roleLabelChange', 'callbackData'] as const;

export async function recoverFailedPushes(deps: RecoveryDependencies): Promise<RecoveryReport> {
  const { api, store, logger, now, journal, fallback } = deps;
  const maxPages = deps.maxPages ?? 500;
  const remaining = deps.remainingMs ?? (() => Number.POSITIVE_INFINITY);
  const pageReserve = deps.pageReserveMs ?? 30_000;
  const fallbackReserve = deps.fallbackReserveMs ?? 10_000;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const report: RecoveryReport = {
    pages: 0,
    items: 0,
    stored: 0,
    duplicates: 0,
    replayedPages: 0,
    fallbackReplayed: 0,
    fallbackKept: 0,
    stoppedForTime: false,
  };

  /** Retries `write` with backoff while more than `reserve` ms are left; the last error if it never works. */
  const persist = async <T>(what: string, reserve: number, write: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (error) {
        const wait = Math.min(5_000, 500 * 2 ** (attempt - 1));
        if (remaining() - wait <= reserve) throw error;
        logger.warn('recovery write failed, retrying', { what, attempt, error: errorSummary(error) });
        await sleep(wait);
      }
    }
  };

  /**
   * Stores one item: a few tries, then, if the journal (the same store) can still be written, the item
   * is refused for what it is, not for an outage: it is set aside with its reason and the page goes on.
   * While the store is down the page stays journaled (the error goes up, the next run finishes it).
   */
  const storeItem = async (item: unknown): Promise<PutOutcome | 'set_aside'> => {
    const event = storedEventFromFailedItem(item, now());
    let lastError: unknown;
    for (let attempt = 1; attempt <= ITEM_TRIES; attempt++) {
      try {
        return await store.put(event);
      } catch (error) {
        lastError = error;
        if (attempt < ITEM_TRIES) await sleep(500 * attempt);
      }
    }
    try {
      await journal.probe();
    } catch {
      return persist('event', fallbackReserve, () => store.put(event));
    }
    const reason = lastError instanceof Error ? lastError.name : 'Error';
    await persist('journal', fallbackReserve, () => journal.setAside(JSON.stringify(item), reason));
    logger.error('failed-push item set aside: the store refuses it', {
      eventType: event.eventType,
      eventId: event.eventId,
      outcome: 'recovery_item_set_aside',
      error: errorSummary(lastError),
    });
    return 'set_aside';
  };

  const storePage = async (items: readonly unknown[]) => {
    for (const item of items) {
      const outcome = await storeItem(item);
      report.items++;
      if (outcome === 'stored') report.stored++;
      else if (outcome === 'duplicate') report.duplicates++;
      else report.setAside = (report.setAside ?? 0) + 1;
    }
  };

  try {
    await journal.probe();
  } catch (cause) {
    logger.error('recovery store not writable: DingTalk was not asked', { error: errorSummary(cause) });
    throw new RecoveryStoreUnavailableError(
      'the recovery journal cannot be written; DingTalk was not asked',
      {
        cause,
      },
    );
  }

  // Finishing kept pages is idempotent (puts), so it needs no lease; only asking DingTalk does.
  for (const kept of fallback ? await fallback.take() : []) {
    await persist('journal', fallbackReserve, () => journal.save(kept.raw));
    await kept.ack();
    report.fallbackReplayed++;
  }

  for (const page of await journal.pending()) {
    let items: unknown[];
    try {
      items = itemsOf(page.raw);
    } catch {
      // An answer DingTalk sent that could not be read: kept for an operator, never blocking the runs.
      logger.error('a journaled failed-push page cannot be read; it stays in the journal', {
        page: page.id,
        outcome: 'journal_page_unreadable',
      });
      continue;
    }
    await storePage(items);
    await persist('journal', fallbackReserve, () => journal.done(page));
    report.replayedPages++;
  }

  // Pages already in hand are finished whatever the policy says; asking DingTalk for more costs quota.
  if (deps.asking) {
    const startedAt = now();
    const decision = whetherToAsk(await journal.askingState(), startedAt, deps.asking);
    report.asking = decision;
    if (!decision.ask) {
      logger.info('failed list not asked: no reason to expect anything on it', {
        outcome: decision.reason === 'paused' ? 'recovery_paused' : 'recovery_quiet',
        nextAskAt: new Date(decision.nextAskAt).toISOString(),
      });
      return report;
    }
    logger.info('asking the failed list', { reason: decision.reason });
  }
  // The lease covers one page's dangerous window (the call, then journaling what it returned) and is
  // renewed before every call; a run that dies leaves it to expire within LEASE_TTL_MS. A run that
  // finds it held waits, within its budget, for it to be released or to expire.
  const holder = `${now()}-${randomUUID()}`;
  const takeLease = () => journal.lease(holder, now() + LEASE_TTL_MS);
  let leased = await takeLease();
  // A dead holder's lease is over within one TTL; a live holder renews it, and this run gives up.
  for (let poll = 0; !leased && poll * LEASE_POLL_MS <= LEASE_TTL_MS; poll++) {
    if (remaining() - LEASE_POLL_MS <= pageReserve) break;
    await sleep(LEASE_POLL_MS);
    leased = await takeLease();
  }
  if (!leased) {
    logger.warn('another reader holds the failed-list lease: DingTalk was not asked', {
      outcome: 'recovery_lease_held',
    });
    return { ...report, leaseHeld: true };
  }
  try {
    const askedAt = now();
    const read = await readUnderLease();
    if (deps.asking)
      await persist('journal', fallbackReserve, () => journal.recordAsking({ lastAskedAt: askedAt }));
    return read;
  } catch (error) {
    const limit = dingTalkLimitOf(error);
    if (limit === undefined) throw error;
    // DingTalk's limit: every further call fails (monthly: for every app of the organisation) until it
    // lifts, so nothing is asked before then; the log line is what the alarm matches.
    const until = pauseUntil(limit, now());
    await persist('journal', fallbackReserve, () =>
      journal.recordAsking({ lastAskedAt: now(), pausedUntil: until, pauseReason: limit }),
    );
    logger.error('DingTalk refused the failed-list call with its limit; recovery pauses', {
      outcome: limit === 'monthly_quota' ? 'dingtalk_quota_exhausted' : 'dingtalk_rate_limited',
      pausedUntil: new Date(until).toISOString(),
      error: errorSummary(error),
    });
    return { ...report, limited: { limit, pausedUntil: new Date(until).toISOString() } };
  } finally {
    await journal
      .release(holder)
      .catch((error: unknown) =>
        logger.warn('failed-list lease not released; it expires', { error: errorSummary(error) }),
      );
  }

  async function readUnderLease(): Promise<RecoveryReport> {
    for (let hasMore = true; hasMore && report.pages < maxPages;) {
      if (remaining() < pageReserve) {
        report.stoppedForTime = true;
        logger.info('recovery stopped for time; the next run continues', { remainingMs: remaining() });
        break;
      }
      if (report.pages > 0 && !(await takeLease())) {
        logger.warn('the failed-list lease was lost; the next run continues', {
          outcome: 'recovery_lease_held',
        });
        break;
      }
      let page: FailedPushPage;
      try {
        page = await api.failedPushes();
      } catch (error) {
        // DingTalk answered, but not readably: the next call would delete that page, so keep its text.
        const raw = (error as { raw?: unknown }).raw;
        if (typeof raw === 'string' && raw.length > 0) {
          await persist('journal', fallbackReserve, () => journal.save(raw));
          logger.error('failed-list answer unreadable; its text is journaled', {
            outcome: 'failed_list_unreadable',
            error: errorSummary(error),
          });
        }
        throw error;
      }
      report.pages++;
      hasMore = page.hasMore;
      if (page.items.length === 0) break;
      let saved: JournalPage;
      try {
        saved = await persist('journal', fallbackReserve, () => journal.save(page.raw));
      } catch (cause) {
        if (!fallback) {
          logger.error('failed-push page could not be kept', {
            items: page.items.length,
            error: errorSummary(cause),
          });
          throw new RecoveryStoreUnavailableError('a failed-push page could not be journaled', { cause });
        }
        await persist(fallback.name, 0, () => fallback.keep(page.raw));
        report.fallbackKept++;
        logger.error('failed-push page kept in the second durable place', {
          place: fallback.name,
          items: page.items.length,
          error: errorSummary(cause),
        });
        throw new RecoveryStoreUnavailableError(`the store stayed down; the page is in ${fallback.name}`, {
          cause,
        });
      }
      // Journaled: from here a failure only delays it to the next run.
      await storePage(page.items);
      await persist('journal', fallbackReserve, () => journal.done(saved));
      logger.info('failed-push page recovered', { items: page.items.length, hasMore });
    }
    if (report.pages >= maxPages) logger.warn('recovery stopped at the page bound', { maxPages });
    return report;
  }
}

function itemsOf(raw: string): unknown[] {
  const parsed = parseExactJson(raw) as { failed_list?: unknown };
  return Array.isArray(parsed.failed_list) ? parsed.failed_list : [];
}

/**
 * One failed-list item as a stored event. The event data sits under the tag's key
 * (`{"call_back_tag":"bpms_instance_change","bpms_instance_change":{"bpmsCallBackData":{…},"corpid":…}}`),
 * as an object or a JSON string. It is stored as a push of the same event would be: the data with
 * `EventType` set to the tag, identified by `eventIdentity`. An item of a shape nobody has seen is stored
 * whole rather than dropped.
 */
export function storedEventFromFailedItem(item: unknown, receivedAtMs: number): StoredEvent {
  const record = isObject(item) ? item : {};
  const tag =
    typeof record.call_back_tag === 'string' && record.call_back_tag ? record.call_back_tag : undefined;
  const container =
    tag !== undefined && isObject(record[tag]) ? (record[tag] as Record<string, unknown>) : record;
  const data = findData(container) ?? findData(record);
  const corpid = payloadCorpId(container);
  const receipt = { receivedAtMs, source: 'recovery' as const };

  if (data === undefined) {
    const plaintext = JSON.stringify(item);
    return storedEventOf(
      {
        eventId: plaintextIdentity(plaintext),
        eventType: tag ?? UNKNOWN_EVENT_TYPE,
        plaintext,
        ...(corpid ? { corpId: corpid } : {}),
        ...eventTimeOf(record),
      },
      { ...receipt, ownerKey: corpid ?? '' },
    );
  }
  const payload: Record<string, unknown> = { ...data };
  if (payload.EventType === undefined && payload.eventType === undefined && tag) payload.EventType = tag;
  if (payloadCorpId(payload) === undefined && corpid) payload.corpId = corpid;
  const event = parseEvent(JSON.stringify(payload));
  return storedEventOf(
    { ...event, ...(event.eventTime !== undefined ? {} : eventTimeOf(record)) },
    { ...receipt, ownerKey: event.corpId ?? corpid ?? '' },
  );
}

function findData(container: Record<string, unknown>): Record<string, unknown> | undefined {
  for (const key of DATA_KEYS) {
    const value = container[key];
    if (isObject(value)) return value;
    if (typeof value === 'string') {
      try {
        const parsed = parseExactJson(value);
        if (isObject(parsed)) return parsed;
      } catch {
        // not JSON: fall through and keep the item whole
      }
    }
  }
  return undefined;
}

function eventTimeOf(record: Record<string, unknown>): { eventTime?: number } {
  return typeof record.event_time === 'number' && Number.isFinite(record.event_time)
    ? { eventTime: record.event_time }
    : {};
}
