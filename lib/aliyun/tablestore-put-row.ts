import { createHash, createHmac } from 'node:crypto';
import type { Agent, ClientRequest, RequestOptions } from 'node:http';
import type { AliyunCredentials } from './fc-context';

/**
 * The callback's Tablestore call, PutRow (conditional for events; unconditional for the one note row of
 * failed-list-asking.ts), without the `tablestore` SDK: the SDK
 * costs the callback most of its load time, opens a new TLS connection per request, never retries a
 * PutRow after a timeout or a network error, and sets `http(s).globalAgent.maxSockets` on every
 * request. This writes the same wire format (protobuf PutRowRequest, PlainBuffer row, x-ots-* HMAC-SHA1
 * signature; API version 2015-12-31), over its own keep-alive agent, with a deadline for the whole
 * write and a retry inside it.
 *
 * Retrying a put whose first attempt may have landed is safe: for events the row condition is
 * EXPECT_NOT_EXIST, so the retry then fails the condition, which the caller counts as "already stored";
 * the unconditional note row is the same row written again.
 */

/** The column values the events table holds: text, and integers (epoch ms) as Int64. */
export type CellValue = string | number;

export interface PutRowRequest {
  table: string;
  primaryKey: readonly [string, string];
  /** Integers are written as Int64 (a number that is not a safe integer is refused), strings as STRING. */
  columns: ReadonlyArray<readonly [string, CellValue]>;
}

export interface TablestorePutRowOptions {
  endpoint: string;
  instance: string;
  credentials: AliyunCredentials;
  /** One attempt's limit (connect, send, answer). */
  attemptTimeoutMs: number;
  /** The whole write, retries included; no attempt starts that could not finish inside it. */
  deadlineMs: number;
}

/** Tablestore's answer to a put, or why it failed; `retryable` when another attempt may succeed. */
export class TablestoreWriteError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number | undefined,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'TablestoreWriteError';
  }
}

const API_VERSION = '2015-12-31';
/** One retry, after a short pause. */
const MAX_ATTEMPTS = 2;
const RETRY_DELAY_MS = 50;
/** Tablestore's codes for a transient condition (its documentation's "retry" list). */
const RETRYABLE_CODES = new Set([
  'OTSServerBusy',
  'OTSTimeout',
  'OTSPartitionUnavailable',
  'OTSRowOperationConflict',
  'OTSNotEnoughCapacityUnit',
  'OTSQuotaExhausted',
  'OTSServerUnavailable',
  'OTSInternalServerError',
  'OTSTableNotReady',
]);

interface Transport {
  agent: Agent;
  request: (url: URL, options: RequestOptions) => ClientRequest;
}

export class TablestorePutRow {
  private readonly url: URL;
  private transport: Promise<Transport> | undefined;

  constructor(private readonly options: TablestorePutRowOptions) {
    this.url = new URL('/PutRow', options.endpoint);
  }

  /**
   * Our own keep-alive agent (saves the TLS handshake on every warm invocation; nothing global changes),
   * loaded on the first write: node:https costs a cold start about 7 ms that a check_url or a refused
   * request never needs.
   */
  private connect(): Promise<Transport> {
    this.transport ??= (async () => {
      const agentOptions = { keepAlive: true, keepAliveMsecs: 10_000, maxSockets: 16 };
      if (this.url.protocol === 'https:') {
        const https = await import('node:https');
        return { agent: new https.Agent(agentOptions), request: https.request };
      }
      const http = await import('node:http');
      return { agent: new http.Agent(agentOptions), request: http.request };
    })();
    return this.transport;
  }

  /** 'stored', or 'exists' when a row with this primary key is already there (the condition failed). */
  async putIfAbsent(request: PutRowRequest): Promise<'stored' | 'exists'> {
    return this.write(encodePutRowRequest(request, EXPECT_NOT_EXIST));
  }

  /** Writes the row whether or not one is there (the last writer's row stays); retried like `putIfAbsent`. */
  async put(request: PutRowRequest): Promise<void> {
    await this.write(encodePutRowRequest(request, IGNORE));
  }

