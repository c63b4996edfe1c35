import type { Logger } from './logger';
import type { EventStore, StoredEvent } from './stored-event';

/**
 * Forwarding with a delivery record per event (one destination: FORWARD_URL), as webhook platforms keep
 * one: `pending` → `delivered`, or `failed` once the retry schedule is spent. The table-change consumer
 * creates the record and makes one short attempt; a failed attempt schedules the next one instead of
 * failing the stream record, so a receiver outage never holds the stream up. A scheduled function
 * (every minute in the cloud, every 5 s under `npm start`) makes the attempts that are due.
 */

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface Delivery {
  eventId: string;
  eventType: string;
  /** When the event was received (lists and `--since` go by it). */
  receivedAt: string;
  status: DeliveryStatus;
  attempts: number;
  /** The last attempt's HTTP status, or the error's name (TimeoutError, TypeError). */
  lastStatus?: string;
  /** ISO-8601; set while pending. */
  nextAttemptAt?: string;
  updatedAt: string;
  /** Incremented by every write: updates are conditional on it, so two writers never both win. */
  revision: number;
}

/** What one attempt did. Forwarders never throw for a receiver's answer or a network failure. */
export interface DeliveryAttempt {
  ok: boolean;
  status: string;
}

export interface EventForwarder {
  forward(event: StoredEvent): Promise<DeliveryAttempt>;
}

/** The storage port for delivery records. One adapter per technology. */
export interface DeliveryStore {
  /** Stores `initial` unless a record for its event exists; false when one did (nothing written). */
  create(initial: Delivery): Promise<boolean>;
  /** Writes `next` iff the stored revision is still `next.revision - 1`; false when someone else wrote. */
  update(next: Delivery): Promise<boolean>;
  get(eventId: string): Promise<Delivery | undefined>;
  /** Pending records whose next attempt is due at `now` (ISO), oldest due first. */
  due(now: string, limit: number): Promise<Delivery[]>;
  /** Newest received first. */
  list(query: { status?: DeliveryStatus; since?: string; limit: number }): Promise<Delivery[]>;
}

/** Retry delays after each failed attempt; their sum is how long a receiver may be down. */
export const DEFAULT_RETRY_SCHEDULE = '5s,5m,30m,2h,5h,10h,10h';

/** `5s,5m,30m,2h` → milliseconds; undefined when any part is not a positive duration. */
export function parseRetrySchedule(text: string): number[] | undefined {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  const delays = text.split(',').map((part) => {
    const match = /^\s*(\d+)(ms|s|m|h|d)\s*$/.exec(part);
    return match ? Number(match[1]) * units[match[2]!]! : NaN;
  });
  return delays.length > 0 && delays.every((delay) => Number.isFinite(delay) && delay > 0)
    ? delays
    : undefined;
}

/**
 * An attempt's lease: the forwarder's timeout and a margin for writing its outcome. A process that dies
 * mid-attempt (a function timeout) leaves a record due again once the lease is over.
 */
export function attemptLease(timeoutMs: number): number {
  return timeoutMs + 5_000;
}

export interface ForwardingDependencies {
  deliveries: DeliveryStore;
  /** Where retries and replays read the event from. */
  events: Pick<EventStore, 'get'>;
  forwarder: EventForwarder;
  /** Delays in ms; after `schedule.length` retries a delivery is failed. */
  schedule: readonly number[];
  /**
   * How long an attempt holds its record (the forwarder's timeout and a margin): a record is written
   * due only after it, so a retry run never makes an attempt that is still in flight elsewhere.
   */
  attemptLeaseMs: number;
  logger: Logger;
  now: () => number;
}

export interface RetryReport {
  due: number;
  delivered: number;
  rescheduled: number;
  failed: number;
  /** Left for the next run because the time budget ran out. */
  deferred: number;
  /** Held by another run (its lease was taken first): that run makes the attempt. */
  skipped: number;
  /** Deliveries that could not be attempted (their event unreadable, a store failure): each recorded. */
  errors: number;
  /** How long the oldest due delivery had been due when the run started (0: none was). */
  oldestDueAgeMs: number;
}

export const NOTHING_TO_RETRY: Readonly<RetryReport> = {
  due: 0,
  delivered: 0,
  rescheduled: 0,
  failed: 0,
  deferred: 0,
  skipped: 0,
  errors: 0,
  oldestDueAgeMs: 0,
};

/**
 * The line every retry run ends with, also when forwarding is off: `outcome: retry_run` with the age
 * of the oldest due delivery in seconds, which the alarms watch (a run that stops logging is a stall).
 */
export function logRetryRun(logger: Logger, report: RetryReport): void {
  logger.info('delivery retries done', {
    ...report,
    oldestDueAgeSeconds: Math.round(report.oldestDueAgeMs / 1000),
    outcome: 'retry_run',
  });
}

