/**
 * The small coercions every reader of DingTalk payloads needs, in one place: DingTalk sends the same
 * field as a number in one event shape and as a string in another (docs/dingtalk-protocol.md §6).
 */

/** A non-empty string, or a finite number as its decimal text; otherwise undefined. */
export function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * An instant as epoch milliseconds. DingTalk sends numbers or numeric strings, in milliseconds
 * (13 digits) or seconds (10 digits or fewer, as some legacy samples do).
 */
export function epochMillis(value: unknown): number | undefined {
  const digits = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (!/^\d{1,16}$/.test(digits)) return undefined;
  const number = Number(digits);
  return digits.length <= 10 ? number * 1000 : number;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
