import { isDeepStrictEqual } from 'node:util';
import TableStore from 'tablestore';
import type { Client, Columns } from 'tablestore';
import type { Approval, ApprovalChange, ApprovalState, InstanceStatus } from '../core/approval-projection';
import { mergeApproval } from '../core/approval-projection';
import type { ApprovalStore } from '../core/approval-projection';
import { newestFirst } from '../core/listing';
import { allRows, isConditionCheckFailure, rowColumns } from './tablestore-client';

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
  constructor(
    private readonly client: Client,
    private readonly tableName: string,
  ) {}

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
        return;
      } catch (error) {
        if (!isConditionCheckFailure(error) || attempt >= MAX_ATTEMPTS) throw error;
        // Someone else wrote first: fold again on top of what they wrote.
      }
    }
  }

  async erase(processInstanceId: string): Promise<void> {
    await this.client.deleteRow({
      tableName: this.tableName,
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
      primaryKey: [{ processInstanceId }],
    });
  }

  async get(processInstanceId: string): Promise<Approval | undefined> {
    return (await this.read(processInstanceId))?.state.approval;
  }

  /** A full range read, sorted by createTime: the projection is one small row per instance. */
  async list(query: { status?: InstanceStatus; limit: number }): Promise<Approval[]> {
    const approvals: Approval[] = [];
    for await (const row of allRows(this.client, this.tableName, 'processInstanceId')) {
      const approval = (JSON.parse(String(rowColumns(row.attributes).state)) as ApprovalState).approval;
      if (query.status === undefined || approval.status === query.status) approvals.push(approval);
    }
    return newestFirst(approvals, (approval) => approval.createTime).slice(0, query.limit);
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
