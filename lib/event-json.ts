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
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (inString) {
      out += char;
      if (char === '\\') out += text[++i] ?? '';
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
      out += char;
    } else if (char !== ' ' && char !== '\n' && char !== '\r' && char !== '\t') {
      out += char;
    }
  }
  return out;
}

/**
 * Turns integer literals beyond 2^53 into JSON strings (outside strings, leaving the rest byte for
 * byte), so a JSON.parse that follows keeps every digit: `{"taskId":90071992547409931}` →
 * `{"taskId":"90071992547409931"}`.
 */
export function quoteUnsafeIntegers(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (inString) {
      out += char;
      if (char === '\\') out += text[++i] ?? '';
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
      out += char;
    } else if (char === '-' || (char >= '0' && char <= '9')) {
      let end = i + 1;
      while (end < text.length && /[0-9.eE+-]/.test(text[end] as string)) end++;
      const literal = text.slice(i, end);
      const unsafe = /^-?\d+$/.test(literal) && !Number.isSafeInteger(Number(literal));
      out += unsafe ? `"${literal}"` : literal;
      i = end - 1;
    } else {
      out += char;
    }
  }
  return out;
}