  private async write(body: Buffer): Promise<'stored' | 'exists'> {
    const deadline = Date.now() + this.options.deadlineMs;
    let lastError: TablestoreWriteError | undefined;
    for (let attempt = 1; ; attempt++) {
      const left = deadline - Date.now();
      // An attempt with less than half its usual time left would only time out: report the failure now.
      if (attempt > 1 && left < this.options.attemptTimeoutMs / 2) throw lastError!;
      try {
        await this.send(body, Math.min(this.options.attemptTimeoutMs, left));
        return 'stored';
      } catch (error) {
        const failure = asWriteError(error);
        if (failure.code === 'OTSConditionCheckFail') return 'exists';
        if (!failure.retryable || attempt >= MAX_ATTEMPTS) throw failure;
        lastError = failure;
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
      }
    }
  }

  /** Closes the kept-alive connections (tests, CLI exit). */
  close(): void {
    void this.transport?.then(({ agent }) => agent.destroy());
  }

  private async send(body: Buffer, timeoutMs: number): Promise<void> {
    const { agent, request } = await this.connect();
    const headers = this.signedHeaders(body);
    return new Promise<void>((resolve, reject) => {
      const req = request(this.url, { method: 'POST', agent, headers });
      const timer = setTimeout(
        () =>
          req.destroy(new TablestoreWriteError(`no answer in ${timeoutMs} ms`, 'Timeout', undefined, true)),
        timeoutMs,
      );
      req.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      req.on('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        response.on('end', () => {
          clearTimeout(timer);
          const status = response.statusCode ?? 0;
          if (status === 200) return resolve();
          const { code, message } = decodeError(Buffer.concat(chunks));
          reject(
            new TablestoreWriteError(
              `Tablestore PutRow: ${status} ${code}${message ? `: ${message}` : ''}`,
              code,
              status,
              status >= 500 || RETRYABLE_CODES.has(code),
            ),
          );
        });
      });
      req.end(body);
    });
  }

  private signedHeaders(body: Buffer): Record<string, string> {
    const { credentials, instance } = this.options;
    const headers: Record<string, string> = {
      'x-ots-date': new Date().toISOString(),
      'x-ots-apiversion': API_VERSION,
      'x-ots-accesskeyid': credentials.accessKeyId,
      'x-ots-instancename': instance,
      'x-ots-contentmd5': createHash('md5').update(body).digest('base64'),
      ...(credentials.securityToken ? { 'x-ots-ststoken': credentials.securityToken } : {}),
    };
    const canonical = Object.keys(headers)
      .sort()
      .map((name) => `${name}:${headers[name]}`)
      .join('\n');
    const stringToSign = `/PutRow\nPOST\n\n${canonical}\n`;
    headers['x-ots-signature'] = createHmac('sha1', credentials.accessKeySecret)
      .update(stringToSign)
      .digest('base64');
    return { ...headers, 'content-type': 'application/x.pb2', 'content-length': String(body.length) };
  }
}

function asWriteError(error: unknown): TablestoreWriteError {
  if (error instanceof TablestoreWriteError) return error;
  const code = (error as { code?: unknown })?.code;
  // A socket error (reset keep-alive connection, refused, DNS): the put may or may not have landed.
  return new TablestoreWriteError(
    `Tablestore PutRow: ${error instanceof Error ? error.message : String(error)}`,
    typeof code === 'string' ? code : 'NetworkError',
    undefined,
    true,
  );
}

// --- wire format -------------------------------------------------------------------------------------

/** RowExistenceExpectation, as the condition's field 1. */
const IGNORE = 0;
const EXPECT_NOT_EXIST = 2;

/** PutRowRequest { table_name = 1; row = 2 (PlainBuffer); condition = 3 { row_existence = 1 } }. */
function encodePutRowRequest(request: PutRowRequest, rowExistence: number): Buffer {
  const condition = Buffer.from([0x08, rowExistence]);
  return Buffer.concat([
    lengthDelimited(1, Buffer.from(request.table, 'utf8')),
    lengthDelimited(2, plainBufferRow(request.primaryKey, request.columns)),
    lengthDelimited(3, condition),
  ]);
}

