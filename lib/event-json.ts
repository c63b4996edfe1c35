import type { StoredEvent } from './event-store';

/**
 * The JSON form of a stored event, shared by `events --json` and webhook forwarding: one line, with
 * `payload` being the decrypted event object spliced in from the stored text, so 64-bit integers keep
 * every digit (JSON.parse would round them to doubles).
 */
export function storedEventToJson(event: StoredEvent): string {
  const { payload, ...envelope } = event;
  const head = JSON.stringify(envelope);
  return `${head.slice(0, -1)},"payload":${compactJson(payload)}}`;
}

/** Removes the whitespace between JSON tokens, leaving strings and numbers byte for byte. */
export function compactJson(text: string): string {
  return mapOutsideStrings(text, (code) => code.replace(/[ \n\r\t]+/g, ''));
}

/**
 * Turns integer literals beyond 2^53 into JSON strings (outside strings, leaving the rest byte for
 * byte), so a JSON.parse that follows keeps every digit: `{"taskId":90071992547409931}` →
 * `{"taskId":"90071992547409931"}`.
 */
export function quoteUnsafeIntegers(text: string): string {
  return mapOutsideStrings(text, (code) =>
    code.replace(/-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g, (literal) =>
      /^-?\d+$/.test(literal) && !Number.isSafeInteger(Number(literal)) ? `"${literal}"` : literal,
    ),
  );
}

/** Applies `map` to the parts of a JSON text outside string literals; string literals pass unchanged. */
function mapOutsideStrings(text: string, map: (code: string) => string): string {
  let out = '';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '"') continue;
    out += map(text.slice(start, i));
    let end = i + 1;
    while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
    out += text.slice(i, end + 1);
    i = end;
    start = end + 1;
  }
  return out + map(text.slice(start));
}
