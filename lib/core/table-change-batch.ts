import type { Logger } from './logger';
import { errorSummary } from './logger';
import type { StoredEvent } from './stored-event';
import { UnprocessableEventError } from './stored-event-processing';

/**
 * The batch policy of a table-change consumer whose platform has no per-record retry or dead-letter queue
 * (the Tablestore trigger retries a failed invocation until the stream log expires). Only what can never
 * succeed is parked, with its reason, and the batch goes on: a row that cannot be decoded or has no valid
 * shape, an event whose payload is not JSON. Any other failure (a store blip, a timeout, throttling) gets a
 * few tries, then fails the invocation, so the trigger retries the whole batch (processing is
 * idempotent) and nothing healthy is ever set aside; the function's error alarm tells. Records are processed one
 * after another, in stream order, under a time budget: once less than `attemptReserveMs` is left, no
 * record waits on a receiver any more (its delivery is left due for the retry function).
 */

/** One stream record, decoded once by the adapter that received it. */
export type TableChange =
  | { kind: 'event'; event: StoredEvent; raw: () => string }
  | { kind: 'skip' }
  | { kind: 'malformed'; eventId: string; reason: string; raw: () => string };

/** A record set aside, as an operator lists it (`dingtalk-callback parked`). */
export interface ParkedRecord {
  eventId: string;
  eventType: string;
  reason: string;
  attempts: number;
  /** ISO-8601. */
  parkedAt: string;
}

/** Where records that cannot be processed are set aside, with the reason (never the triggering table). */
export interface ParkingStore {
  park(entry: {
    eventId: string;
    eventType: string;
    reason: string;
    record: string;
    attempts: number;
  }): Promise<void>;
  /** Newest parked first. Parked records are rare: the table is small. */
  list(limit: number): Promise<ParkedRecord[]>;
  /** Once the event is processed again (`dingtalk-callback reprocess --parked`). */
  remove(eventId: string): Promise<void>;
}

export interface TableChangeReport {
  processed: number;
  parked: number;
  skipped: number;
  /** Processed without a delivery attempt, for lack of time: the retry function makes it. */
  deferred: number;
}

export interface TableChangeBatchDependencies {
  /** `attemptNow: false` when the batch is short of time: record the delivery, leave the attempt. */
  process: (event: StoredEvent, options: { attemptNow: boolean }) => Promise<void>;
  parking: ParkingStore;
  logger: Logger;
  /** Tries per record inside one invocation before it is parked. */
  attempts?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Milliseconds left in the invocation; unbounded when absent. */
  remainingMs?: () => number;
  /** Below this much time left, records are processed without delivery attempts (default 15 s). */
  attemptReserveMs?: number;
}

/**
 * Time a table-change batch keeps in hand before it stops attempting deliveries: one attempt (the
 * forwarder's timeout) and the stores' own timeouts. Both clouds' consumers use it.
 */
export function attemptReserve(forwardTimeoutMs: number | undefined): number {
  return (forwardTimeoutMs ?? 0) + 10_000;
}

export async function processTableChanges(
  entries: readonly TableChange[],
  deps: TableChangeBatchDependencies,
): Promise<TableChangeReport> {
  const attempts = deps.attempts ?? 3;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const report: TableChangeReport = { processed: 0, parked: 0, skipped: 0, deferred: 0 };
  const remaining = deps.remainingMs ?? (() => Number.POSITIVE_INFINITY);
  const attemptReserve = deps.attemptReserveMs ?? 15_000;
  for (const entry of entries) {
    if (entry.kind === 'skip') {
      report.skipped++;
      continue;
    }
    if (entry.kind === 'malformed') {
      await deps.parking.park({
        eventId: entry.eventId,
        eventType: 'unknown',
        reason: entry.reason,
        record: entry.raw(),
        attempts: 0,
      });
      report.parked++;
      continue;
    }
    const { event } = entry;
    // A receiver may hang up to the forwarder's timeout per attempt: with little time left, the delivery
    // is recorded as due and the retry function makes the attempt, so the batch always finishes.
    const attemptNow = remaining() > attemptReserve;
    if (!attemptNow) report.deferred++;
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await deps.process(event, { attemptNow });
        lastError = undefined;
        break;
      } catch (error) {
        lastError = error;
        if (error instanceof UnprocessableEventError) break;
        if (attempt < attempts) await sleep(200 * 2 ** (attempt - 1));
      }
    }
    if (lastError === undefined) {
      report.processed++;
      continue;
    }
    if (!(lastError instanceof UnprocessableEventError)) {
      deps.logger.error('event processing failed; the batch fails so the trigger retries it', {
        eventType: event.eventType,
        eventId: event.eventId,
        outcome: 'retry_batch',
        attempts,
        error: errorSummary(lastError),
      });
      throw lastError;
    }
    const reason = `${lastError.name}: ${lastError.message}`;
    await deps.parking.park({
      eventId: event.eventId,
      eventType: event.eventType,
      reason,
      record: entry.raw(),
      attempts: 1,
    });
    deps.logger.error('event parked: it can never be processed', {
      eventType: event.eventType,
      eventId: event.eventId,
      outcome: 'parked',
      reason,
    });
    report.parked++;
  }
  return report;
}
