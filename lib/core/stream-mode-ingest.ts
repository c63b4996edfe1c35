import {
  CREDENTIAL_EVENT_TYPES,
  eventIdentity,
  payloadCorpId,
  payloadEventTime,
  payloadEventType,
} from '../dingtalk/event-payload';
import { parseExactJson } from '../dingtalk/exact-json';
import type { StreamAck, StreamFrame } from '../dingtalk/stream-protocol';
import { epochMillis, isObject, text } from '../dingtalk/values';
import type { Logger } from './logger';
import { errorSummary } from './logger';
import type { EventWriter, StoredEvent } from './stored-event';
import { storedEventOf } from './stored-event';

/**
 * Stream Mode's ingest: an EVENT frame becomes the same stored event a push of that event would
 * (docs/endpoint-and-storage.md, "Events from Stream Mode"), through the same idempotent put, and is
 * acknowledged `SUCCESS` only once the store has it; a store failure answers `LATER`, so DingTalk
 * redelivers.
 */
const NOT_JSON = Symbol('not JSON');

export function storedEventFromStreamFrame(
  frame: StreamFrame,
  appKey: string,
  receivedAtMs: number,
  /** The app (DINGTALK_APPS id) whose connection received it; absent: the single app. */
  appId?: string,
): StoredEvent {
  const parsed = (() => {
    try {
      return parseExactJson(frame.data);
    } catch {
      return NOT_JSON;
    }
  })();
  // Data that is not JSON is kept whole, inside a JSON object: a stored payload is always JSON, so
  // `events --json` and forwarded bodies (which splice it in) stay valid.
  const plaintext = parsed === NOT_JSON ? JSON.stringify({ unparsedData: frame.data }) : frame.data;
  const data = isObject(parsed) ? parsed : {};
  const eventType = text(frame.headers.eventType) ?? payloadEventType(data);
  // The event id travels in the headers; the identity rule is the push's (once-only approval
  // transitions by transition, so a pushed and a streamed copy of one meet), else that id.
  const eventId = eventIdentity(
    eventType,
    { ...data, eventId: text(frame.headers.eventId) ?? data.eventId },
    frame.data,
    appId,
  );
  const corpId = text(frame.headers.eventCorpId) ?? payloadCorpId(data);
  const eventTime = epochMillis(frame.headers.eventBornTime) ?? payloadEventTime(data);
  const processInstanceId = text(data.processInstanceId);
  return storedEventOf(
    {
      eventId,
      eventType,
      plaintext,
      ...(corpId ? { corpId } : {}),
      ...(eventTime !== undefined ? { eventTime } : {}),
      ...(processInstanceId ? { processInstanceId } : {}),
    },
    { receivedAtMs, ownerKey: appKey, source: 'stream', ...(appId === undefined ? {} : { appId }) },
  );
}

export function createStreamModeIngest(deps: {
  store: EventWriter;
  logger: Logger;
  appKey: string;
  /** The app whose connection this is (DINGTALK_APPS); absent: the single app. */
  appId?: string;
  now: () => number;
}) {
  return async function ingestStreamEvent(frame: StreamFrame): Promise<StreamAck> {
    const event = storedEventFromStreamFrame(frame, deps.appKey, deps.now(), deps.appId);
    const context = {
      eventType: event.eventType,
      eventId: event.eventId,
      messageId: frame.headers.messageId,
      ...(deps.appId === undefined ? {} : { appId: deps.appId }),
    };
    try {
      const outcome = await deps.store.put(event);
      deps.logger.info('stream event accepted', { ...context, outcome });
      // A suite ticket is a credential: its payload is never logged, at any level.
      if (!CREDENTIAL_EVENT_TYPES.has(event.eventType)) {
        deps.logger.debug('event payload', { ...context, payload: event.payload });
      }
      return 'SUCCESS';
    } catch (error) {
      deps.logger.error('store failed, asking DingTalk to redeliver', {
        ...context,
        outcome: 'store_failed',
        error: errorSummary(error),
      });
      return 'LATER';
    }
  };
}
