import type { StateRow, SuiteStateStore } from '../../lib/core/suite-state';
import type { AskingState } from '../../lib/core/failed-list-asking';
import type { RecoveryJournal, JournalPage, FallbackPlace } from '../../lib/core/failed-push-recovery';
import { journalRows, newPageId, pagesFromRows } from '../../lib/core/journal-pages';
import type { JournalRow } from '../../lib/core/journal-pages';
import type { Delivery, DeliveryStatus, DeliveryStore } from '../../lib/core/forwarding';
import type {
  Approval,
  ApprovalChange,
  ApprovalState,
  ApprovalStore,
  InstanceStatus,
} from '../../lib/core/approval-projection';
import { mergeApproval } from '../../lib/core/approval-projection';
import { newestFirst } from '../../lib/core/listing';
import type { EventQuery, EventStore, PutOutcome, StoredEvent } from '../../lib/core/stored-event';
import type { ParkedRecord, ParkingStore } from '../../lib/core/table-change-batch';

/**
 * In-memory adapters of the core's ports, for the core's unit tests: each keeps the port's contract (the
 * same contract suites run against them and against DynamoDB Local and the Tablestore wire fake), and
 * each can be told to fail, so a test plays a store outage without a network. Values are copied in and
 * out, as a store's would be.
 */

const copy = <T>(value: T): T => structuredClone(value);

/** Makes the next `times` calls of a port's methods reject with `error` (a store outage). */
export class Faults {
  private remaining = 0;
  private error: Error = new Error('store unavailable');

  failNext(times: number, error = new Error('store unavailable')): void {
    this.remaining = times;
    this.error = error;
  }

  check(): void {
    if (this.remaining > 0) {
      this.remaining--;
      throw this.error;
    }
  }
}

export class InMemoryEventStore implements EventStore {
  readonly events = new Map<string, StoredEvent>();
  readonly faults = new Faults();
  /** Events this store refuses every time, with the error (a value DynamoDB or Tablestore would refuse). */
  refuse?: (event: StoredEvent) => Error | undefined;
  /** Called as each put starts (a test's clock can move: a slow store). */
  beforePut?: () => void;

  async put(event: StoredEvent): Promise<PutOutcome> {
    this.beforePut?.();
    this.faults.check();
    const refused = this.refuse?.(event);
    if (refused) throw refused;
    if (this.events.has(event.eventId)) return 'duplicate';
    this.events.set(event.eventId, copy(event));
    return 'stored';
  }

  async get(eventId: string): Promise<StoredEvent | undefined> {
    this.faults.check();
    const event = this.events.get(eventId);
    return event && copy(event);
  }

  async *all(): AsyncGenerator<StoredEvent> {
    for (const event of [...this.events.values()]) yield copy(event);
  }

  async erase(eventId: string): Promise<void> {
    this.faults.check();
    this.events.delete(eventId);
  }

  async list(query: EventQuery): Promise<StoredEvent[]> {
    this.faults.check();
    const found = [...this.events.values()].filter(
      (event) =>
        (query.eventType === undefined || event.eventType === query.eventType) &&
        (query.since === undefined || event.receivedAt >= query.since) &&
        (query.until === undefined || event.receivedAt <= query.until),
    );
    return newestFirst(found, (event) => event.receivedAt)
      .slice(0, query.limit)
      .map(copy);
  }
}

export class InMemoryDeliveryStore implements DeliveryStore {
  readonly records = new Map<string, Delivery>();
  readonly faults = new Faults();
  /**
   * Runs before an update is checked: a test's other writer moving the record on (a lost race). It
   * stays armed while it returns false (to let a write it does not target through).
   */
  beforeUpdate?: (next: Delivery) => boolean | void;

  async erase(eventId: string): Promise<void> {
    this.faults.check();
    this.records.delete(eventId);
  }

  async create(initial: Delivery): Promise<boolean> {
    this.faults.check();
    if (this.records.has(initial.eventId)) return false;
    this.records.set(initial.eventId, copy(initial));
    return true;
  }

