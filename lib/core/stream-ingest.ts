import { eventIdentity, UNKNOWN_EVENT_TYPE } from '../dingtalk/event-payload';
import { parseExactJson } from '../dingtalk/exact-json';
import type { StreamAck, StreamFrame } from '../dingtalk/stream-protocol';
import { epochMillis, isObject, text } from '../dingtalk/values';
import type { Logger } from './logger';
import { errorSummary } from './logger';
import type { EventWriter, StoredEvent } from './stored-event';

/**
 * Stream Mode's ingest: an EVENT frame becomes the same stored event a push of that event would
 * (docs/endpoint-and-storage.md, "Events from Stream Mode"), through the same idempotent put, and is
 * acknowledged `SUCCESS` only once the store has it; a store failure answers `LATER`, so DingTalk
 * redelivers.
 */
export function storedEventFromStreamFrame(
  frame: StreamFrame,
  appKey: string,
  receivedAtMs: number,
): StoredEvent {
  const parsed = (() => {
    try {
      return parseExactJson(frame.data);
    } catch {
      return undefined;
    }
  })();
  const data = isObject(parsed) ? parsed : {};
  const eventType =
    text(frame.headers.eventType) ?? text(data.EventType ?? data.eventType) ?? UNKNOWN_EVENT_TYPE;
  // The event id travels in the headers; the identity rule is the push's (once-only approval
  // transitions by transition, so a pushed and a streamed copy of one meet), else that id.
  const eventId = eventIdentity(
    eventType,
    { ...data, eventId: text(frame.headers.eventId) ?? data.eventId },
    frame.data,
  );
  const corpId = text(frame.headers.eventCorpId) ?? text(data.corpId ?? data.CorpId);
  const eventTime = epochMillis(frame.headers.eventBornTime) ?? epochMillis(data.EventTime ?? data.eventTime);
  const processInstanceId = text(data.processInstanceId);
  return {
    eventId,
    eventType,
    receivedAt: new Date(receivedAtMs).toISOString(),
    ownerKey: appKey,
    payload: frame.data,
    source: 'stream',
    ...(corpId ? { corpId } : {}),
    ...(eventTime !== undefined ? { eventTime } : {}),
    ...(processInstanceId ? { processInstanceId } : {}),
  };
}

export function createStreamIngest(deps: {
  store: EventWriter;
  logger: Logger;
  appKey: string;
  now: () => number;
}) {
  return async function ingestStreamEvent(frame: StreamFrame): Promise<StreamAck> {
    const event = storedEventFromStreamFrame(frame, deps.appKey, deps.now());
    const context = {
      eventType: event.eventType,
      eventId: event.eventId,
      messageId: frame.headers.messageId,
    };
    try {
      const outcome = await deps.store.put(event);
      deps.logger.info('stream event accepted', { ...context, outcome });
      deps.logger.debug('event payload', { ...context, payload: event.payload });
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