function lengthDelimited(field: number, bytes: Buffer): Buffer {
  return Buffer.concat([varint((field << 3) | 2), varint(bytes.length), bytes]);
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  while (value > 0x7f) {
    bytes.push((value & 0x7f) | 0x80);
    value = Math.floor(value / 128);
  }
  bytes.push(value);
  return Buffer.from(bytes);
}

const TAG_ROW_PK = 0x01;
const TAG_ROW_DATA = 0x02;
const TAG_CELL = 0x03;
const TAG_CELL_NAME = 0x04;
const TAG_CELL_VALUE = 0x05;
const TAG_ROW_CHECKSUM = 0x09;
const TAG_CELL_CHECKSUM = 0x0a;
const VT_INTEGER = 0x00;
const VT_STRING = 0x03;

/** A PlainBuffer row: header 0x75, primary-key cells, attribute cells, CRC-8 per cell and per row. */
function plainBufferRow(
  primaryKey: readonly [string, string],
  columns: ReadonlyArray<readonly [string, CellValue]>,
): Buffer {
  const parts: Buffer[] = [uint32(0x75), Buffer.of(TAG_ROW_PK)];
  let rowCrc = 0;
  const cell = (name: string, value: CellValue) => {
    const nameBytes = Buffer.from(name, 'utf8');
    const valueBytes = encodeValue(name, value);
    const cellCrc = crc8(crc8(0, nameBytes), valueBytes);
    parts.push(
      Buffer.of(TAG_CELL, TAG_CELL_NAME),
      uint32(nameBytes.length),
      nameBytes,
      Buffer.of(TAG_CELL_VALUE),
      uint32(valueBytes.length),
      valueBytes,
      Buffer.of(TAG_CELL_CHECKSUM, cellCrc),
    );
    rowCrc = crc8(rowCrc, Buffer.of(cellCrc));
  };
  cell(primaryKey[0], primaryKey[1]);
  if (columns.length > 0) {
    parts.push(Buffer.of(TAG_ROW_DATA));
    for (const [name, value] of columns) cell(name, value);
  }
  // No delete marker: the row checksum ends with a 0 byte.
  parts.push(Buffer.of(TAG_ROW_CHECKSUM, crc8(rowCrc, Buffer.of(0))));
  return Buffer.concat(parts);
}

/** A cell value from its type byte on (what the length prefix counts and the checksum covers). */
function encodeValue(name: string, value: CellValue): Buffer {
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([Buffer.of(VT_STRING), uint32(bytes.length), bytes]);
  }
  if (!Number.isSafeInteger(value)) throw new TypeError(`column ${name}: ${value} is not a safe integer`);
  const bytes = Buffer.alloc(9);
  bytes[0] = VT_INTEGER;
  bytes.writeBigInt64LE(BigInt(value), 1);
  return bytes;
}

function uint32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32LE(value);
  return bytes;
}

/** CRC-8, polynomial 0x07: PlainBuffer's cell and row checksums. */
const CRC8_TABLE = Uint8Array.from({ length: 256 }, (_, n) => {
  let crc = n;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  return crc;
});

function crc8(crc: number, bytes: Uint8Array): number {
  for (const byte of bytes) crc = CRC8_TABLE[(crc ^ byte) & 0xff]!;
  return crc;
}

/** Tablestore's error body: protobuf Error { code = 1; message = 2 }. */
function decodeError(body: Buffer): { code: string; message: string } {
  const fields: Record<number, string> = {};
  let pos = 0;
  try {
    while (pos < body.length) {
      const key = readVarint();
      if ((key & 7) !== 2) break;
      const length = readVarint();
      fields[key >> 3] = body.toString('utf8', pos, pos + length);
      pos += length;
    }
  } catch {
    // A body that is not an Error message: the status alone speaks.
  }
  return { code: fields[1] ?? 'UnknownError', message: fields[2] ?? '' };

  function readVarint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= body.length) throw new RangeError('truncated varint');
      const byte = body[pos++]!;
      result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return result;
      shift += 7;
    }
  }
}