  async update(next: Delivery): Promise<boolean> {
    this.faults.check();
    if (this.beforeUpdate?.(next) !== false) this.beforeUpdate = undefined;
    const stored = this.records.get(next.eventId);
    if (!stored || stored.revision !== next.revision - 1) return false;
    this.records.set(next.eventId, copy(next));
    return true;
  }

  async get(eventId: string): Promise<Delivery | undefined> {
    this.faults.check();
    const record = this.records.get(eventId);
    return record && copy(record);
  }

  async due(now: string, limit: number): Promise<Delivery[]> {
    this.faults.check();
    return [...this.records.values()]
      .filter((d) => d.status === 'pending' && d.nextAttemptAt !== undefined && d.nextAttemptAt <= now)
      .sort((a, b) =>
        a.nextAttemptAt! < b.nextAttemptAt! ? -1 : a.nextAttemptAt! > b.nextAttemptAt! ? 1 : 0,
      )
      .slice(0, limit)
      .map(copy);
  }

  async list(query: { status?: DeliveryStatus; since?: string; limit: number }): Promise<Delivery[]> {
    this.faults.check();
    const found = [...this.records.values()].filter(
      (d) =>
        (query.status === undefined || d.status === query.status) &&
        (query.since === undefined || d.receivedAt >= query.since),
    );
    return newestFirst(found, (d) => d.receivedAt)
      .slice(0, query.limit)
      .map(copy);
  }
}

/** Journal rows as a store keeps them, laid out by core/journal-pages.ts like the real adapters. */
export class InMemoryRecoveryJournal implements RecoveryJournal {
  readonly rows = new Map<string, JournalRow>();
  readonly faults = new Faults();
  /** The order of calls, for tests of what happens before what. */
  readonly calls: string[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  async probe(): Promise<void> {
    this.calls.push('probe');
    this.faults.check();
  }

  async pending(): Promise<JournalPage[]> {
    this.calls.push('pending');
    this.faults.check();
    return pagesFromRows([...this.rows.values()]).pages;
  }

  async save(raw: string): Promise<JournalPage> {
    this.calls.push('save');
    this.faults.check();
    const id = newPageId(raw, this.now());
    const rows = journalRows(id, raw, this.now(), 64 * 1024);
    for (const row of rows) this.rows.set(row.rowId, row);
    return { id, raw, rowIds: rows.map((row) => row.rowId) };
  }

  private held: { holder: string; untilMs: number } | undefined;

  async lease(holder: string, untilMs: number): Promise<boolean> {
    this.calls.push('lease');
    this.faults.check();
    if (this.held && this.held.holder !== holder && this.held.untilMs >= this.now()) return false;
    this.held = { holder, untilMs };
    return true;
  }

  async release(holder: string): Promise<void> {
    this.calls.push('release');
    if (this.held?.holder === holder) this.held = undefined;
  }

  /** Items set aside, as the adapters keep them (rows that `pending` passes by). */
  readonly setAsideItems: Array<{ raw: string; reason: string }> = [];

  async setAside(raw: string, reason: string): Promise<void> {
    this.calls.push('setAside');
    this.faults.check();
    this.setAsideItems.push({ raw, reason });
  }

  /** The asking rows: `lastFailureAt` as a callback's FailureNotes would write it. */
  asking: AskingState = {};

  async askingState(): Promise<AskingState> {
    this.calls.push('askingState');
    this.faults.check();
    return { ...this.asking };
  }

  async recordAsking(state: Omit<AskingState, 'lastFailureAt'>): Promise<void> {
    this.calls.push('recordAsking');
    this.faults.check();
    const { lastFailureAt } = this.asking;
    this.asking = { ...state, ...(lastFailureAt === undefined ? {} : { lastFailureAt }) };
  }

  /** A FailureNotes over this journal, as the callbacks write the note row. */
  readonly notes = {
    note: async (atMs: number) => {
      this.faults.check();
      this.asking.lastFailureAt = Math.max(this.asking.lastFailureAt ?? 0, atMs);
    },
  };

  async done(page: JournalPage): Promise<void> {
    this.calls.push('done');
    this.faults.check();
    for (const rowId of page.rowIds) this.rows.delete(rowId);
  }
}

export type ParkedEntry = Parameters<ParkingStore['park']>[0];

export class InMemoryParkingStore implements ParkingStore {
  readonly parked = new Map<string, ParkedEntry>();
  private readonly parkedAt = new Map<string, string>();
  readonly faults = new Faults();

