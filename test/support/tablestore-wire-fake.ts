import { createHash, createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import TableStore from 'tablestore';

/**
 * A WIRE-LEVEL LOOPBACK FAKE of Tablestore (no Tablestore emulator exists anywhere). It speaks the
 * protocol the `tablestore` SDK speaks: HTTP POST /<Operation>, protobuf bodies decoded and encoded
 * with the SDK's own compiled definitions (tablestore_compiled_proto.js), rows in PlainBuffer
 * (read here by a small reader, written with the SDK's own PlainBufferBuilder), request signatures
 * (HMAC-SHA1 over the x-ots-* headers) and content MD5 checked, errors as protobuf `Error` with the
 * real codes (403 OTSConditionCheckFail, 404 OTSObjectNotExist, 403 OTSAuthFailed).
 *
 * Implemented: ListTable, CreateTable, DescribeTable, UpdateTable (stream settings, time to live and
 * allow_update), PutRow, GetRow, DeleteRow, UpdateRow (PUT and DELETE_ALL cells), BatchWriteRow,
 * BatchGetRow, GetRange (FORWARD and BACKWARD, limit), with row-existence expectations and
 * single/composite column conditions. Keys are kept sorted, so a range read costs what its page holds,
 * not what the table holds (as on the service); `rowsRead` counts the rows every read returned. Not
 * implemented (answered 400 OTSUnsupportedOperation): everything else; the time to live is kept as a
 * setting, rows never expire here. Single-column string primary keys only. What it cannot
 * show is the real service's behaviour under load, partitions or limits: the live test covers that.
 */

// eslint-disable-next-line @typescript-eslint/no-require-imports
const protos = require('tablestore/lib/protocol/tablestore_compiled_proto.js') as {
  main: { proto: Record<string, ProtoType> };
  filter: { proto: Record<string, ProtoType> & Record<string, Record<string, number>> };
};
interface ProtoType {
  decode(buffer: Uint8Array): Record<string, unknown>;
  encode(message: Record<string, unknown>): { finish(): Uint8Array };
  create(properties: Record<string, unknown>): Record<string, unknown>;
}
const proto = protos.main.proto;
const filterProto = protos.filter.proto;

type Value = string | bigint | number | boolean | Buffer | typeof INF_MIN | typeof INF_MAX;
const INF_MIN = Symbol('INF_MIN');
const INF_MAX = Symbol('INF_MAX');

interface Cell {
  name: string;
  value?: Value;
  /** PlainBuffer cell op type: 1 delete all versions, 3 delete one, 4 increment; absent = put. */
  opType?: number;
}

interface DecodedRow {
  primaryKey: Cell[];
  columns: Cell[];
}

const TAG = {
  ROW_PK: 0x1,
  ROW_DATA: 0x2,
  CELL: 0x3,
  CELL_NAME: 0x4,
  CELL_VALUE: 0x5,
  CELL_TYPE: 0x6,
  CELL_TIMESTAMP: 0x7,
  DELETE_ROW_MARKER: 0x8,
  ROW_CHECKSUM: 0x9,
  CELL_CHECKSUM: 0x0a,
};

/** CRC-8 (polynomial 0x07), as PlainBuffer checksums cells and rows. */
const CRC8_TABLE = Array.from({ length: 256 }, (_, n) => {
  let crc = n;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  return crc;
});
const crc8 = (crc: number, bytes: Uint8Array): number => {
  for (const byte of bytes) crc = CRC8_TABLE[(crc ^ byte) & 0xff]!;
  return crc;
};

/**
 * Reads one PlainBuffer row (header, primary key, columns) and checks its checksums as the service
 * does: each cell's CRC-8 over name, value (type byte onward), timestamp and op type; the row's over
 * the cells' checksums and the delete marker.
 */
function readPlainBufferRow(buffer: Buffer): DecodedRow {
  let pos = 0;
  const u8 = () => buffer.readUInt8(pos++);
  const u32 = () => {
    const value = buffer.readUInt32LE(pos);
    pos += 4;
    return value;
  };
  if (u32() !== 0x75) throw new WireError(400, 'OTSParameterInvalid', 'bad PlainBuffer header');
  const readValue = (): Value => {
    u32(); // value length
    const type = u8();
    switch (type) {
      case 0x0: {
        const value = buffer.readBigInt64LE(pos);
        pos += 8;
        return value;
      }
      case 0x1: {
        const value = buffer.readDoubleLE(pos);
        pos += 8;
        return value;
      }
      case 0x2:
        return u8() !== 0;
      case 0x3:
      case 0x7: {
        const length = u32();
        const bytes = buffer.subarray(pos, pos + length);
        pos += length;
        return type === 0x3 ? bytes.toString('utf8') : Buffer.from(bytes);
      }
      case 0x9:
        return INF_MIN;
      case 0xa:
        return INF_MAX;
      default:
        throw new WireError(400, 'OTSParameterInvalid', `unsupported value type ${type}`);
    }
  };
  let rowCrc = 0;
  const readCells = (tag: number): { cells: Cell[]; tag: number } => {
    const cells: Cell[] = [];
    while (tag === TAG.CELL) {
      if (u8() !== TAG.CELL_NAME) throw new WireError(400, 'OTSParameterInvalid', 'expected cell name');
      const nameLength = u32();
      const cell: Cell = { name: buffer.toString('utf8', pos, pos + nameLength) };
      let cellCrc = crc8(0, buffer.subarray(pos, pos + nameLength));
      pos += nameLength;
      tag = u8();
      if (tag === TAG.CELL_VALUE) {
        const valueStart = pos + 4;
        cell.value = readValue();
        cellCrc = crc8(cellCrc, buffer.subarray(valueStart, pos));
        tag = u8();
      }
      let opType: number | undefined;
      if (tag === TAG.CELL_TYPE) {
        cell.opType = opType = u8();
        tag = u8();
      }
      if (tag === TAG.CELL_TIMESTAMP) {
        cellCrc = crc8(cellCrc, buffer.subarray(pos, pos + 8));
        pos += 8;
        tag = u8();
      }
      if (opType !== undefined) cellCrc = crc8(cellCrc, Uint8Array.of(opType));
      if (tag !== TAG.CELL_CHECKSUM)
        throw new WireError(400, 'OTSParameterInvalid', 'expected cell checksum');
      if (u8() !== cellCrc)
        throw new WireError(400, 'OTSChecksumError', `cell ${cell.name}: checksum mismatch`);
      rowCrc = crc8(rowCrc, Uint8Array.of(cellCrc));
      tag = u8();
      cells.push(cell);
    }
    return { cells, tag };
  };
  let tag = u8();
  let primaryKey: Cell[] = [];
  let columns: Cell[] = [];
  if (tag === TAG.ROW_PK) ({ cells: primaryKey, tag } = readCells(u8()));
  if (tag === TAG.ROW_DATA) ({ cells: columns, tag } = readCells(u8()));
  let deleteMarker = 0;
  if (tag === TAG.DELETE_ROW_MARKER) {
    deleteMarker = 1;
    tag = u8();
  }
  if (tag !== TAG.ROW_CHECKSUM) throw new WireError(400, 'OTSParameterInvalid', 'expected row checksum');
  if (u8() !== crc8(rowCrc, Uint8Array.of(deleteMarker)))
    throw new WireError(400, 'OTSChecksumError', 'row checksum mismatch');
  return { primaryKey, columns };
}

/** A column value inside a filter: a "SQLVariant" — type byte and value, no length prefix. */
function readVariant(buffer: Buffer): Value {
  const type = buffer.readUInt8(0);
  if (type === 0x0) return buffer.readBigInt64LE(1);
  if (type === 0x1) return buffer.readDoubleLE(1);
  if (type === 0x2) return buffer.readUInt8(1) !== 0;
  if (type === 0x3) return buffer.toString('utf8', 5, 5 + buffer.readUInt32LE(1));
  throw new WireError(400, 'OTSParameterInvalid', `unsupported filter value type ${type}`);
}

class WireError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

type StoredRow = Map<string, Value>;

function compare(a: Value, b: Value): number {
  if (a === b) return 0;
  if (a === INF_MIN || b === INF_MAX) return -1;
  if (a === INF_MAX || b === INF_MIN) return 1;
  if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(Buffer.from(a), Buffer.from(b));
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  throw new WireError(400, 'OTSParameterInvalid', 'comparing values of different types');
}

/** The SDK's value form for a response row. */
function toSdkValue(value: Value): unknown {
  if (typeof value === 'bigint') return TableStore.Long.fromString(value.toString());
  return value;
}

export interface TablestoreWireFakeOptions {
  instance: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** Table name → primary key column name. */
  tables: Record<string, string>;
}

export class TablestoreWireFake {
  /** Requests by operation, for tests that check how the adapters talk. */
  readonly operations: string[] = [];
  /** TCP connections accepted, for keep-alive checks. */
  connections = 0;
  private answersToWithhold = 0;
  private readonly tables = new Map<string, FakeTable>();
  /** Rows returned by GetRow, BatchGetRow and GetRange, by table: what a reader paid for. */
  readonly rowsRead = new Map<string, number>();

  /** A table's time to live and allow_update as the fake holds them (CreateTable / UpdateTable). */
  optionsOf(table: string): { timeToLive: number; allowUpdate: boolean } | undefined {
    const found = this.tables.get(table);
    return found && { timeToLive: found.timeToLive, allowUpdate: found.allowUpdate };
  }

  /** Rows read from `table` since the fake started (or since `resetRowsRead`). */
  rowsReadFrom(table: string): number {
    return this.rowsRead.get(table) ?? 0;
  }

  resetRowsRead(): void {
    this.rowsRead.clear();
  }

  /** Writes rows directly, for building a large history quickly (not a protocol path). */
  seed(table: string, rows: Iterable<[string, Record<string, string | number>]>): void {
    const found = this.tables.get(table);
    if (!found) throw new Error(`no table ${table}`);
    for (const [key, columns] of rows) {
      const stored: StoredRow = new Map();
      for (const [name, value] of Object.entries(columns))
        stored.set(name, typeof value === 'number' ? BigInt(value) : value);
      putKey(found, key, stored);
    }
  }

  private read(table: string, count: number): void {
    this.rowsRead.set(table, (this.rowsRead.get(table) ?? 0) + count);
  }

  /** A table's stream as the fake holds it (CreateTable / UpdateTable), for deploy checks. */
  streamOf(table: string): { enabled: boolean; hours: number } | undefined {
    return this.tables.get(table)?.stream;
  }

  tableNames(): string[] {
    return [...this.tables.keys()].sort();
  }

  /** A table made outside the deploy (e.g. by an older version, without a stream). */
  addTable(name: string, pk: string): void {
    this.tables.set(name, newTable(pk));
  }
  private server: Server | undefined;

  constructor(private readonly options: TablestoreWireFakeOptions) {
    for (const [name, pk] of Object.entries(options.tables)) this.tables.set(name, newTable(pk));
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** A stored row as the fake holds it (Int64 as bigint, DOUBLE as number), for type checks. */
  rawRow(table: string, key: string): ReadonlyMap<string, unknown> | undefined {
    return this.tables.get(table)?.rows.get(key);
  }

  /** The table's keys in key order. */
  rowKeys(table: string): string[] {
    return [...(this.tables.get(table)?.keys ?? [])];
  }

  rowCount(table: string): number {
    return this.tables.get(table)?.rows.size ?? 0;
  }

  /**
   * The next `count` requests are carried out but never answered (the connection stays open): what a
   * client sees when the store wrote the row and the answer got lost or late.
   */
  withholdNextAnswers(count: number): void {
    this.answersToWithhold = count;
  }

  private withholding(): boolean {
    if (this.answersToWithhold === 0) return false;
    this.answersToWithhold--;
    return true;
  }

  async start(): Promise<this> {
    this.server = createServer((request, response) => void this.handle(request, response));
    this.server.on('connection', () => this.connections++);
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const operation = (request.url ?? '/').slice(1);
    this.operations.push(operation);
    try {
      this.authenticate(request, body);
      const reply = this.dispatch(operation, body);
      if (this.withholding()) return;
      response.writeHead(200, { 'content-type': 'application/x-protobuf', 'x-ots-requestid': 'fake' });
      response.end(Buffer.from(reply));
    } catch (error) {
      if (this.withholding()) return;
      const wire =
        error instanceof WireError ? error : new WireError(500, 'OTSInternalServerError', String(error));
      const encoded = proto
        .Error!.encode(proto.Error!.create({ code: wire.code, message: wire.message }))
        .finish();
      response.writeHead(wire.status, {
        'content-type': 'application/x-protobuf',
        'x-ots-requestid': 'fake',
      });
      response.end(Buffer.from(encoded));
    }
  }

  /** Checks what the real service checks first: instance, key id, content MD5 and the HMAC-SHA1 signature. */
  private authenticate(request: IncomingMessage, body: Buffer): void {
    const header = (name: string) => String(request.headers[name] ?? '');
    if (header('x-ots-instancename') !== this.options.instance) {
      throw new WireError(403, 'OTSAuthFailed', 'instance name mismatch');
    }
    if (header('x-ots-accesskeyid') !== this.options.accessKeyId) {
      throw new WireError(403, 'OTSAuthFailed', 'access key id does not exist');
    }
    if (header('x-ots-contentmd5') !== createHash('md5').update(body).digest('base64')) {
      throw new WireError(400, 'OTSParameterInvalid', 'content MD5 mismatch');
    }
    const canonical = Object.keys(request.headers)
      .filter((name) => name.startsWith('x-ots-') && name !== 'x-ots-signature')
      .sort()
      .map((name) => `${name}:${header(name)}`)
      .join('\n');
    const stringToSign = `${request.url}\n${request.method}\n\n${canonical}\n`;
    const expected = createHmac('sha1', this.options.accessKeySecret).update(stringToSign).digest('base64');
    if (header('x-ots-signature') !== expected)
      throw new WireError(403, 'OTSAuthFailed', 'signature mismatch');
  }

  private dispatch(operation: string, body: Buffer): Uint8Array {
    const consumed = { capacityUnit: { read: 1, write: 1 } };
    switch (operation) {
      case 'ListTable':
        return proto
          .ListTableResponse!.encode(proto.ListTableResponse!.create({ tableNames: this.tableNames() }))
          .finish();
      case 'CreateTable': {
        const message = proto.CreateTableRequest!.decode(body) as {
          tableMeta: { tableName: string; primaryKey: Array<{ name: string; type: number }> };
          tableOptions?: TableOptionsMessage;
          streamSpec?: { enableStream: boolean; expirationTime?: number };
        };
        const name = message.tableMeta.tableName;
        if (this.tables.has(name))
          throw new WireError(409, 'OTSObjectAlreadyExist', 'Requested table already exists.');
        const [pk, ...more] = message.tableMeta.primaryKey;
        if (!pk || more.length > 0 || pk.type !== 2)
          throw new WireError(400, 'OTSParameterInvalid', 'this fake keeps single STRING primary keys');
        const options = checkedOptions(message.tableOptions, { timeToLive: -1, allowUpdate: true });
        this.tables.set(name, {
          ...newTable(pk.name),
          ...options,
          ...(message.streamSpec
            ? {
                stream: {
                  enabled: message.streamSpec.enableStream,
                  hours: message.streamSpec.expirationTime ?? 0,
                },
              }
            : {}),
        });
        return proto.CreateTableResponse!.encode(proto.CreateTableResponse!.create({})).finish();
      }
      case 'DescribeTable': {
        const { tableName } = proto.DescribeTableRequest!.decode(body) as { tableName: string };
        const table = this.table(tableName);
        return proto
          .DescribeTableResponse!.encode(
            proto.DescribeTableResponse!.create({
              tableMeta: { tableName, primaryKey: [{ name: table.pk, type: 2 }] },
              reservedThroughputDetails: {
                capacityUnit: { read: 0, write: 0 },
                lastIncreaseTime: 0,
                lastDecreaseTime: 0,
              },
              tableOptions: { timeToLive: table.timeToLive, maxVersions: 1, allowUpdate: table.allowUpdate },
              tableStatus: 1,
              streamDetails: table.stream?.enabled
                ? { enableStream: true, streamId: `${tableName}-stream`, expirationTime: table.stream.hours }
                : { enableStream: false },
            }),
          )
          .finish();
      }
      case 'UpdateTable': {
        const message = proto.UpdateTableRequest!.decode(body) as {
          tableName: string;
          tableOptions?: TableOptionsMessage;
          streamSpec?: { enableStream: boolean; expirationTime?: number };
        };
        const table = this.table(message.tableName);
        Object.assign(table, checkedOptions(message.tableOptions, table));
        if (message.streamSpec)
          table.stream = {
            enabled: message.streamSpec.enableStream,
            hours: message.streamSpec.expirationTime ?? 0,
          };
        return proto
          .UpdateTableResponse!.encode(
            proto.UpdateTableResponse!.create({
              reservedThroughputDetails: {
                capacityUnit: { read: 0, write: 0 },
                lastIncreaseTime: 0,
                lastDecreaseTime: 0,
              },
              tableOptions: { timeToLive: table.timeToLive, maxVersions: 1, allowUpdate: table.allowUpdate },
            }),
          )
          .finish();
      }
      case 'PutRow': {
        const message = proto.PutRowRequest!.decode(body) as {
          tableName: string;
          row: Buffer;
          condition: Condition;
        };
        this.applyWrite(1, message.tableName, Buffer.from(message.row), message.condition);
        return proto.PutRowResponse!.encode(proto.PutRowResponse!.create({ consumed })).finish();
      }
      case 'UpdateRow': {
        const message = proto.UpdateRowRequest!.decode(body) as {
          tableName: string;
          rowChange: Buffer;
          condition: Condition;
        };
        this.applyWrite(2, message.tableName, Buffer.from(message.rowChange), message.condition);
        return proto.UpdateRowResponse!.encode(proto.UpdateRowResponse!.create({ consumed })).finish();
      }
      case 'DeleteRow': {
        const message = proto.DeleteRowRequest!.decode(body) as {
          tableName: string;
          primaryKey: Buffer;
          condition: Condition;
        };
        this.applyWrite(3, message.tableName, Buffer.from(message.primaryKey), message.condition);
        return proto.DeleteRowResponse!.encode(proto.DeleteRowResponse!.create({ consumed })).finish();
      }
      case 'BatchWriteRow': {
        const message = proto.BatchWriteRowRequest!.decode(body) as {
          tables: Array<{
            tableName: string;
            rows: Array<{ type: number; rowChange: Uint8Array; condition: Condition }>;
          }>;
        };
        const count = message.tables.reduce((sum, table) => sum + table.rows.length, 0);
        if (count > 200)
          throw new WireError(400, 'OTSParameterInvalid', 'Rows count exceeds the upper limit: 200.');
        // Each row succeeds or fails on its own, as on the service (no transaction).
        const tables = message.tables.map((table) => ({
          tableName: table.tableName,
          rows: table.rows.map((row) => {
            try {
              this.applyWrite(row.type, table.tableName, Buffer.from(row.rowChange), row.condition);
              return { isOk: true, consumed };
            } catch (error) {
              if (!(error instanceof WireError)) throw error;
              return { isOk: false, error: { code: error.code, message: error.message } };
            }
          }),
        }));
        return proto.BatchWriteRowResponse!.encode(proto.BatchWriteRowResponse!.create({ tables })).finish();
      }
      case 'BatchGetRow': {
        const message = proto.BatchGetRowRequest!.decode(body) as {
          tables: Array<{ tableName: string; primaryKey: Uint8Array[] }>;
        };
        const count = message.tables.reduce((sum, table) => sum + table.primaryKey.length, 0);
        if (count > 100)
          throw new WireError(400, 'OTSParameterInvalid', 'Rows count exceeds the upper limit: 100.');
        const tables = message.tables.map(({ tableName, primaryKey }) => {
          const table = this.table(tableName);
          return {
            tableName,
            rows: primaryKey.map((encoded) => {
              const key = this.keyOf(table.pk, readPlainBufferRow(Buffer.from(encoded)));
              const stored = table.rows.get(key);
              if (stored) this.read(tableName, 1);
              return {
                isOk: true,
                consumed,
                row: stored ? this.encodeRow(table.pk, key, stored) : Buffer.alloc(0),
              };
            }),
          };
        });
        return proto.BatchGetRowResponse!.encode(proto.BatchGetRowResponse!.create({ tables })).finish();
      }
      case 'GetRow': {
        const message = proto.GetRowRequest!.decode(body) as { tableName: string; primaryKey: Buffer };
        const table = this.table(message.tableName);
        const key = this.keyOf(table.pk, readPlainBufferRow(Buffer.from(message.primaryKey)));
        const stored = table.rows.get(key);
        if (stored) this.read(message.tableName, 1);
        const row = stored ? this.encodeRow(table.pk, key, stored) : Buffer.alloc(0);
        return proto.GetRowResponse!.encode(proto.GetRowResponse!.create({ consumed, row })).finish();
      }
      case 'GetRange': {
        const message = proto.GetRangeRequest!.decode(body) as {
          tableName: string;
          direction: number;
          limit?: number;
          inclusiveStartPrimaryKey: Buffer;
          exclusiveEndPrimaryKey: Buffer;
        };
        const table = this.table(message.tableName);
        const start = readPlainBufferRow(Buffer.from(message.inclusiveStartPrimaryKey)).primaryKey[0]!.value!;
        const end = readPlainBufferRow(Buffer.from(message.exclusiveEndPrimaryKey)).primaryKey[0]!.value!;
        const limit = message.limit && message.limit > 0 ? Math.min(message.limit, 5000) : 5000;
        // FORWARD: start ≤ key < end, ascending; BACKWARD: end < key ≤ start, descending.
        const backward = message.direction === 1;
        const keys: string[] = [];
        let next: string | undefined;
        if (!backward) {
          for (let at = lowerBound(table.keys, start); at < table.keys.length; at++) {
            const key = table.keys[at]!;
            if (compare(key, end) >= 0) break;
            if (keys.length === limit) {
              next = key;
              break;
            }
            keys.push(key);
          }
        } else {
          for (let at = upperBound(table.keys, start) - 1; at >= 0; at--) {
            const key = table.keys[at]!;
            if (compare(key, end) <= 0) break;
            if (keys.length === limit) {
              next = key;
              break;
            }
            keys.push(key);
          }
        }
        this.read(message.tableName, keys.length);
        const page = keys;
        const rows = Buffer.concat(
          page.map((key, index) => {
            const encoded = this.encodeRow(table.pk, key, table.rows.get(key)!);
            return index === 0 ? encoded : encoded.subarray(4); // one header for the whole row set
          }),
        );
        const nextStartPrimaryKey =
          next === undefined
            ? undefined
            : Buffer.from(TableStore.PlainBufferBuilder.serializePrimaryKey([{ [table.pk]: next }]));
        return proto
          .GetRangeResponse!.encode(
            proto.GetRangeResponse!.create({
              consumed,
              rows,
              ...(nextStartPrimaryKey ? { nextStartPrimaryKey } : {}),
            }),
          )
          .finish();
      }
      default:
        throw new WireError(400, 'OTSUnsupportedOperation', `${operation} is not implemented by this fake`);
    }
  }

  /** One row write (1 PUT, 2 UPDATE, 3 DELETE) as PutRow, UpdateRow, DeleteRow and BatchWriteRow do it. */
  private applyWrite(type: number, tableName: string, encoded: Buffer, condition: Condition): void {
    const table = this.table(tableName);
    const row = readPlainBufferRow(encoded);
    const key = this.keyOf(table.pk, row);
    const existing = table.rows.get(key);
    this.check(existing, condition);
    if (type === 3) {
      deleteKey(table, key);
      return;
    }
    if (type === 2 && !table.allowUpdate)
      throw new WireError(
        400,
        'OTSParameterInvalid',
        'UpdateRow is not allowed on this table (allow_update is false).',
      );
    const written: StoredRow = type === 2 ? new Map(existing ?? []) : new Map();
    for (const cell of row.columns) {
      if (cell.opType === undefined && cell.value !== undefined) written.set(cell.name, cell.value);
      else if (type !== 2) continue;
      else if (cell.opType === 1) written.delete(cell.name);
      else throw new WireError(400, 'OTSUnsupportedOperation', `cell op ${cell.opType} not in this fake`);
    }
    checkColumnSizes(written);
    putKey(table, key, written);
  }

  /** Every request on `table` answers 503 OTSPartitionUnavailable (a partition blip) until `available`. */
  unavailable(table: string): void {
    this.unavailableTables.add(table);
  }

  available(table: string): void {
    this.unavailableTables.delete(table);
  }

  private readonly unavailableTables = new Set<string>();

  private table(name: string) {
    if (this.unavailableTables.has(name))
      throw new WireError(503, 'OTSPartitionUnavailable', 'The partition is not available.');
    const table = this.tables.get(name);
    if (!table) throw new WireError(404, 'OTSObjectNotExist', 'Requested table does not exist.');
    return table;
  }

  private keyOf(pkName: string, row: DecodedRow): string {
    const [pk] = row.primaryKey;
    if (!pk || pk.name !== pkName || typeof pk.value !== 'string' || row.primaryKey.length !== 1) {
      throw new WireError(400, 'OTSParameterInvalid', 'Validate PK name fail or PK type mismatch.');
    }
    return pk.value;
  }

  private encodeRow(pkName: string, key: string, row: StoredRow): Buffer {
    const columns = [...row].map(([name, value]) => ({ [name]: toSdkValue(value) }));
    return Buffer.from(TableStore.PlainBufferBuilder.serializeForPutRow([{ [pkName]: key }], columns));
  }

  private check(existing: StoredRow | undefined, condition: Condition): void {
    const fail = () => {
      throw new WireError(403, 'OTSConditionCheckFail', 'Condition check failed.');
    };
    if (condition.rowExistence === 1 && !existing) fail();
    if (condition.rowExistence === 2 && existing) fail();
    if (condition.columnCondition && condition.columnCondition.length > 0) {
      if (!this.evaluate(filterProto.Filter!.decode(Buffer.from(condition.columnCondition)), existing))
        fail();
    }
  }

  private evaluate(filter: Record<string, unknown>, row: StoredRow | undefined): boolean {
    const type = filter.type as number;
    const inner = Buffer.from(filter.filter as Uint8Array);
    if (type === 1) {
      const single = filterProto.SingleColumnValueFilter!.decode(inner) as {
        comparator: number;
        columnName: string;
        columnValue: Uint8Array;
        filterIfMissing: boolean;
      };
      const actual = row?.get(single.columnName);
      if (actual === undefined) return !single.filterIfMissing;
      const order = compare(actual, readVariant(Buffer.from(single.columnValue)));
      return (
        [order === 0, order !== 0, order > 0, order >= 0, order < 0, order <= 0][single.comparator - 1] ??
        false
      );
    }
    if (type === 2) {
      const composite = filterProto.CompositeColumnValueFilter!.decode(inner) as {
        combinator: number;
        subFilters: Record<string, unknown>[];
      };
      const results = composite.subFilters.map((sub) => this.evaluate(sub, row));
      if (composite.combinator === 1) return !results[0];
      return composite.combinator === 2 ? results.every(Boolean) : results.some(Boolean);
    }
    throw new WireError(400, 'OTSUnsupportedOperation', `filter type ${type} not in this fake`);
  }
}

interface FakeTable {
  pk: string;
  rows: Map<string, StoredRow>;
  /** The rows' keys in key order, so a range read starts by binary search. */
  keys: string[];
  stream?: { enabled: boolean; hours: number };
  timeToLive: number;
  allowUpdate: boolean;
}

interface TableOptionsMessage {
  timeToLive?: number;
  allowUpdate?: boolean;
}

function newTable(pk: string): FakeTable {
  return { pk, rows: new Map(), keys: [], timeToLive: -1, allowUpdate: true };
}

/** The service's rules for table options: TTL is -1 or at least 86400 seconds. */
function checkedOptions(
  options: TableOptionsMessage | undefined,
  current: { timeToLive: number; allowUpdate: boolean },
): { timeToLive: number; allowUpdate: boolean } {
  // protobufjs answers an absent proto2 field with its default (0, false): only fields sent count.
  const sent = (name: keyof TableOptionsMessage) =>
    options !== undefined && Object.prototype.hasOwnProperty.call(options, name);
  const timeToLive = sent('timeToLive') ? options!.timeToLive! : current.timeToLive;
  if (timeToLive !== -1 && !(timeToLive >= 86_400))
    throw new WireError(400, 'OTSParameterInvalid', 'TimeToLive must be -1 or at least 86400 seconds.');
  return { timeToLive, allowUpdate: sent('allowUpdate') ? options!.allowUpdate! : current.allowUpdate };
}

function lowerBound(keys: readonly string[], value: Value): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compare(keys[middle]!, value) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

function upperBound(keys: readonly string[], value: Value): number {
  let low = 0;
  let high = keys.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compare(keys[middle]!, value) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

function putKey(table: FakeTable, key: string, row: StoredRow): void {
  if (!table.rows.has(key)) table.keys.splice(lowerBound(table.keys, key), 0, key);
  table.rows.set(key, row);
}

function deleteKey(table: FakeTable, key: string): void {
  if (!table.rows.delete(key)) return;
  table.keys.splice(lowerBound(table.keys, key), 1);
}

interface Condition {
  rowExistence: number;
  columnCondition?: Uint8Array;
}

/** Tablestore's documented limit (General limits): a String or Binary attribute column holds at most 2 MB. */
const MAX_COLUMN_BYTES = 2 * 1024 * 1024;

function checkColumnSizes(row: ReadonlyMap<string, unknown>): void {
  for (const [name, value] of row) {
    const size =
      typeof value === 'string'
        ? Buffer.byteLength(value, 'utf8')
        : Buffer.isBuffer(value)
          ? value.length
          : 0;
    if (size > MAX_COLUMN_BYTES) {
      throw new WireError(400, 'OTSParameterInvalid', `column ${name} is ${size} bytes, over the 2 MB limit`);
    }
  }
}
