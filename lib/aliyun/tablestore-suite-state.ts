import TableStore from 'tablestore';
import type { Client } from 'tablestore';
import type { StateRow, SuiteStateStore } from '../core/suite-state';
import { isConditionCheckFailure, rowColumns } from './tablestore-client';

/**
 * Suite state in Tablestore (custom.tablestore.tables.suiteState): one primary key column, `stateKey` =
 * `<appId>|<key>` (`ticket`, `corp|<corpId>`), so a suite's corps are one key range; the state as JSON
 * text and a `version` for compare-and-set (EXPECT_NOT_EXIST for a new row, a version condition after).
 * The table keeps rows forever (no time to live): state lasts while the suite does.
 */
export class TablestoreSuiteState implements SuiteStateStore {
  constructor(
    private readonly client: Client,
    private readonly tableName: string,
  ) {}

  async read(appId: string, key: string): Promise<StateRow | undefined> {
    const { row } = await this.client.getRow({
      tableName: this.tableName,
      primaryKey: [{ stateKey: `${appId}|${key}` }],
      maxVersions: 1,
    });
    if (!row.primaryKey || row.primaryKey.length === 0) return undefined;
    const columns = rowColumns(row.attributes);
    return { value: String(columns.state), version: Number(columns.version) };
  }

  async write(appId: string, key: string, value: string, expected: number | undefined): Promise<boolean> {
    try {
      await this.client.putRow({
        tableName: this.tableName,
        condition:
          expected === undefined
            ? new TableStore.Condition(TableStore.RowExistenceExpectation.EXPECT_NOT_EXIST, null)
            : new TableStore.Condition(
                TableStore.RowExistenceExpectation.EXPECT_EXIST,
                new TableStore.SingleColumnCondition(
                  'version',
                  TableStore.Long.fromNumber(expected),
                  TableStore.ComparatorType.EQUAL,
                  false,
                ),
              ),
        primaryKey: [{ stateKey: `${appId}|${key}` }],
        attributeColumns: [{ state: value }, { version: TableStore.Long.fromNumber((expected ?? 0) + 1) }],
      });
      return true;
    } catch (error) {
      if (isConditionCheckFailure(error)) return false;
      throw error;
    }
  }

  async list(appId: string, prefix: string, limit: number): Promise<Array<{ key: string; value: string }>> {
    const from = `${appId}|${prefix}`;
    const rows: Array<{ key: string; value: string }> = [];
    let start: Array<Record<string, unknown>> = [{ stateKey: from }];
    while (rows.length < limit) {
      const page = await this.client.getRange({
        tableName: this.tableName,
        direction: TableStore.Direction.FORWARD,
        inclusiveStartPrimaryKey: start as never,
        // Every key with the prefix sorts before the prefix followed by U+FFFF.
        exclusiveEndPrimaryKey: [{ stateKey: `${from}\uffff` }],
        limit: Math.min(500, limit - rows.length),
        maxVersions: 1,
      });
      for (const row of page.rows) {
        const stateKey = String(row.primaryKey?.[0]?.value ?? '');
        rows.push({ key: stateKey.slice(appId.length + 1), value: String(rowColumns(row.attributes).state) });
      }
      if (!page.nextStartPrimaryKey) break;
      start = page.nextStartPrimaryKey.map(({ name, value }) => ({ [name]: value }));
    }
    return rows.slice(0, limit);
  }

  async remove(appId: string, key: string): Promise<void> {
    await this.client.deleteRow({
      tableName: this.tableName,
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE, null),
      primaryKey: [{ stateKey: `${appId}|${key}` }],
    });
  }
}
