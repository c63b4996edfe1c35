import { Decoder } from 'cbor-x';
import type { TableChange } from '../core/table-change-batch';
import { storedEventFrom } from '../core/stored-event';
import { ENTRY_PREFIX } from './tablestore-entries';

/**
 * The Tablestore trigger's payload (CBOR, docs/platform-notes.md): `{Version:"Sync-v1", Records:[{Type,
 * Info:{Timestamp}, PrimaryKey:[{ColumnName,Value}], Columns:[{Type,ColumnName,Value,Timestamp}]}]}`.
 * 64-bit integers decode as bigint and stay exact; safe ones become numbers.
 */
const decoder = new Decoder({ mapsAsObjects: true, useRecords: false });

export interface TablestoreChangeRecord {
  Type: 'PutRow' | 'UpdateRow' | 'DeleteRow' | string;
  Info?: { Timestamp?: number | bigint };
  PrimaryKey: Array<{ ColumnName: string; Value: unknown }>;
  Columns?: Array<{ Type?: string; ColumnName: string; Value?: unknown; Timestamp?: number | bigint }>;
}

/** Decodes one invocation's payload into stream entries, each record read exactly once. */
export function decodeTablestoreTrigger(payload: Buffer | Uint8Array): TableChange[] {
  return decodeTablestoreRecords(payload).map(streamEntryFromRecord);
}

export function decodeTablestoreRecords(payload: Buffer | Uint8Array): TablestoreChangeRecord[] {
  const decoded = decoder.decode(payload) as { Version?: string; Records?: TablestoreChangeRecord[] };
  if (!decoded || !Array.isArray(decoded.Records)) throw new Error('not a Tablestore trigger payload');
  return decoded.Records;
}

/** An events-table row change as what the batch policy needs: an event, a skip, or a malformed row. */
function streamEntryFromRecord(record: TablestoreChangeRecord): TableChange {
  // Events are written once: updates and deletes (a purge, the table's time to live) are not new events,
  // and rows under `~` are the table's own listing entries (tablestore-entries.ts), not events.
  if (record.Type !== 'PutRow') return { kind: 'skip' };
  const key = record.PrimaryKey[0]?.Value;
  if (typeof key === 'string' && key.startsWith(ENTRY_PREFIX)) return { kind: 'skip' };
  let columns: Record<string, unknown> = {};
  try {
    columns = recordColumns(record);
  } catch {
    // an unreadable row is parked below with what could be read of it
  }
  const event = storedEventFrom(columns);
  if (event) return { kind: 'event', event, raw: () => safeJson(record) };
  return {
    kind: 'malformed',
    eventId: String(columns.eventId ?? 'unknown'),
    reason: 'not an events-table row (missing eventId, eventType, receivedAt, ownerKey or payload)',
    raw: () => safeJson(record),
  };
}

/** A record's columns by name; bigint within ±2^53 as number, beyond it as its exact decimal string. */
export function recordColumns(record: TablestoreChangeRecord): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  for (const key of record.PrimaryKey) columns[key.ColumnName] = exact(key.Value);
  for (const column of record.Columns ?? []) {
    if (column.Type === undefined || column.Type === 'Put') columns[column.ColumnName] = exact(column.Value);
  }
  return columns;
}

function exact(value: unknown): unknown {
  if (typeof value !== 'bigint') return value;
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value.toString();
}

function safeJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}
