import TableStore from 'tablestore';
import type { Client, Row } from 'tablestore';
import type { AliyunCredentials } from './fc-context';

export interface TablestoreClientOptions {
  /** e.g. https://my-instance.cn-hangzhou.ots.aliyuncs.com (VPC: …vpc.tablestore.aliyuncs.com). */
  endpoint: string;
  instance: string;
  credentials: AliyunCredentials;
  /** Per request; the SDK has no default timeout. */
  timeoutMs?: number;
  /** SDK retries. Process-global in the SDK: the last client created sets it for all. */
  maxRetries?: number;
}

/** Build once per process (module scope, or once per credential rotation) and pass to the adapters. */
export function createTablestoreClient(options: TablestoreClientOptions): Client {
  return new TableStore.Client({
    accessKeyId: options.credentials.accessKeyId,
    secretAccessKey: options.credentials.accessKeySecret,
    ...(options.credentials.securityToken ? { stsToken: options.credentials.securityToken } : {}),
    endpoint: options.endpoint,
    instancename: options.instance,
    maxRetries: options.maxRetries ?? 1,
    httpOptions: { timeout: options.timeoutMs ?? 500, maxSockets: 50 },
  });
}

/** The SDK reports a failed row condition as HTTP 403 with OTSConditionCheckFail in the message. */
export function isConditionCheckFailure(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    code === 'OTSConditionCheckFail' ||
    (code === 403 && typeof message === 'string' && message.includes('OTSConditionCheckFail'))
  );
}

/** Row attributes as a plain record: Int64 → number (ours stay below 2^53: epoch ms, versions). */
export function rowColumns(attributes: ReadonlyArray<{ columnName: string; columnValue: unknown }> = []) {
  const record: Record<string, string | number | boolean> = {};
  for (const { columnName, columnValue } of attributes) {
    const value = columnValue as { toNumber?: () => number } | string | number | boolean;
    record[columnName] =
      typeof value === 'object' && value !== null && typeof value.toNumber === 'function'
        ? value.toNumber()
        : (value as string | number | boolean);
  }
  return record;
}

/**
 * Every row of a table with a single primary key column, in key order, page by page (GetRange from
 * INF_MIN to INF_MAX). Tablestore orders by primary key only: listings sort what this yields.
 */
export async function* allRows(
  client: Client,
  tableName: string,
  primaryKey: string,
  pageSize = 500,
): AsyncGenerator<Row> {
  let start: Array<Record<string, unknown>> = [{ [primaryKey]: TableStore.INF_MIN }];
  for (;;) {
    const page = await client.getRange({
      tableName,
      direction: TableStore.Direction.FORWARD,
      inclusiveStartPrimaryKey: start as never,
      exclusiveEndPrimaryKey: [{ [primaryKey]: TableStore.INF_MAX }],
      limit: pageSize,
      maxVersions: 1,
    });
    yield* page.rows;
    if (!page.nextStartPrimaryKey) return;
    start = page.nextStartPrimaryKey.map(({ name, value }) => ({ [name]: value }));
  }
}
