import { parseExactJson } from '../dingtalk/exact-json';
import { isObject, text } from '../dingtalk/values';
import type { StoredEvent } from './stored-event';
import { appOf } from './stored-event';
import type { Logger } from './logger';

/**
 * What an ISV suite's events leave behind as state, beside the events themselves: the suite's latest
 * `suite_ticket` (a credential DingTalk pushes about every 5 hours; the suite needs it for its access
 * token) and one authorisation record per corp that installed the suite. Both are folds of stored
 * events, commutative and idempotent like the approval projection: the greatest (time, eventId) wins,
 * so late, repeated and reordered events give one result. Kept while the suite exists (no retention:
 * a corp's authorisation outlives the 90 days its events are kept); `purge --corp` removes a corp's.
 */

export type CorpStatus = 'authorised' | 'stopped' | 'relieved' | 'removed';

/** The authorisation events and the status each leaves (docs/dingtalk-protocol.md §6). */
export const CORP_EVENT_STATUS: Readonly<Record<string, CorpStatus>> = {
  org_suite_auth: 'authorised',
  org_suite_change: 'authorised',
  org_micro_app_restore: 'authorised',
  org_suite_relieve: 'relieved',
  suite_relieve: 'relieved',
  org_micro_app_stop: 'stopped',
  org_micro_app_remove: 'removed',
};

export interface SuiteTicket {
  appId: string;
  ticket: string;
  /** When DingTalk issued it (the item's gmt_modified), epoch ms. */
  atMs: number;
  eventId: string;
}

export interface CorpAuthorisation {
  appId: string;
  corpId: string;
  name?: string;
  status: CorpStatus;
  /** When the event that set the status happened, epoch ms. */
  sinceMs: number;
  eventId: string;
}

export type SuiteChange =
  { kind: 'ticket'; ticket: SuiteTicket } | { kind: 'corp'; corp: CorpAuthorisation; name?: string };

/** One row of state: its JSON and a version for compare-and-set. */
export interface StateRow {
  value: string;
  version: number;
}

/**
 * The port each store implements (DynamoDB, Tablestore, memory): rows keyed by (app, key), written only
 * if the version read is still there, listed by key prefix in key order.
 */
export interface SuiteStateStore {
  read(appId: string, key: string): Promise<StateRow | undefined>;
  /** Writes `version + 1` iff the row is still at `expected` (undefined: absent); false when it moved. */
  write(appId: string, key: string, value: string, expected: number | undefined): Promise<boolean>;
  /** Rows whose key starts with `prefix`, in key order, at most `limit`. */
  list(appId: string, prefix: string, limit: number): Promise<Array<{ key: string; value: string }>>;
  remove(appId: string, key: string): Promise<void>;
}

/**
 * Every suite's latest ticket is a row of one partition, `~tickets` (no app id starts with `~`), keyed by
 * the app: one suite's ticket is one read, and the scheduled check lists every suite's in one range read
 * that grows with the suites, not with their corps.
 */
export const TICKETS_PARTITION = '~tickets';
export const CORP_PREFIX = 'corp|';
/** DingTalk pushes a ticket about every 5 hours: one older than this means the pushes stopped. */
export const SUITE_TICKET_MAX_AGE_MS = 12 * 60 * 60 * 1000;
const MAX_ATTEMPTS = 20;

/** The (time, eventId) order every fold here uses: a later event wins; the event id breaks a tie. */
function rank(atMs: number, eventId: string): string {
  return `${String(atMs).padStart(15, '0')}|${eventId}`;
}

interface CorpRecord extends CorpAuthorisation {
  /** The rank of the event whose name is kept (the latest event that carried one). */
  nameRank?: string;
}

/** The change a stored event makes to its suite's state; undefined for every other event. */
export function suiteChangeOf(event: StoredEvent): SuiteChange | undefined {
  const isTicket = event.eventType === 'suite_ticket';
  const status = CORP_EVENT_STATUS[event.eventType];
  if (!isTicket && status === undefined) return undefined;
  const data = eventData(event);
  if (!data) return undefined;
  const atMs = event.eventTime ?? Date.parse(event.receivedAt);
  const appId = appOf(event);
  if (isTicket) {
    const ticket = text(data.suiteTicket ?? data.SuiteTicket);
    return ticket === undefined
      ? undefined
      : { kind: 'ticket', ticket: { appId, ticket, atMs, eventId: event.eventId } };
  }
  const corpInfo = isObject(data.auth_corp_info) ? data.auth_corp_info : {};
  const corpId = text(event.corpId ?? corpInfo.corpid ?? data.AuthCorpId ?? data.corpId);
  if (corpId === undefined) return undefined;
  const name = text(corpInfo.corp_name);
  return {
    kind: 'corp',
    corp: { appId, corpId, status: status!, sinceMs: atMs, eventId: event.eventId },
    ...(name === undefined ? {} : { name }),
  };
}

