import { expiresAtSeconds } from '../core/retention';

/**
 * DynamoDB's time to live, as serverless.aws.yml enables it on every table that grows: the attribute
 * holds epoch seconds; DynamoDB deletes the item some time after (typically within two days), and until
 * then the item can still be read, so readers pass expired items by ({@link isExpired}). Deletions
 * reach the table's stream as REMOVE records, which the consumer never takes (it filters on INSERT).
 */
export const TTL_ATTRIBUTE = 'ttl';

/** `item` with its expiry `days` after `fromMs`; as it was when the data is kept forever (0 days). */
export function withTtl<T extends object>(item: T, fromMs: number, days: number): T {
  const ttl = expiresAtSeconds(fromMs, days);
  return ttl === undefined ? item : { ...item, [TTL_ATTRIBUTE]: ttl };
}

/** True once the item's time to live has passed (DynamoDB may not have deleted it yet). */
export function isExpired(item: Record<string, unknown>, nowMs: number): boolean {
  const ttl = item[TTL_ATTRIBUTE];
  return typeof ttl === 'number' && ttl * 1000 <= nowMs;
}

/** The item without its time to live, as the stores' records are read back. */
export function withoutTtl<T extends Record<string, unknown>>(item: T): Omit<T, 'ttl'> {
  const { [TTL_ATTRIBUTE]: _ttl, ...rest } = item;
  return rest;
}