/** The event of a due delivery could not be read (a missing part, a malformed item). */
class UnreadableEventError extends Error {
  constructor(cause: unknown) {
    super('the event could not be read', { cause });
    this.name = 'UnreadableEventError';
  }
}

export function createForwarding(deps: ForwardingDependencies) {
  const { deliveries, events, forwarder, schedule, logger, now, attemptLeaseMs } = deps;
  const iso = (ms: number) => new Date(ms).toISOString();

  /** The fields every record of one more try shares. */
  function tried(current: Delivery, lastStatus: string) {
    return {
      eventId: current.eventId,
      eventType: current.eventType,
      receivedAt: current.receivedAt,
      attempts: current.attempts + 1,
      lastStatus,
      updatedAt: iso(now()),
      revision: current.revision + 1,
    };
  }

  /** The record after a failed try: the next delay of the schedule, or failed once it is spent. */
  function afterFailure(current: Delivery, lastStatus: string): Delivery {
    const base = tried(current, lastStatus);
    return base.attempts > schedule.length
      ? { ...base, status: 'failed' }
      : { ...base, status: 'pending', nextAttemptAt: iso(now() + schedule[base.attempts - 1]!) };
  }

  function logRecorded(next: Delivery, extra: Record<string, unknown> = {}): void {
    const context = {
      eventType: next.eventType,
      eventId: next.eventId,
      attempts: next.attempts,
      lastStatus: next.lastStatus,
      ...extra,
    };
    if (next.status === 'delivered') logger.info('event forwarded', { ...context, outcome: 'delivered' });
    else if (next.status === 'failed')
      logger.error('forwarding failed for good', { ...context, outcome: 'delivery_failed' });
    else
      logger.warn('forwarding failed, retry scheduled', {
        ...context,
        outcome: 'retry_scheduled',
        nextAttemptAt: next.nextAttemptAt,
      });
  }

  /**
   * Makes one attempt and records it on the freshest record; returns what was recorded. A replay that
   * fails leaves a pending delivery as it was scheduled (only its last status changes), and marks any
   * other `failed`: an operator's replay neither ends nor starts a schedule.
   */
  async function attempt(delivery: Delivery, event: StoredEvent, replay = false): Promise<Delivery> {
    const result = await forwarder.forward(event);
    let current = delivery;
    for (let write = 1; ; write++) {
      let next: Delivery;
      if (result.ok) next = { ...tried(current, result.status), status: 'delivered' };
      else if (replay && current.status === 'pending')
        next = {
          ...current,
          lastStatus: result.status,
          updatedAt: iso(now()),
          revision: current.revision + 1,
        };
      else if (replay) next = { ...tried(current, result.status), status: 'failed' };
      else next = afterFailure(current, result.status);
      if (await deliveries.update(next)) {
        logRecorded(next, replay ? { replay: true } : {});
        return next;
      }
      // Another writer (a replay, a concurrent run) moved the record on: record this attempt on top of
      // theirs, unless theirs already delivered the event.
      const fresh = await deliveries.get(current.eventId);
      if (!fresh || (fresh.status === 'delivered' && !result.ok) || write >= 5) return fresh ?? current;
      current = fresh;
    }
  }

  /**
   * Takes the attempt's lease: the record is written due again only after the attempt could have
   * finished, conditional on the revision read, so of two runs (overlapping timer runs, a retry run and
   * a replayed table-change record) exactly one makes the attempt. Undefined when another took it.
   */
  async function lease(delivery: Delivery): Promise<Delivery | undefined> {
    const leased: Delivery = {
      ...delivery,
      nextAttemptAt: iso(now() + attemptLeaseMs),
      updatedAt: iso(now()),
      revision: delivery.revision + 1,
    };
    return (await deliveries.update(leased)) ? leased : undefined;
  }

  /** The event's delivery record: the stored one, or `initial` once created (create-or-read). */
  async function open(initial: Delivery): Promise<Delivery> {
    if (await deliveries.create(initial)) return initial;
    const existing = await deliveries.get(initial.eventId);
    if (!existing) throw new Error(`delivery ${initial.eventId} exists but cannot be read`);
    return existing;
  }

  /** A new record; with an attempt about to be made, it is due only once that attempt's lease is over. */
  function opened(event: StoredEvent, leased: boolean): Delivery {
    return {
      eventId: event.eventId,
      eventType: event.eventType,
      receivedAt: event.receivedAt,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: iso(now() + (leased ? attemptLeaseMs : 0)),
      updatedAt: iso(now()),
      revision: 0,
    };
  }

  /** One due delivery of a retry run, isolated: whatever goes wrong is recorded and the run goes on. */
  async function retryOne(delivery: Delivery, report: RetryReport): Promise<void> {
    const held = await lease(delivery);
    if (!held) {
      report.skipped++;
      return;
    }
    let event: StoredEvent | undefined;
    try {
      event = await events.get(held.eventId);
    } catch (error) {
      throw new UnreadableEventError(error);
    }
    if (!event) {
      logger.error('delivery without its event', { eventId: held.eventId, outcome: 'delivery_failed' });
      await deliveries.update({
        ...held,
        status: 'failed',
        lastStatus: 'EventMissing',
        updatedAt: iso(now()),
        revision: held.revision + 1,
      });
      report.failed++;
      return;
    }
    const next = await attempt(held, event);
    if (next.status === 'delivered') report.delivered++;
    else if (next.status === 'failed') report.failed++;
    else report.rescheduled++;
  }

  /** Records why a due delivery could not be attempted, on the schedule like a failed attempt. */
  async function recordError(delivery: Delivery, error: unknown, report: RetryReport): Promise<void> {
    report.errors++;
    const cause = error instanceof UnreadableEventError ? error.cause : error;
    const name = cause instanceof Error ? cause.name : 'Error';
    logger.error('delivery could not be attempted', {
      eventType: delivery.eventType,
      eventId: delivery.eventId,
      outcome: 'delivery_error',
      error: { name },
    });
    if (!(error instanceof UnreadableEventError)) return; // the deliveries store itself failed
    const fresh = await deliveries.get(delivery.eventId);
    if (!fresh || fresh.status !== 'pending') return;
    const next = afterFailure(fresh, `Unreadable: ${name}`);
    if (await deliveries.update(next)) {
      if (next.status === 'failed') {
        report.failed++;
        logRecorded(next);
      } else report.rescheduled++;
    }
  }

  return {
    /**
     * A newly stored event: its delivery record, then (when `attemptNow`) one attempt under a lease. A
     * replayed table-change record finds the record and attempts only if it is still pending and due.
     * Store failures throw.
     */
    async onStored(event: StoredEvent, options: { attemptNow: boolean }): Promise<Delivery> {
      const initial = opened(event, options.attemptNow);
      const delivery = await open(initial);
      if (!options.attemptNow || delivery.status !== 'pending') return delivery;
      if (delivery === initial) return attempt(delivery, event); // created by us, with its lease
      if ((delivery.nextAttemptAt ?? '') > iso(now())) return delivery; // leased, or scheduled later
      const held = await lease(delivery);
      return held ? attempt(held, event) : delivery;
    },

    /**
     * The attempts that are due, while more than `reserveMs` of the run are left. Each delivery is
     * leased first and isolated: one that cannot be attempted is recorded with its reason and never
     * holds back the ones behind it.
     */
    async retryDue(options: {
      remainingMs: () => number;
      reserveMs: number;
      limit: number;
    }): Promise<RetryReport> {
      const report: RetryReport = { ...NOTHING_TO_RETRY };
      const due = await deliveries.due(iso(now()), options.limit);
      report.due = due.length;
      const oldest = due[0]?.nextAttemptAt;
      report.oldestDueAgeMs = oldest === undefined ? 0 : Math.max(0, now() - Date.parse(oldest));
      for (const delivery of due) {
        if (options.remainingMs() < options.reserveMs) {
          report.deferred++;
          continue;
        }
        try {
          await retryOne(delivery, report);
        } catch (error) {
          await recordError(delivery, error, report).catch((recordFailure: unknown) =>
            logger.error('delivery error could not be recorded', {
              eventId: delivery.eventId,
              outcome: 'delivery_error',
              error: { name: recordFailure instanceof Error ? recordFailure.name : 'Error' },
            }),
          );
        }
      }
      return report;
    },

    /**
     * Forwards stored events again now, with the same `webhook-id`, whatever their delivery state, and
     * records the outcome: delivered; a pending delivery stays pending on its schedule; any other
     * becomes failed (an operator's replay neither ends nor starts a schedule).
     */
    async replay(
      eventIds: readonly string[],
    ): Promise<Array<{ eventId: string; status: DeliveryStatus | 'missing' }>> {
      const outcomes: Array<{ eventId: string; status: DeliveryStatus | 'missing' }> = [];
      for (const eventId of eventIds) {
        const event = await events.get(eventId);
        if (!event) {
          outcomes.push({ eventId, status: 'missing' });
          continue;
        }
        const delivery = await open(opened(event, false));
        outcomes.push({ eventId, status: (await attempt(delivery, event, true)).status });
      }
      return outcomes;
    },
  };
}

export type Forwarding = ReturnType<typeof createForwarding>;
