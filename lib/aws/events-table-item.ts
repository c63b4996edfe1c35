import type { StoredEvent } from '../core/stored-event';
import { storedEventFrom } from '../core/stored-event';

/**
 * The events table's item, as serverless.aws.yml declares the table: one definition for both writers
 * (the SDK-based DynamoDbEventStore and the callback's signed DynamoDbEventWriter) and the readers.
 */

/** Index names as declared in serverless.aws.yml. */
export const EVENT_TABLE_INDEXES = {
  byType: 'byTypeAndTime',
  byMonth: 'byMonthAndTime',
  byProcessInstance: 'byProcessInstance',
} as const;

/** The put that makes storage idempotent: a second delivery of the same event fails it (a duplicate). */
export const PUT_IF_ABSENT = 'attribute_not_exists(eventId)';

export interface EventItem extends StoredEvent {
  /** `YYYY-MM` of receivedAt: the partition of the time-ordered index over all types. */
  receivedMonth: string;
}

export function eventItem(event: StoredEvent): EventItem {
  return { ...event, receivedMonth: event.receivedAt.slice(0, 7) };
}

/** An events-table item (from a read or a stream image) as the StoredEvent it holds. */
export function toStoredEvent(item: Record<string, unknown>): StoredEvent {
  const event = storedEventFrom(item);
  if (!event) throw new Error(`events-table item ${String(item.eventId)} lacks a required attribute`);
  return event;
}
