import { createHash } from 'node:crypto';
import { BadRequestError } from './callback-errors';
import { parseExactJson } from './exact-json';
import { epochMillis, isObject, text as nonEmptyString } from './values';

/**
 * What DingTalk sends as an event: both live payload shapes (docs/dingtalk-protocol.md §6).
 * Shape A (legacy): PascalCase envelope, no event id. Shape B (console push): `EventType, EventTime,
 * CorpId, BizId, eventId` plus the event's camelCase fields at the same level.
 */

/** URL-verification events: answered with `success`, never stored. */
export const CONTROL_EVENT_TYPES: ReadonlySet<string> = new Set([
  'check_url',
  'check_create_suite_url',
  'check_update_suite_url',
]);

export const UNKNOWN_EVENT_TYPE = 'unknown';

export interface DingTalkEvent {
  eventType: string;
  /** See {@link eventIdentity}. */
  eventId: string;
  isControl: boolean;
  corpId?: string;
  /** When DingTalk says the event happened (epoch ms), if the payload tells. */
  eventTime?: number;
  /** Approval events: the instance they belong to. */
  processInstanceId?: string;
  /** The decrypted JSON object, read exactly (integers beyond 2^53 as decimal strings; exact-json.ts). */
  payload: Record<string, unknown>;
  plaintext: string;
}

export function parseEvent(plaintext: string): DingTalkEvent {
  let parsed: unknown;
  try {
    parsed = parseExactJson(plaintext);
  } catch (cause) {
    throw new BadRequestError('decrypted message is not JSON', { cause });
  }
  if (!isObject(parsed)) {
    throw new BadRequestError('decrypted message is not a JSON object');
  }
  const payload = parsed;
  // An authenticated event without a type is still DingTalk's data: store it rather than lose it.
  const eventType = payloadEventType(payload);
  const event: DingTalkEvent = {
    eventType,
    eventId: eventIdentity(eventType, payload, plaintext),
    isControl: CONTROL_EVENT_TYPES.has(eventType),
    payload,
    plaintext,
  };
  const corpId = payloadCorpId(payload);
  if (corpId !== undefined) event.corpId = corpId;
  const eventTime = payloadEventTime(payload);
  if (eventTime !== undefined) event.eventTime = eventTime;
  const processInstanceId = nonEmptyString(payload.processInstanceId);
  if (processInstanceId !== undefined) event.processInstanceId = processInstanceId;
  return event;
}

/*
 * The facts every reader takes from a payload, each read one way: the two payload shapes (and the
 * failed list's items) spell them differently (docs/dingtalk-protocol.md §6).
 */

/** `EventType` (shape A and B) or `eventType`; {@link UNKNOWN_EVENT_TYPE} when neither is there. */
export function payloadEventType(payload: Readonly<Record<string, unknown>>): string {
  return nonEmptyString(payload.EventType ?? payload.eventType) ?? UNKNOWN_EVENT_TYPE;
}

/** `CorpId` (shape B), `corpId` (approval data, Stream Mode) or `corpid` (the failed list). */
export function payloadCorpId(payload: Readonly<Record<string, unknown>>): string | undefined {
  return nonEmptyString(payload.CorpId ?? payload.corpId ?? payload.corpid);
}

/** When DingTalk says the event happened, as epoch ms: `EventTime`/`eventTime`, else `TimeStamp`. */
export function payloadEventTime(payload: Readonly<Record<string, unknown>>): number | undefined {
  return epochMillis(payload.EventTime ?? payload.eventTime ?? payload.TimeStamp ?? payload.timeStamp);
}

/**
 * Approval transitions that happen once by definition (docs/dingtalk-protocol.md §6): an instance
 * starts, then finishes or is terminated, once; a task starts, then finishes or is cancelled, once.
 * Every other `type` (comments, redirects, kinds DingTalk adds later) can repeat for the same instance
 * and task, so it is never keyed by its transition.
 */
export const ONCE_ONLY_TRANSITIONS: Readonly<Record<string, ReadonlySet<string>>> = {
  bpms_instance_change: new Set(['start', 'finish', 'terminate']),
  bpms_task_change: new Set(['start', 'finish', 'cancel']),
};

/**
 * The identity events are deduplicated on, the same whether an event arrives by push or by recovery
 * from DingTalk's failed-push list:
 * 1. an approval transition that happens once ({@link ONCE_ONLY_TRANSITIONS}):
 *    `bpms_instance_change:<processInstanceId>:<type>`, `bpms_task_change:<processInstanceId>:<taskId>:<type>`
 *    (a task event only with its task id), so a recovered copy, which carries no eventId, meets the
 *    pushed one;
 * 2. otherwise the payload's `eventId` (console pushes carry one);
 * 3. otherwise `sha256:<hex>` of the plaintext: retries resend the same plaintext.
 * When in doubt two rows are kept rather than one: a duplicate is recoverable downstream, a merged
 * event is lost.
 */
export function eventIdentity(
  eventType: string,
  payload: Readonly<Record<string, unknown>>,
  plaintext: string,
): string {
  const instance = nonEmptyString(payload.processInstanceId);
  const type = nonEmptyString(payload.type);
  if (instance !== undefined && type !== undefined && ONCE_ONLY_TRANSITIONS[eventType]?.has(type)) {
    if (eventType === 'bpms_instance_change') return `${eventType}:${instance}:${type}`;
    // Task ids can exceed 2^53: the exact reading keeps their digits as a string.
    const taskId = nonEmptyString(payload.taskId);
    if (taskId !== undefined) return `${eventType}:${instance}:${taskId}:${type}`;
  }
  return nonEmptyString(payload.eventId ?? payload.EventId) ?? plaintextIdentity(plaintext);
}

/** Identity of an event that carries no `eventId`: DingTalk retries resend the same plaintext. */
export function plaintextIdentity(plaintext: string): string {
  return 'sha256:' + createHash('sha256').update(plaintext, 'utf8').digest('hex');
}
