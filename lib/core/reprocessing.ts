import type { Logger } from './logger';
import { errorSummary } from './logger';
import type { EventStore, StoredEvent } from './stored-event';
import type { ParkingStore } from './table-change-batch';

export type ReprocessOutcome =
  | { eventId: string; status: 'processed' }
  | { eventId: string; status: 'missing' }
  | { eventId: string; status: 'failed'; error: string };

export interface ReprocessDependencies {
  /** Where the stored events are read from: the events table itself, so no stream window applies. */
  events: Pick<EventStore, 'get'>;
  /** The stored-event processor the table-change consumers run (projection, delivery record). */
  process: (event: StoredEvent, options: { attemptNow: boolean }) => Promise<void>;
  /** With `--parked`: the parked row goes once its event is processed. */
  parking?: Pick<ParkingStore, 'remove'>;
  logger: Logger;
}

/**
 * Processes stored events again from the events table, as the table-change consumer would have: the
 * approval projection and any missing delivery record. Every step is idempotent, so an event processed
 * before changes nothing. No delivery attempt is made here: a record created now is due at once and the
 * retry function makes its attempt (an operator's command does not wait on a receiver). One event's
 * failure is reported and the rest go on.
 */
export async function reprocessStoredEvents(
  eventIds: readonly string[],
  deps: ReprocessDependencies,
): Promise<ReprocessOutcome[]> {
  const outcomes: ReprocessOutcome[] = [];
  for (const eventId of eventIds) {
    try {
      const event = await deps.events.get(eventId);
      if (!event) {
        outcomes.push({ eventId, status: 'missing' });
        continue;
      }
      await deps.process(event, { attemptNow: false });
      await deps.parking?.remove(eventId);
      outcomes.push({ eventId, status: 'processed' });
    } catch (error) {
      const summary = errorSummary(error);
      deps.logger.error('event could not be reprocessed', {
        eventId,
        outcome: 'reprocess_failed',
        error: summary,
      });
      outcomes.push({ eventId, status: 'failed', error: `${summary.name}: ${summary.message}` });
    }
  }
  return outcomes;
}
