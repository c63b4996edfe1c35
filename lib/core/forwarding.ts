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

export interface ForwardingDependencies {
  deliveries: DeliveryStore;
  /** Where retries and replays read the event from. */
  events: Pick<EventStore, 'get'>;
  forwarder: EventForwarder;
  /** Delays in ms; after `schedule.length` retries a delivery is failed. */
  schedule: readonly number[];
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
}

export function createForwarding(deps: ForwardingDependencies) {
  const { deliveries, events, forwarder, schedule, logger, now } = deps;
  const iso = (ms: number) => new Date(ms).toISOString();

  /** Makes one attempt and records it on the freshest record; returns what was recorded. */
  async function attempt(delivery: Delivery, event: StoredEvent, replay = false): Promise<Delivery> {
    const result = await forwarder.forward(event);
    let current = delivery;
    for (let write = 1; ; write++) {
      const attempts = current.attempts + 1;
      const base = {
        eventId: current.eventId,
        eventType: current.eventType,
        receivedAt: current.receivedAt,
        attempts,
        lastStatus: result.status,
        updatedAt: iso(now()),
        revision: current.revision + 1,
      };
      let next: Delivery;
      if (result.ok) next = { ...base, status: 'delivered' };
      else if (replay || attempts > schedule.length) next = { ...base, status: 'failed' };
      else next = { ...base, status: 'pending', nextAttemptAt: iso(now() + schedule[attempts - 1]!) };
      if (await deliveries.update(next)) {
        const context = {
          eventType: event.eventType,
          eventId: event.eventId,
          attempts,
          lastStatus: result.status,
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
        return next;
      }
      // Another writer (a replay, a concurrent run) moved the record on: record this attempt on top of
      // theirs, unless theirs already delivered the event.
      const fresh = await deliveries.get(current.eventId);
      if (!fresh || (fresh.status === 'delivered' && !result.ok) || write >= 5) return fresh ?? current;
      current = fresh;
    }
  }

  /** The event's delivery record: the stored one, or `initial` once created (create-or-read). */
  async function open(initial: Delivery): Promise<Delivery> {
    if (await deliveries.create(initial)) return initial;
    const existing = await deliveries.get(initial.eventId);
    if (!existing) throw new Error(`delivery ${initial.eventId} exists but cannot be read`);
    return existing;
  }

  function opened(event: StoredEvent): Delivery {
    return {
      eventId: event.eventId,
      eventType: event.eventType,
      receivedAt: event.receivedAt,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: iso(now()),
      updatedAt: iso(now()),
      revision: 0,
    };
  }

  return {
    /**
     * A newly stored event: its delivery record, then (when `attemptNow`) one attempt. A replayed stream
     * record finds the record and attempts only if it is still pending and due. Store failures throw.
     */
    async onStored(event: StoredEvent, options: { attemptNow: boolean }): Promise<Delivery> {
      const delivery = await open(opened(event));
      const due = delivery.status === 'pending' && (delivery.nextAttemptAt ?? '') <= iso(now());
      return options.attemptNow && due ? attempt(delivery, event) : delivery;
    },

    /** The attempts that are due, while more than `reserveMs` of the run are left. */
    async retryDue(options: {
      remainingMs: () => number;
      reserveMs: number;
      limit: number;
    }): Promise<RetryReport> {
      const report: RetryReport = { due: 0, delivered: 0, rescheduled: 0, failed: 0, deferred: 0 };
      const due = await deliveries.due(iso(now()), options.limit);
      report.due = due.length;
      for (const delivery of due) {
        if (options.remainingMs() < options.reserveMs) {
          report.deferred++;
          continue;
        }
        const event = await events.get(delivery.eventId);
        if (!event) {
          logger.error('delivery without its event', {
            eventId: delivery.eventId,
            outcome: 'delivery_failed',
          });
          await deliveries.update({
            ...delivery,
            status: 'failed',
            lastStatus: 'EventMissing',
            updatedAt: iso(now()),
            revision: delivery.revision + 1,
          });
          report.failed++;
          continue;
        }
        const next = await attempt(delivery, event);
        if (next.status === 'delivered') report.delivered++;
        else if (next.status === 'failed') report.failed++;
        else report.rescheduled++;
      }
      return report;
    },

    /**
     * Forwards stored events again now, with the same `webhook-id`, whatever their delivery state, and
     * records the outcome: delivered, or failed (an operator's replay does not start a new schedule).
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
        const delivery = await open(opened(event));
        outcomes.push({ eventId, status: (await attempt(delivery, event, true)).status });
      }
      return outcomes;
    },
  };
}

export type Forwarding = ReturnType<typeof createForwarding>;
