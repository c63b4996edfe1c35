import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventItems } from '../lib/aws/events-table-item';
import { storedEventOf } from '../lib/core/stored-event';
import { parseEvent } from '../lib/dingtalk/event-payload';

/**
 * Bytes one event takes in the events table and its indexes, by DynamoDB's documented item-size rule
 * (DynamoDB Local reports every index at the table's full size, so this is computed, not measured):
 * an item is the sum of its attribute names' and values' lengths (strings: UTF-8 bytes; numbers:
 * about one byte per two significant digits plus one; binary: bytes); an index entry holds its own key
 * attributes, the table's key and what it projects, plus 100 bytes of overhead.
 */
export interface StoragePerEvent {
  /** The sample: a `bpms_instance_change` finish as DingTalk pushes it. */
  itemBytes: number;
  /** Table and three indexes projecting ALL (byTypeAndTime, byMonthAndTime, byProcessInstance): before. */
  projectAllBytes: number;
  /** Table and the two indexes the template keeps now (byProcessInstance, read by nothing, removed). */
  currentBytes: number;
  /** Table and two indexes projecting keys only (not built: see docs/performance.md). */
  keysOnlyBytes: number;
}

const INDEX_OVERHEAD_BYTES = 100;
const INDEX_KEYS = [
  ['eventType', 'receivedAt'],
  ['receivedMonth', 'receivedAt'],
  ['processInstanceId', 'receivedAt'],
];
const CURRENT_INDEXES = 2;

function valueBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number')
    return Math.ceil(String(Math.abs(value)).replace(/[.-]/g, '').length / 2) + 1;
  if (value instanceof Uint8Array) return value.length;
  return 0;
}

function attributesBytes(item: Record<string, unknown>, names?: readonly string[]): number {
  let total = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value === undefined || (names && !names.includes(name))) continue;
    total += Buffer.byteLength(name, 'utf8') + valueBytes(value);
  }
  return total;
}

export function storagePerEvent(): { storagePerEvent: StoragePerEvent } {
  const plaintext = readFileSync(
    join(__dirname, '..', 'examples', 'events', 'bpms_instance_change.finish.shape-a.json'),
    'utf8',
  );
  const event = storedEventOf(parseEvent(plaintext), { receivedAtMs: Date.now(), ownerKey: 'dingcorp' });
  const { item } = eventItems(event, 90);
  const record = item as unknown as Record<string, unknown>;
  const itemBytes = attributesBytes(record);
  const entries = INDEX_KEYS.filter((keys) => keys.every((key) => record[key] !== undefined));
  const projectAllBytes = itemBytes + entries.length * (itemBytes + INDEX_OVERHEAD_BYTES);
  const currentBytes = itemBytes + CURRENT_INDEXES * (itemBytes + INDEX_OVERHEAD_BYTES);
  const keysOnlyBytes =
    itemBytes +
    entries
      .slice(0, CURRENT_INDEXES)
      .reduce((sum, keys) => sum + attributesBytes(record, [...keys, 'eventId']) + INDEX_OVERHEAD_BYTES, 0);
  return { storagePerEvent: { itemBytes, projectAllBytes, currentBytes, keysOnlyBytes } };
}
