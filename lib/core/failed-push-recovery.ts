import type { DingTalkApi, FailedPushPage } from '../dingtalk/open-api';
import { parseExactJson } from '../dingtalk/exact-json';
import { isObject } from '../dingtalk/values';
import type { EventStore, PutOutcome, StoredEvent } from './stored-event';
import { parseEvent, plaintextIdentity, UNKNOWN_EVENT_TYPE } from '../dingtalk/event-payload';
import type { Logger } from './logger';

/**
 * Recovery of pushes DingTalk gave up on (docs/dingtalk-protocol.md §5). Its failed list pages with `has_more`
 * and **each call deletes what the previous call returned**, so every page is made durable before the
 * next call: first in the journal (when there is one), then each item through the same idempotent
 * store as pushes, under the same identity rule (see `eventIdentity`).
 */

/** Where a page's raw answer is kept until all its items are stored. */
export interface RecoveryJournal {
  /** Pages saved by a run that did not finish them, oldest first. */
  pending(): Promise<JournalPage[]>;
  save(raw: string): Promise<JournalPage>;
  done(page: JournalPage): Promise<void>;
}

export interface JournalPage {
  id: string;
  raw: string;
}

export interface RecoveryReport {
  pages: number;
  items: number;
  stored: number;
  duplicates: number;
  /** Pages found in the journal from an earlier, interrupted run and finished now. */
  replayedPages: number;
}

export interface RecoveryDependencies {
  api: Pick<DingTalkApi, 'failedPushes'>;
  store: EventStore;
  logger: Logger;
  now: () => number;
  journal?: RecoveryJournal;
  /** Safety bound on pages per run (200 items each); the next run continues. */
  maxPages?: number;
}

/** Keys under which the failed list carries the event data, by family. */
const DATA_KEYS = ['bpmsCallBackData', 'roleLabelChange', 'callbackData'] as const;

export async function recoverFailedPushes(deps: RecoveryDependencies): Promise<RecoveryReport> {
  const { api, store, logger, now, journal } = deps;
  const maxPages = deps.maxPages ?? 500;
  const report: RecoveryReport = { pages: 0, items: 0, stored: 0, duplicates: 0, replayedPages: 0 };

  const storePage = async (items: readonly unknown[]) => {
    for (const item of items) {
      const outcome: PutOutcome = await store.put(storedEventFromFailedItem(item, now()));
      report.items++;
      if (outcome === 'stored') report.stored++;
      else report.duplicates++;
    }
  };

  for (const page of journal ? await journal.pending() : []) {
    await storePage(itemsOf(page.raw));
    await journal!.done(page);
    report.replayedPages++;
  }

  for (let hasMore = true; hasMore && report.pages < maxPages;) {
    const page: FailedPushPage = await api.failedPushes();
    report.pages++;
    hasMore = page.hasMore;
    if (page.items.length === 0) break;
    const saved = journal ? await journal.save(page.raw) : undefined;
    await storePage(page.items);
    if (saved) await journal!.done(saved);
    logger.info('failed-push page recovered', { items: page.items.length, hasMore });
  }
  if (report.pages >= maxPages) logger.warn('recovery stopped at the page bound', { maxPages });
  return report;
}

function itemsOf(raw: string): unknown[] {
  const parsed = parseExactJson(raw) as { failed_list?: unknown };
  return Array.isArray(parsed.failed_list) ? parsed.failed_list : [];
}

/**
 * One failed-list item as a stored event. The event data sits under the tag's key
 * (`{"call_back_tag":"bpms_instance_change","bpms_instance_change":{"bpmsCallBackData":{…},"corpid":…}}`),
 * as an object or a JSON string. It is stored as a push of the same event would be: the data with
 * `EventType` set to the tag, identified by `eventIdentity`. An item of a shape nobody has seen is stored
 * whole rather than dropped.
 */
export function storedEventFromFailedItem(item: unknown, receivedAtMs: number): StoredEvent {
  const receivedAt = new Date(receivedAtMs).toISOString();
  const record = isObject(item) ? item : {};
  const tag =
    typeof record.call_back_tag === 'string' && record.call_back_tag ? record.call_back_tag : undefined;
  const container =
    tag !== undefined && isObject(record[tag]) ? (record[tag] as Record<string, unknown>) : record;
  const data = findData(container) ?? findData(record);
  const corpid = stringField(container, 'corpid') ?? stringField(container, 'corpId');

  if (data === undefined) {
    const plaintext = JSON.stringify(item);
    return {
      eventId: plaintextIdentity(plaintext),
      eventType: tag ?? UNKNOWN_EVENT_TYPE,
      receivedAt,
      ownerKey: corpid ?? '',
      payload: plaintext,
      source: 'recovery',
      ...(corpid ? { corpId: corpid } : {}),
      ...eventTimeOf(record),
    };
  }
  const payload: Record<string, unknown> = { ...data };
  if (payload.EventType === undefined && payload.eventType === undefined && tag) payload.EventType = tag;
  if (payload.CorpId === undefined && payload.corpId === undefined && corpid) payload.corpId = corpid;
  const event = parseEvent(JSON.stringify(payload));
  return {
    eventId: event.eventId,
    eventType: event.eventType,
    receivedAt,
    ownerKey: event.corpId ?? corpid ?? '',
    payload: event.plaintext,
    source: 'recovery',
    ...(event.corpId ? { corpId: event.corpId } : {}),
    ...(event.eventTime !== undefined ? { eventTime: event.eventTime } : eventTimeOf(record)),
    ...(event.processInstanceId ? { processInstanceId: event.processInstanceId } : {}),
  };
}

function findData(container: Record<string, unknown>): Record<string, unknown> | undefined {
  for (const key of DATA_KEYS) {
    const value = container[key];
    if (isObject(value)) return value;
    if (typeof value === 'string') {
      try {
        const parsed = parseExactJson(value);
        if (isObject(parsed)) return parsed;
      } catch {
        // not JSON: fall through and keep the item whole
      }
    }
  }
  return undefined;
}

function eventTimeOf(record: Record<string, unknown>): { eventTime?: number } {
  return typeof record.event_time === 'number' && Number.isFinite(record.event_time)
    ? { eventTime: record.event_time }
    : {};
}

function stringField(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' && value ? value : undefined;
}
