import { isDeepStrictEqual } from 'node:util';
import TableStore from 'tablestore';
import type { Client, Columns } from 'tablestore';
import type { Approval, ApprovalChange, ApprovalState, InstanceStatus } from '../core/approval-projection';
import { mergeApproval } from '../core/approval-projection';
import type { ApprovalStore } from '../core/approval-projection';
import { newestFirst } from '../core/listing';
import { isConditionCheckFailure, rowColumns } from './tablestore-client';
import { TablestoreEntries } from './tablestore-entries';

/**
 * The listing entries (tablestore-entries.ts): `~status|<status>|<createTime, 15 digits>|<id>`, one per
 * instance, so `approvals --status S --limit N` reads about N rows however many instances are kept.
 */
const STATUS = '~status|';
const INDEXED_MARKER = '~indexed|v1';
const STATUSES: readonly InstanceStatus[] = ['RUNNING', 'COMPLETED', 'TERMINATED'];

function entriesOf(approval: Approval): string[] {
  const created = String(approval.createTime ?? 0).padStart(15, '0');
  return [`${STATUS}${approval.status}|${created}|${approval.processInstanceId}`];
}

function approvalFrom(columns: Record<string, unknown>): Approval {
  return (JSON.parse(String(columns.state)) as ApprovalState).approval;
}

/** Attempts when concurrent writers keep changing the row under us (each attempt is one read + one write). */
const MAX_ATTEMPTS = 20;

/**
 * The approval projection in Tablestore, one row per processInstanceId. Tablestore's conditions are
 * per row, not per attribute, so the fold is an optimistic compare-and-set: read the row (state +
 * `version`), fold the change in memory with the reference `mergeApproval`, and write the whole row only
 * if `version` is still what was read (a SingleColumnCondition; EXPECT_NOT_EXIST for a new row).
 * A lost race re-reads and folds again, so the result is the pure fold whatever the order or repeats.
 */
export class TablestoreApprovalStore implements ApprovalStore {
  private readonly entries: TablestoreEntries<Approval>;

  constructor(
    private readonly client: Client,
    private readonly tableName: string,
    now: () => number = Date.now,
  ) {
    this.entries = new TablestoreEntries(
      client,
      tableName,
      { entriesOf, recordFrom: (_key, columns) => approvalFrom(columns) },
      now,
      'processInstanceId',
    );
  }

  async apply(change: ApprovalChange): Promise<void> {
    const primaryKey = [{ processInstanceId: change.processInstanceId }];
    for (let attempt = 1; ; attempt++) {
      const current = await this.read(change.processInstanceId);
      const next = mergeApproval(current?.state, change);
      if (current && isDeepStrictEqual(current.state, next)) return;
      const columns: Columns = [
        { state: JSON.stringify(next) },
        { status: next.approval.status },
        { createTime: TableStore.Long.fromNumber(next.approval.createTime ?? 0) },
        { version: TableStore.Long.fromNumber((current?.version ?? 0) + 1) },
      ];
      const before = current ? entriesOf(current.state.approval) : [];
      const after = entriesOf(next.approval);
      await this.entries.put(
        after
          .filter((key) => !before.includes(key))
          .map((key) => ({ key, record: change.processInstanceId })),
      );
      try {
        if (current) {
          // The whole row again (PutRow, not UpdateRow): the table's time to live expires each cell by
          // its own write time, so a row written whole expires whole.
          await this.client.putRow({
            tableName: this.tableName,
            condition: new TableStore.Condition(
              TableStore.RowExistenceExpectation.EXPECT_EXIST,
              new TableStore.SingleColumnCondition(
                'version',
                TableStore.Long.fromNumber(current.version),
                TableStore.ComparatorType.EQUAL,
                false,
              ),
            ),
            primaryKey,
            attributeColumns: columns,
          });
        } else {
          await this.client.putRow({
            tableName: this.tableName,
            condition: new TableStore.Condition(TableStore.RowExistenceExpectation.EXPECT_NOT_EXIST, null),
            primaryKey,
            attributeColumns: columns,
          });
        }
      } catch (error) {
        if (!isConditionCheckFailure(error) || attempt >= MAX_ATTEMPTS) throw error;
        // Someone else wrote first: fold again on top of what they wrote.
        await this.entries.removeAllBut(after, (await this.read(change.processInstanceId))?.state.approval);
        continue;
      }
      await this.entries.remove(before.filter((key) => !after.includes(key)));
      return;
    }
  }

  async erase(processInstanceId: string): Promise<void> {
    const current = await this.read(processInstanceId);
    if (current) await this.entries.remove(entriesOf(current.state.approval));
    await this.client.deleteRow({
      tableName: this.tableName,
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
      primaryKey: [{ processInstanceId }],
    });
  }

  async get(processInstanceId: string): Promise<Approval | undefined> {
    return (await this.read(processInstanceId))?.state.approval;
  }

  /** Newest created first, by the status entries: reads about `limit` rows per status asked. */
  async list(query: { status?: InstanceStatus; limit: number }): Promise<Approval[]> {
    await this.entries.ensureIndexed(INDEXED_MARKER);
    const found: Approval[] = [];
    for (const status of query.status === undefined ? STATUSES : [query.status]) {
      let ofStatus = 0;
      const prefix = `${STATUS}${status}|`;
      for await (const approval of this.entries.records(
        `${prefix}~`,
        prefix,
        'backward',
        () => query.limit - ofStatus,
      )) {
        found.push(approval);
        if (++ofStatus === query.limit) break;
      }
    }
    return newestFirst(found, (approval) => approval.createTime).slice(0, query.limit);
  }

  private async read(
    processInstanceId: string,
  ): Promise<{ state: ApprovalState; version: number } | undefined> {
    const { row } = await this.client.getRow({
      tableName: this.tableName,
      primaryKey: [{ processInstanceId }],
      maxVersions: 1,
    });
    if (!row.primaryKey || row.primaryKey.length === 0) return undefined;
    const columns = rowColumns(row.attributes);
    return { state: JSON.parse(String(columns.state)) as ApprovalState, version: Number(columns.version) };
  }
}