/**
 * What the event says: a SyncHTTP item's `biz_data` (JSON text), or a legacy push's own fields
 * (`SuiteTicket`, `AuthCorpId`).
 */
function eventData(event: StoredEvent): Record<string, unknown> | undefined {
  try {
    const payload = parseExactJson(event.payload);
    if (!isObject(payload)) return undefined;
    if (typeof payload.biz_data !== 'string') return payload;
    const data = parseExactJson(payload.biz_data);
    return isObject(data) ? data : undefined;
  } catch {
    return undefined;
  }
}

export class SuiteState {
  constructor(private readonly store: SuiteStateStore) {}

  async apply(change: SuiteChange): Promise<void> {
    if (change.kind === 'ticket') {
      const { appId } = change.ticket;
      await this.fold<SuiteTicket>(TICKETS_PARTITION, appId, (current) =>
        current && rank(current.atMs, current.eventId) >= rank(change.ticket.atMs, change.ticket.eventId)
          ? undefined
          : change.ticket,
      );
      return;
    }
    const { corp, name } = change;
    await this.fold<CorpRecord>(corp.appId, CORP_PREFIX + corp.corpId, (current) => {
      const candidate = rank(corp.sinceMs, corp.eventId);
      const statusWins = !current || rank(current.sinceMs, current.eventId) < candidate;
      const nameWins =
        name !== undefined && (current?.nameRank === undefined || current.nameRank < candidate);
      if (!statusWins && !nameWins) return undefined;
      const next: CorpRecord = statusWins ? { ...current, ...corp } : { ...current! };
      if (nameWins) Object.assign(next, { name, nameRank: candidate });
      return next;
    });
  }

  async ticket(appId: string): Promise<SuiteTicket | undefined> {
    const row = await this.store.read(TICKETS_PARTITION, appId);
    return row && (JSON.parse(row.value) as SuiteTicket);
  }

  /**
   * The suites whose latest ticket is older than `maxAgeMs`, each logged as `suite_ticket_stale` (the
   * alarm's metric filter on AWS, a Log Service alert on Alibaba; docs/operations.md). The ticket itself
   * is never logged. A suite that never received a ticket has no row: nothing to compare.
   */
  async staleTickets(
    now: number,
    logger: Logger,
    maxAgeMs = SUITE_TICKET_MAX_AGE_MS,
  ): Promise<Array<{ appId: string; ageSeconds: number }>> {
    const rows = await this.store.list(TICKETS_PARTITION, '', 1000);
    const stale = rows
      .map(({ value }) => JSON.parse(value) as SuiteTicket)
      .filter((ticket) => now - ticket.atMs > maxAgeMs)
      .map((ticket) => ({ appId: ticket.appId, ageSeconds: Math.round((now - ticket.atMs) / 1000) }));
    for (const { appId, ageSeconds } of stale) {
      logger.error('suite ticket is older than 12 hours: DingTalk stopped pushing to this suite', {
        appId,
        ageSeconds,
        outcome: 'suite_ticket_stale',
      });
    }
    return stale;
  }

  /** The corps that ever authorised the suite, by corp id, at most `limit`. */
  async corps(appId: string, limit: number): Promise<CorpAuthorisation[]> {
    const rows = await this.store.list(appId, CORP_PREFIX, limit);
    return rows.map(({ value }) => {
      const { nameRank: _nameRank, ...corp } = JSON.parse(value) as CorpRecord;
      return corp;
    });
  }

  async removeCorp(appId: string, corpId: string): Promise<void> {
    await this.store.remove(appId, CORP_PREFIX + corpId);
  }

  /** Compare-and-set: read, fold (undefined: nothing to change), write iff nobody wrote in between. */
  private async fold<T>(appId: string, key: string, next: (current: T | undefined) => T | undefined) {
    for (let attempt = 1; ; attempt++) {
      const row = await this.store.read(appId, key);
      const value = next(row && (JSON.parse(row.value) as T));
      if (value === undefined) return;
      if (await this.store.write(appId, key, JSON.stringify(value), row?.version)) return;
      if (attempt >= MAX_ATTEMPTS)
        throw new Error(`suite state ${key} kept changing under ${MAX_ATTEMPTS} attempts`);
    }
  }
}
