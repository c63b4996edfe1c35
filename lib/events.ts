import { createHash } from 'node:crypto';
import { BadRequestError } from './errors';

/**
 * The event model: both live payload shapes (DingTalk protocol notes §6).
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
  /** The decrypted JSON object. Keep `plaintext` for byte-exact storage (64-bit ids survive there). */
  payload: Record<string, unknown>;
  plaintext: string;
}

export function parseEvent(plaintext: string): DingTalkEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(plaintext);
  } catch (cause) {
    throw new BadRequestError('decrypted message is not JSON', { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BadRequestError('decrypted message is not a JSON object');
  }
  const payload = parsed as Record<string, unknown>;
  // An authenticated event without a type is still DingTalk's data: store it rather than lose it.
  const eventType = nonEmptyString(payload.EventType ?? payload.eventType) ?? UNKNOWN_EVENT_TYPE;
  const eventId = eventIdentity(eventType, payload, plaintext);
  const event: DingTalkEvent = {
    eventType,
    eventId,
    isControl: CONTROL_EVENT_TYPES.has(eventType),
    payload,
    plaintext,
  };
  const corpId = nonEmptyString(payload.CorpId ?? payload.corpId ?? payload.corpid);
  if (corpId !== undefined) event.corpId = corpId;
  const eventTime = epochMillis(
    payload.EventTime ?? payload.eventTime ?? payload.TimeStamp ?? payload.timeStamp,
  );
  if (eventTime !== undefined) event.eventTime = eventTime;
  const processInstanceId = nonEmptyString(payload.processInstanceId);
  if (processInstanceId !== undefined) event.processInstanceId = processInstanceId;
  return event;
}

/**
 * The identity events are deduplicated on, the same whether an event arrives by push or by recovery
 * from DingTalk's failed-push list:
 * 1. approval events: what the event is about — `bpms_instance_change:<processInstanceId>:<type>` and
 *    `bpms_task_change:<processInstanceId>:<taskId>:<type>`. An instance starts and ends once, a task
 *    starts and ends once, so this names one event whether or not (and however) DingTalk labelled it;
 * 2. otherwise the payload's `eventId` (console pushes carry one);
 * 3. otherwise `sha256:<hex>` of the plaintext: retries resend the same plaintext.
 */
export function eventIdentity(
  eventType: string,
  payload: Readonly<Record<string, unknown>>,
  plaintext: string,
): string {
  const instance = nonEmptyString(payload.processInstanceId);
  const type = nonEmptyString(payload.type);
  if (instance !== undefined && type !== undefined) {
    if (eventType === 'bpms_instance_change') return `${eventType}:${instance}:${type}`;
    if (eventType === 'bpms_task_change') {
      // Task ids are JSON numbers that can exceed 2^53: take their digits from the text itself.
      const taskId = RAW_TASK_ID.exec(plaintext)?.[1] ?? nonEmptyString(payload.taskId);
      if (taskId !== undefined) return `${eventType}:${instance}:${taskId}:${type}`;
    }
  }
  return nonEmptyString(payload.eventId ?? payload.EventId) ?? plaintextIdentity(plaintext);
}

/** Identity of an event that carries no `eventId`: DingTalk retries resend the same plaintext. */
export function plaintextIdentity(plaintext: string): string {
  return 'sha256:' + createHash('sha256').update(plaintext, 'utf8').digest('hex');
}

const RAW_TASK_ID = /"taskId"\s*:\s*(-?\d+)\s*[,}]/;

function nonEmptyString(value: unknown): string | undefined {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Timestamps arrive as numbers or numeric strings, in ms (13 digits) or s (10 digits). */
function epochMillis(value: unknown): number | undefined {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (!/^\d{1,16}$/.test(text)) return undefined;
  const number = Number(text);
  return text.length <= 10 ? number * 1000 : number;
}
