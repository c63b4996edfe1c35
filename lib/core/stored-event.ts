import type { DingTalkEvent } from '../dingtalk/event-payload';
import { DEFAULT_APP_ID } from '../dingtalk/apps';
import { compactJson } from '../dingtalk/exact-json';

/**
 * A stored event: what this project keeps of every event DingTalk delivered, its storage port (one
 * adapter per technology: DynamoDB, Tablestore) and its JSON form.
 */

/** What is kept of every non-control event, exactly once per `eventId`. */
export interface StoredEvent {
  eventId: string;
  eventType: string;
  /** ISO-8601 instant the callback accepted the event. */
  receivedAt: string;
  /** The owner key the ciphertext carried (appKey, corpId or suiteKey). */
  ownerKey: string;
  /** The app (DINGTALK_APPS id) it arrived for; absent: the single app, `default`. */
  appId?: string;
  /** The decrypted plaintext, byte for byte as DingTalk sent it. */
  payload: string;
  corpId?: string;
  eventTime?: number;
  processInstanceId?: string;
  /** How it arrived: pushed by DingTalk (absent), read back from its failed-push list, or by Stream Mode. */
  source?: 'recovery' | 'stream';
}

export type PutOutcome = 'stored' | 'duplicate';

/** What a DingTalk event says about itself: read by event-payload.ts from a push, a frame or a failed item. */
export type EventFacts = Pick<
  DingTalkEvent,
  'eventId' | 'eventType' | 'plaintext' | 'corpId' | 'eventTime' | 'processInstanceId'
>;

/** How it reached us: when, for which app, under which owner key, by which way (absent: pushed). */
export interface Receipt {
  receivedAtMs: number;
  ownerKey: string;
  /** Absent or `default`: the single app, stored without an appId as before apps were listed. */
  appId?: string;
  source?: StoredEvent['source'];
}

/** The one builder of a stored event, for every way an event arrives (push, Stream Mode, recovery). */
export function storedEventOf(event: EventFacts, receipt: Receipt): StoredEvent {
  return {
    eventId: event.eventId,
    eventType: event.eventType,
    receivedAt: new Date(receipt.receivedAtMs).toISOString(),
    ownerKey: receipt.ownerKey,
    ...(receipt.appId === undefined || receipt.appId === DEFAULT_APP_ID ? {} : { appId: receipt.appId }),
    payload: event.plaintext,
    ...(receipt.source === undefined ? {} : { source: receipt.source }),
    ...(event.corpId === undefined ? {} : { corpId: event.corpId }),
    ...(event.eventTime === undefined ? {} : { eventTime: event.eventTime }),
    ...(event.processInstanceId === undefined ? {} : { processInstanceId: event.processInstanceId }),
  };
}

/** The app an event belongs to: its appId, `default` when it has none. */
export function appOf(event: Pick<StoredEvent, 'appId'>): string {
  return event.appId ?? DEFAULT_APP_ID;
}

export interface EventQuery {
  eventType?: string;
  /** Only events received at or after this ISO-8601 instant. */
  since?: string;
  /** Only events received at or before this ISO-8601 instant (paging back through a long listing). */
  until?: string;
  limit: number;
}

/** The write half: all the callback needs. */
export interface EventWriter {
  /** Stores the event unless one with the same `eventId` exists; resolves only once durable. */
  put(event: StoredEvent): Promise<PutOutcome>;
}

export interface EventStore extends EventWriter {
  /** Newest first. */
  list(query: EventQuery): Promise<StoredEvent[]>;
  get(eventId: string): Promise<StoredEvent | undefined>;
}

const REQUIRED_FIELDS = ['eventId', 'eventType', 'receivedAt', 'ownerKey', 'payload'] as const;

/**
 * A stored event from its persisted fields, whatever holds them: a DynamoDB item or stream image,
 * Tablestore columns, a Tablestore trigger record. Undefined when a required field is not a string.
 */
export function storedEventFrom(fields: Readonly<Record<string, unknown>>): StoredEvent | undefined {
  if (REQUIRED_FIELDS.some((name) => typeof fields[name] !== 'string')) return undefined;
  const event: StoredEvent = {
    eventId: fields.eventId as string,
    eventType: fields.eventType as string,
    receivedAt: fields.receivedAt as string,
    ownerKey: fields.ownerKey as string,
    payload: fields.payload as string,
  };
  if (typeof fields.appId === 'string') event.appId = fields.appId;
  if (typeof fields.corpId === 'string') event.corpId = fields.corpId;
  if (typeof fields.eventTime === 'number') event.eventTime = fields.eventTime;
  if (typeof fields.processInstanceId === 'string') event.processInstanceId = fields.processInstanceId;
  if (fields.source === 'recovery' || fields.source === 'stream') event.source = fields.source;
  return event;
}

/**
 * The JSON form of a stored event, shared by `events --json` and webhook forwarding: one line, with
 * `payload` being the decrypted event object spliced in from the stored text, so 64-bit integers keep
 * every digit (JSON.parse would round them to doubles).
 */
export function storedEventToJson(event: StoredEvent): string {
  const { payload, ...envelope } = event;
  const head = JSON.stringify(envelope);
  return `${head.slice(0, -1)},"payload":${compactJson(payload)}}`;
}