  async list(limit: number): Promise<ParkedRecord[]> {
    this.faults.check();
    const found = [...this.parked.values()].map(({ record: _record, ...rest }) => ({
      ...rest,
      parkedAt: this.parkedAt.get(rest.eventId)!,
    }));
    return newestFirst(found, (record) => record.parkedAt).slice(0, limit);
  }

  async remove(eventId: string): Promise<void> {
    this.faults.check();
    this.parked.delete(eventId);
    this.parkedAt.delete(eventId);
  }

  /** Bounded as the Tablestore adapter bounds them. */
  async park(entry: ParkedEntry): Promise<void> {
    this.faults.check();
    this.parkedAt.set(entry.eventId, new Date().toISOString());
    this.parked.set(entry.eventId, {
      ...copy(entry),
      reason: entry.reason.slice(0, 2000),
      record: entry.record.slice(0, 100_000),
    });
  }
}

export class InMemoryFallbackPlace implements FallbackPlace {
  readonly name = 'memory';
  readonly kept: string[] = [];
  readonly faults = new Faults();

  async keep(raw: string): Promise<void> {
    this.faults.check();
    this.kept.push(raw);
  }

  async take(): Promise<Array<{ raw: string; ack: () => Promise<void> }>> {
    return this.kept.map((raw) => ({
      raw,
      ack: async () => {
        this.kept.splice(this.kept.indexOf(raw), 1);
      },
    }));
  }
}

/** The approval projection in memory: the reference fold (mergeApproval) per instance. */
export class InMemoryApprovalStore implements ApprovalStore {
  readonly states = new Map<string, ApprovalState>();

  async apply(change: ApprovalChange): Promise<void> {
    this.states.set(
      change.processInstanceId,
      mergeApproval(this.states.get(change.processInstanceId), change),
    );
  }

  async get(processInstanceId: string): Promise<Approval | undefined> {
    return this.states.get(processInstanceId)?.approval;
  }

  async list(query: { status?: InstanceStatus; limit: number }): Promise<Approval[]> {
    const approvals = [...this.states.values()]
      .map((state) => state.approval)
      .filter((approval) => query.status === undefined || approval.status === query.status);
    return newestFirst(approvals, (approval) => approval.createTime).slice(0, query.limit);
  }

  async erase(processInstanceId: string): Promise<void> {
    this.states.delete(processInstanceId);
  }
}

export class InMemorySuiteState implements SuiteStateStore {
  readonly rows = new Map<string, StateRow>();
  readonly faults = new Faults();

  async read(appId: string, key: string): Promise<StateRow | undefined> {
    this.faults.check();
    const row = this.rows.get(`${appId}|${key}`);
    return row && { ...row };
  }

  async write(appId: string, key: string, value: string, expected: number | undefined): Promise<boolean> {
    this.faults.check();
    const current = this.rows.get(`${appId}|${key}`);
    if (current?.version !== expected) return false;
    this.rows.set(`${appId}|${key}`, { value, version: (expected ?? 0) + 1 });
    return true;
  }

  async list(appId: string, prefix: string, limit: number): Promise<Array<{ key: string; value: string }>> {
    this.faults.check();
    const from = `${appId}|${prefix}`;
    return [...this.rows.entries()]
      .filter(([key]) => key.startsWith(from))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, limit)
      .map(([key, row]) => ({ key: key.slice(appId.length + 1), value: row.value }));
  }

  async remove(appId: string, key: string): Promise<void> {
    this.faults.check();
    this.rows.delete(`${appId}|${key}`);
  }
}
