import { Decoder } from 'cbor-x';
import type { StoredEvent } from './event-store';
import { storedEventFrom } from './event-store';
import type { Logger } from './logger';

/**
 * The Tablestore trigger's payload (CBOR, platform notes): `{Version:"Sync-v1", Records:[{Type,
 * Info:{Timestamp}, PrimaryKey:[{ColumnName,Value}], Columns:[{Type,ColumnName,Value,Timestamp}]}]}`.
 * 64-bit integers decode as bigint and stay exact; safe ones become numbers.
 */
const decoder = new Decoder({ mapsAsObjects: true, useRecords: false });

export interface TablestoreStreamRecord {
  Type: 'PutRow' | 'UpdateRow' | 'DeleteRow' | string;
  Info?: { Timestamp?: number | bigint };
  PrimaryKey: Array<{ ColumnName: string; Value: unknown }>;
  Columns?: Array<{ Type?: string; ColumnName: string; Value?: unknown; Timestamp?: number | bigint }>;
}

export function decodeTablestoreTrigger(payload: Buffer | Uint8Array): TablestoreStreamRecord[] {
  const decoded = decoder.decode(payload) as { Version?: string; Records?: TablestoreStreamRecord[] };
  if (!decoded || !Array.isArray(decoded.Records)) throw new Error('not a Tablestore trigger payload');
  return decoded.Records;
}

/** A record's columns by name; bigint within ±2^53 as number, beyond it as its exact decimal string. */
export function recordColumns(record: TablestoreStreamRecord): Record<string, unknown> {
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

/** An events-table row from the trigger as the StoredEvent it holds; undefined if it is not one. */
export function storedEventFromRecord(record: TablestoreStreamRecord): StoredEvent | undefined {
  return record.Type === 'PutRow' ? storedEventFrom(recordColumns(record)) : undefined;
}

/** Where records that cannot be processed are set aside, with the reason (never the triggering table). */
export interface ParkingStore {
  park(entry: {
    eventId: string;
    eventType: string;
    reason: string;
    record: string;
    attempts: number;
  }): Promise<void>;
}

export interface StreamBatchReport {
  processed: number;
  parked: number;
  skipped: number;
}

export interface StreamBatchDependencies {
  process: (event: StoredEvent) => Promise<void>;
  parking: ParkingStore;
  logger: Logger;
  /** Tries per record inside one invocation before it is parked. */
  attempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Processes one trigger invocation. The trigger retries a failed invocation until the stream log
 * expires and has no dead-letter queue, so one bad record must not fail the batch: each record gets a
 * few tries, then is parked with its reason and the batch goes on. Only a failure to park fails the
 * invocation (then the whole batch is retried; processing is idempotent).
 */
export async function processStreamBatch(
  records: readonly TablestoreStreamRecord[],
  deps: StreamBatchDependencies,
): Promise<StreamBatchReport> {
  const attempts = deps.attempts ?? 3;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const report: StreamBatchReport = { processed: 0, parked: 0, skipped: 0 };
  for (const record of records) {
    let event: StoredEvent | undefined;
    try {
      event = storedEventFromRecord(record);
    } catch {
      event = undefined;
    }
    if (record.Type !== 'PutRow') {
      report.skipped++;
      continue;
    }
    if (!event) {
      await deps.parking.park({
        eventId: String(recordColumns(record).eventId ?? 'unknown'),
        eventType: 'unknown',
        reason: 'not an events-table row (missing eventId, eventType, receivedAt, ownerKey or payload)',
        record: safeJson(record),
        attempts: 0,
      });
      report.parked++;
      continue;
    }
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await deps.process(event);
        lastError = undefined;
        break;
      } catch (error) {
        lastError = error;
        if (attempt < attempts) await sleep(200 * 2 ** (attempt - 1));
      }
    }
    if (lastError === undefined) {
      report.processed++;
      continue;
    }
    const reason = lastError instanceof Error ? `${lastError.name}: ${lastError.message}` : String(lastError);
    await deps.parking.park({
      eventId: event.eventId,
      eventType: event.eventType,
      reason,
      record: safeJson(record),
      attempts,
    });
    deps.logger.error('event parked after repeated failures', {
      eventType: event.eventType,
      eventId: event.eventId,
      outcome: 'parked',
      reason,
    });
    report.parked++;
  }
  return report;
}

function safeJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}
