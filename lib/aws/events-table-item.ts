import { gunzipSync, gzipSync } from 'node:zlib';
import type { StoredEvent } from '../core/stored-event';
import { storedEventFrom } from '../core/stored-event';
import { withTtl } from './dynamodb-ttl';

/**
 * The events table's item, as serverless.aws.yml declares the table: one definition for both writers
 * (the SDK-based DynamoDbEventStore and the callback's signed DynamoDbEventWriter) and the readers.
 *
 * DynamoDB refuses items over 400 KB, and DingTalk's events can be larger (long approval forms). An
 * event whose payload is over {@link INLINE_PAYLOAD_BYTES} is stored gzip-compressed (`payloadGzip`,
 * binary) instead of as text; when even that is over {@link MAX_PART_BYTES}, the compressed bytes are
 * cut into parts: the first stays in the event's item, the others go into part items
 * (`<eventId>#part<k>`, with `partOf`) written in the same transaction, so the event is whole or absent.
 * Part items carry no `eventType`/`receivedMonth`: no index lists them, and the table-change consumer skips
 * them. Readers put the exact text back together ({@link readEventItem}).
 */

/** Index names as declared in serverless.aws.yml. */
export const EVENT_TABLE_INDEXES = {
  byType: 'byTypeAndTime',
  byMonth: 'byMonthAndTime',
} as const;

/** The put that makes storage idempotent: a second delivery of the same event fails it (a duplicate). */
export const PUT_IF_ABSENT = 'attribute_not_exists(eventId)';

/** Payloads up to this many UTF-8 bytes stay readable text in the item. */
const INLINE_PAYLOAD_BYTES = 300_000;
/** Compressed bytes per item, leaving room below 400 KB for the other attributes. */
const MAX_PART_BYTES = 350_000;

/** The event's own item: `payload` as text, or `payloadGzip` (+ `payloadParts` when split). */
export interface EventItem extends Omit<StoredEvent, 'payload'> {
  /** `YYYY-MM` of receivedAt: the partition of the time-ordered index over all types. */
  receivedMonth: string;
  payload?: string;
  payloadGzip?: Uint8Array;
  /** How many items hold the compressed payload, this one included (absent: one). */
  payloadParts?: number;
}

interface PartItem {
  eventId: string;
  partOf: string;
  part: number;
  payloadGzip: Uint8Array;
}

function partItemId(eventId: string, part: number): string {
  return `${eventId}#part${part}`;
}

/**
 * The items that store one event: its own, then any parts (all in one transaction when there are parts),
 * each expiring `eventsDays` after the event was received (0: kept forever), so parts go with their event.
 */
export function eventItems(event: StoredEvent, eventsDays: number): { item: EventItem; parts: PartItem[] } {
  const expiring = <T extends object>(item: T): T => withTtl(item, Date.parse(event.receivedAt), eventsDays);
  const { item, parts } = untimedEventItems(event);
  return { item: expiring(item), parts: parts.map(expiring) };
}

function untimedEventItems(event: StoredEvent): { item: EventItem; parts: PartItem[] } {
  const { payload, ...rest } = event;
  const base = { ...rest, receivedMonth: event.receivedAt.slice(0, 7) };
  if (Buffer.byteLength(payload, 'utf8') <= INLINE_PAYLOAD_BYTES)
    return { item: { ...base, payload }, parts: [] };
  const gzip = gzipSync(Buffer.from(payload, 'utf8'), { level: 9 });
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < gzip.length; offset += MAX_PART_BYTES) {
    chunks.push(gzip.subarray(offset, offset + MAX_PART_BYTES));
  }
  const item: EventItem = { ...base, payloadGzip: chunks[0]! };
  if (chunks.length > 1) item.payloadParts = chunks.length;
  const parts = chunks.slice(1).map((chunk, index) => ({
    eventId: partItemId(event.eventId, index + 1),
    partOf: event.eventId,
    part: index + 1,
    payloadGzip: chunk,
  }));
  return { item, parts };
}

/** True for an item that is a part of another event's payload, not an event. */
export function isPartItem(item: Record<string, unknown>): boolean {
  return typeof item.partOf === 'string';
}

/**
 * An events-table item (from a read or a stream image) as the StoredEvent it holds, its payload put
 * back together byte for byte; `readPart` fetches a part item when the payload was split.
 */
export async function readEventItem(
  item: Record<string, unknown>,
  readPart: (eventId: string) => Promise<Record<string, unknown> | undefined>,
): Promise<StoredEvent> {
  let payload = item.payload;
  if (payload === undefined && item.payloadGzip !== undefined) {
    const chunks = [bytes(item.payloadGzip)];
    const parts = typeof item.payloadParts === 'number' ? item.payloadParts : 1;
    for (let part = 1; part < parts; part++) {
      const id = partItemId(String(item.eventId), part);
      const partItem = await readPart(id);
      if (!partItem) throw new Error(`events-table item ${String(item.eventId)} misses payload part ${part}`);
      chunks.push(bytes(partItem.payloadGzip));
    }
    payload = gunzipSync(Buffer.concat(chunks)).toString('utf8');
  }
  const event = storedEventFrom({ ...item, payload });
  if (!event) throw new Error(`events-table item ${String(item.eventId)} lacks a required attribute`);
  return event;
}

function bytes(value: unknown): Buffer {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === 'string') return Buffer.from(value, 'base64');
  throw new Error('payloadGzip is not binary');
}
