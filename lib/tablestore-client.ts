import TableStore from 'tablestore';
import type { Client } from 'tablestore';

export interface TablestoreCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  /** STS token: Function Compute's `context.credentials.securityToken`. */
  securityToken?: string;
}

export interface TablestoreClientOptions {
  /** e.g. https://my-instance.cn-hangzhou.ots.aliyuncs.com (VPC: …vpc.tablestore.aliyuncs.com). */
  endpoint: string;
  instance: string;
  credentials: TablestoreCredentials;
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
