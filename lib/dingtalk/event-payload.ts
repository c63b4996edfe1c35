import { createHash } from 'node:crypto';
import { DEFAULT_APP_ID } from './apps';
import { BadRequestError } from './callback-errors';
import { parseExactJson, topLevelArrayElements } from './exact-json';
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

/** `appId`: the app it arrived for, when not the single app; it enters identities read from content. */
export function parseEvent(plaintext: string, appId?: string): DingTalkEvent {
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
    eventId: eventIdentity(eventType, payload, plaintext, appId),
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
 * 3. otherwise `sha256:<hex>` of the plaintext: retries resend the same plaintext; for an app other than
 *    the single one `<appId>:sha256:<hex>`, so two apps' identical texts stay two events.
 * When in doubt two rows are kept rather than one: a duplicate is recoverable downstream, a merged
 * event is lost.
 */
export function eventIdentity(
  eventType: string,
  payload: Readonly<Record<string, unknown>>,
  plaintext: string,
  appId?: string,
): string {
  const instance = nonEmptyString(payload.processInstanceId);
  const type = nonEmptyString(payload.type);
  if (instance !== undefined && type !== undefined && ONCE_ONLY_TRANSITIONS[eventType]?.has(type)) {
    if (eventType === 'bpms_instance_change') return `${eventType}:${instance}:${type}`;
    // Task ids can exceed 2^53: the exact reading keeps their digits as a string.
    const taskId = nonEmptyString(payload.taskId);
    if (taskId !== undefined) return `${eventType}:${instance}:${taskId}:${type}`;
  }
  return nonEmptyString(payload.eventId ?? payload.EventId) ?? plaintextIdentity(plaintext, appId);
}

/**
 * Identity of an event that carries no `eventId`: DingTalk retries resend the same plaintext. Another
 * app than the single one (`default`) prefixes its id: the same text pushed to two apps is two events.
 */
export function plaintextIdentity(plaintext: string, appId?: string): string {
  const digest = 'sha256:' + createHash('sha256').update(plaintext, 'utf8').digest('hex');
  return appId === undefined || appId === DEFAULT_APP_ID ? digest : `${appId}:${digest}`;
}

/** The two SyncHTTP batch types an ISV suite's URL receives (docs/dingtalk-protocol.md §6). */
export const SYNC_HTTP_BATCH_TYPES: ReadonlySet<string> = new Set([
  'SYNC_HTTP_PUSH_HIGH',
  'SYNC_HTTP_PUSH_MEDIUM',
]);

/**
 * Events that are credentials, not business data: kept as the suite's state (core/suite-state.ts), never
 * logged with their payload and never forwarded.
 */
export const CREDENTIAL_EVENT_TYPES: ReadonlySet<string> = new Set(['suite_ticket']);

/**
 * A SyncHTTP batch as one event per `bizData` item; undefined when `event` is not a batch. Each item's
 * text is kept byte for byte (its `biz_data` stays DingTalk's JSON text); its type is `biz_data`'s
 * `syncAction`, its corp `corp_id`, its time `gmt_modified`. Its identity is the item's key in DingTalk's
 * own sync model (subscription, corp, biz type, biz id) and its version (`gmt_modified`): a redelivered
 * item meets its stored copy, a newer version of the same biz id is a new event.
 */
export function syncHttpItems(event: DingTalkEvent, appId?: string): DingTalkEvent[] | undefined {
  if (!SYNC_HTTP_BATCH_TYPES.has(event.eventType)) return undefined;
  const list = event.payload.bizData;
  const texts = topLevelArrayElements(event.plaintext, 'bizData');
  if (!Array.isArray(list) || !texts || texts.length !== list.length) {
    throw new BadRequestError('a SyncHTTP batch must carry a bizData array');
  }
  return list.map((item: unknown, index) => {
    if (!isObject(item)) throw new BadRequestError(`SyncHTTP item ${index} is not an object`);
    const plaintext = texts[index]!;
    let bizData: Record<string, unknown> = {};
    if (typeof item.biz_data === 'string') {
      try {
        const parsed = parseExactJson(item.biz_data);
        if (isObject(parsed)) bizData = parsed;
      } catch {
        // Kept as DingTalk sent it; its type is then unknown.
      }
    }
    const eventType = nonEmptyString(bizData.syncAction) ?? UNKNOWN_EVENT_TYPE;
    const corpId = nonEmptyString(item.corp_id);
    const version = nonEmptyString(item.gmt_modified) ?? nonEmptyString(item.open_cursor);
    const key = [item.subscribe_id, item.corp_id, item.biz_type, item.biz_id].map((part) =>
      nonEmptyString(part),
    );
    const eventId =
      version !== undefined && key.every((part) => part !== undefined)
        ? `synchttp:${appId ?? DEFAULT_APP_ID}:${key.join(':')}:${version}`
        : plaintextIdentity(plaintext, appId);
    const itemEvent: DingTalkEvent = {
      eventType,
      eventId,
      isControl: false,
      payload: item,
      plaintext,
    };
    if (corpId !== undefined) itemEvent.corpId = corpId;
    const eventTime = epochMillis(item.gmt_modified ?? item.gmt_create);
    if (eventTime !== undefined) itemEvent.eventTime = eventTime;
    return itemEvent;
  });
}
