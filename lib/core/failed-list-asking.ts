import type { DingTalkLimit } from '../dingtalk/open-api';
import type { Logger } from './logger';
import { errorSummary } from './logger';

/**
 * When the scheduled recovery asks DingTalk's failed list. Every call counts against the organisation's
 * monthly open-API quota (5,000 calls on the standard edition, for all its apps together;
 * docs/dingtalk-protocol.md, README "DingTalk's quotas"), and the list is almost always empty, so a run
 * asks only when there is reason to expect something on it:
 * - **our own failure**: the callback answered 5xx, or answered later than DingTalk waits. DingTalk
 *   retries such a push after about 10 s and 30 s and lists it 3–5 minutes after its last try, so the
 *   list is asked at the first run after the failure and once more `listingDelayMs` after it;
 * - **the baseline**: once every `baselineMs` (default a day), for failures we cannot see (DingTalk could
 *   not reach us at all, a callback instance that failed and was recycled before it could say so);
 * - never while DingTalk has told us to pause (its monthly quota is spent, or a rate limit).
 * The CLI's `recover` asks whenever an operator runs it.
 */
export interface AskingPolicy {
  baselineMs: number;
  /** After our own failure, when DingTalk has surely listed the push. */
  listingDelayMs: number;
}

export const DEFAULT_BASELINE_MS = 24 * 3_600_000;
/** DingTalk's two retries (about 40 s) and its listing within 3–5 minutes, with room to spare. */
export const LISTING_DELAY_MS = 7 * 60_000;

/** The journal table's rows for asking (no `page` attribute: `pending` passes them by). */
export const ASKING_ROW = 'asking';
export const FAILURE_NOTE_ROW = 'note#own-failure';

/** What the recovery journal table keeps about asking (rows apart from the pages). */
export interface AskingState {
  /** The newest own failure a callback noted (epoch ms). */
  lastFailureAt?: number;
  /** When a run last asked DingTalk's failed list and got an answer (epoch ms). */
  lastAskedAt?: number;
  /** DingTalk's quota or rate answer: nothing is asked before this (epoch ms). */
  pausedUntil?: number;
  pauseReason?: DingTalkLimit;
}

export type AskingDecision =
  | { ask: true; reason: 'own_failure' | 'own_failure_follow_up' | 'baseline' }
  | { ask: false; reason: 'paused' | 'quiet'; nextAskAt: number };

export function whetherToAsk(state: AskingState, now: number, policy: AskingPolicy): AskingDecision {
  if (state.pausedUntil !== undefined && now < state.pausedUntil) {
    return { ask: false, reason: 'paused', nextAskAt: state.pausedUntil };
  }
  const asked = state.lastAskedAt ?? Number.NEGATIVE_INFINITY;
  const failure = state.lastFailureAt;
  if (failure !== undefined) {
    if (asked < failure) return { ask: true, reason: 'own_failure' };
    const listed = failure + policy.listingDelayMs;
    if (asked < listed && now >= listed) return { ask: true, reason: 'own_failure_follow_up' };
  }
  const baselineAt = asked + policy.baselineMs;
  if (now >= baselineAt) return { ask: true, reason: 'baseline' };
  const followUpAt =
    failure !== undefined && asked < failure + policy.listingDelayMs
      ? failure + policy.listingDelayMs
      : Number.POSITIVE_INFINITY;
  return { ask: false, reason: 'quiet', nextAskAt: Math.min(baselineAt, followUpAt) };
}

/** How long DingTalk's limit lasts: the monthly quota until the next calendar month in China (UTC+8). */
export function pauseUntil(limit: DingTalkLimit, now: number): number {
  if (limit === 'rate') return now + 10 * 60_000;
  const china = new Date(now + 8 * 3_600_000);
  return Date.UTC(china.getUTCFullYear(), china.getUTCMonth() + 1, 1) - 8 * 3_600_000;
}

/** Where a callback leaves word of its own failure: a row of the recovery journal table. */
export interface FailureNotes {
  note(atMs: number): Promise<void>;
}

/**
 * A callback instance's memory of its own failures. A failure is remembered in the process (the store may
 * be down: that is often why it failed) and written as a note by the next request that finds the store
 * working; the write waits at most `waitMs`, so a slow note never holds a reply back long.
 */
export class OwnFailureMemory {
  private unnoted: number | undefined;

  constructor(
    private readonly notes: FailureNotes,
    private readonly logger: Logger,
    private readonly waitMs = 200,
  ) {}

  seen(atMs: number): void {
    this.unnoted = Math.max(this.unnoted ?? 0, atMs);
  }

  /** Writes the remembered failure, if any; kept in memory when the write fails. */
  async flush(): Promise<void> {
    const at = this.unnoted;
    if (at === undefined) return;
    const write = this.notes.note(at).then(
      () => {
        if (this.unnoted === at) this.unnoted = undefined;
        this.logger.info('own failure noted for the failed-push recovery', { outcome: 'own_failure_noted' });
      },
      (error: unknown) =>
        this.logger.warn('own failure not noted yet; kept for the next request', {
          error: errorSummary(error),
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([write, new Promise<void>((resolve) => (timer = setTimeout(resolve, this.waitMs)))]);
    clearTimeout(timer);
  }
}

/** The asking rows as stored (numbers as numbers, the reason as a string), whatever wrote them. */
export function askingStateOf(
  asking: Record<string, unknown> | undefined,
  note: Record<string, unknown> | undefined,
): AskingState {
  const number = (value: unknown) =>
    typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  const state: AskingState = {};
  const lastFailureAt = number(note?.at);
  const lastAskedAt = number(asking?.lastAskedAt);
  const pausedUntil = number(asking?.pausedUntil);
  if (lastFailureAt !== undefined) state.lastFailureAt = lastFailureAt;
  if (lastAskedAt !== undefined) state.lastAskedAt = lastAskedAt;
  if (pausedUntil !== undefined) state.pausedUntil = pausedUntil;
  if (asking?.pauseReason === 'monthly_quota' || asking?.pauseReason === 'rate')
    state.pauseReason = asking.pauseReason;
  return state;
}
