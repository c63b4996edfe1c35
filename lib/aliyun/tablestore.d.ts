/**
 * The part of the `tablestore` SDK (5.6.x, no bundled types) this project uses.
 * Promise API: every operation returns a promise when no callback is passed.
 */
declare module 'tablestore' {
  export interface Int64 {
    toNumber(): number;
    toString(radix?: number): string;
  }
  export type CellValue = string | number | boolean | Buffer | Int64;
  export type PrimaryKey = Array<Record<string, CellValue | object>>;
  export type Columns = Array<Record<string, CellValue>>;

  export interface RowAttribute {
    columnName: string;
    columnValue: CellValue;
    timestamp?: Int64;
  }
  export interface Row {
    primaryKey?: Array<{ name: string; value: CellValue }>;
    attributes?: RowAttribute[];
  }

  export class Condition {
    constructor(rowExistence: number, columnCondition: SingleColumnCondition | CompositeCondition | null);
  }
  export class SingleColumnCondition {
    constructor(
      columnName: string,
      value: CellValue,
      comparator: number,
      passIfMissing?: boolean,
      latestVersionOnly?: boolean,
    );
  }
  export class CompositeCondition {
    constructor(combinator: number);
    addSubCondition(condition: SingleColumnCondition | CompositeCondition): void;
  }

  export interface ClientConfig {
    accessKeyId: string;
    secretAccessKey: string;
    stsToken?: string;
    endpoint: string;
    instancename: string;
    maxRetries?: number;
    httpOptions?: { timeout?: number; maxSockets?: number };
  }

  export interface BatchRow {
    isOk: boolean;
    errorCode: string | null;
    errorMessage: string | null;
    tableName: string;
    primaryKey: Array<{ name: string; value: CellValue }> | null;
    attributes: Row['attributes'] | null;
  }

  export class Client {
    constructor(config: ClientConfig);
    putRow(params: {
      tableName: string;
      condition: Condition;
      primaryKey: PrimaryKey;
      attributeColumns: Columns;
      returnContent?: { returnType: number };
    }): Promise<{ row: Row }>;
    deleteRow(params: { tableName: string; condition: Condition; primaryKey: PrimaryKey }): Promise<unknown>;
    getRow(params: {
      tableName: string;
      primaryKey: PrimaryKey;
      maxVersions?: number;
      columnsToGet?: string[];
    }): Promise<{ row: Row }>;
    getRange(params: {
      tableName: string;
      direction: string;
      inclusiveStartPrimaryKey: PrimaryKey;
      exclusiveEndPrimaryKey: PrimaryKey;
      limit?: number;
      maxVersions?: number;
    }): Promise<{ rows: Row[]; nextStartPrimaryKey: Array<{ name: string; value: CellValue }> | null }>;
    /** At most 100 rows a call; each row answers on its own (`isOk`). */
    batchGetRow(params: {
      tables: Array<{ tableName: string; primaryKey: PrimaryKey[]; maxVersions?: number }>;
    }): Promise<{ tables: BatchRow[][] }>;
    /** At most 200 rows a call; no transaction: each row succeeds or fails on its own. */
    batchWriteRow(params: {
      tables: Array<{ tableName: string; rows: ReadonlyArray<Record<string, unknown>> }>;
    }): Promise<{ tables: BatchRow[] }>;
    createTable(params: Record<string, unknown>): Promise<unknown>;
    describeTable(params: { tableName: string }): Promise<Record<string, unknown>>;
    listTable(params: Record<string, never>): Promise<{ tableNames: string[] }>;
    deleteTable(params: { tableName: string }): Promise<unknown>;
  }

  export const RowExistenceExpectation: { IGNORE: 0; EXPECT_EXIST: 1; EXPECT_NOT_EXIST: 2 };
  export const ComparatorType: Record<
    'EQUAL' | 'NOT_EQUAL' | 'GREATER_THAN' | 'GREATER_EQUAL' | 'LESS_THAN' | 'LESS_EQUAL',
    number
  >;
  export const LogicalOperator: Record<'NOT' | 'AND' | 'OR', number>;
  export const Direction: { FORWARD: 'FORWARD'; BACKWARD: 'BACKWARD' };
  export const ReturnType: { NONE: 0; Primarykey: 1; AfterModify: 2 };
  export const INF_MIN: object;
  export const INF_MAX: object;
  export const PlainBufferBuilder: {
    serializeForPutRow(primaryKey: PrimaryKey, attributeColumns: Array<Record<string, unknown>>): Uint8Array;
    serializePrimaryKey(primaryKey: PrimaryKey): Uint8Array;
  };
  export const Long: { fromNumber(value: number): Int64; fromString(value: string): Int64 };
}
