/**
 * DingTalk's JSON carries 64-bit integers (task ids such as 90071992547409931) that JSON.parse would
 * round to doubles. Every payload text in this project is read through {@link parseExactJson}, and
 * written back byte for byte from the text DingTalk sent, never from a parsed copy.
 */

/**
 * JSON.parse, except that integers beyond ±2^53 become their exact decimal strings:
 * `{"taskId":90071992547409931}` → `{ taskId: "90071992547409931" }`. Safe integers stay numbers.
 * The text is parsed once; only when that shows an integer past 2^53 (every such literal parses to one)
 * is it read again with those literals quoted — a scan of the text costs as much as the parse itself.
 */
export function parseExactJson(text: string): unknown {
  const value: unknown = JSON.parse(text);
  return hasUnsafeInteger(value) ? JSON.parse(quoteUnsafeIntegers(text)) : value;
}

function hasUnsafeInteger(value: unknown): boolean {
  if (typeof value === 'number') return value > Number.MAX_SAFE_INTEGER || value < Number.MIN_SAFE_INTEGER;
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) {
    for (const member of value) if (hasUnsafeInteger(member)) return true;
    return false;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) if (hasUnsafeInteger(record[key])) return true;
  return false;
}

/** Removes the whitespace between JSON tokens, leaving strings and numbers byte for byte. */
export function compactJson(text: string): string {
  return mapOutsideStrings(text, (code) => code.replace(/[ \n\r\t]+/g, ''));
}

/**
 * Turns integer literals beyond 2^53 into JSON strings (outside strings, leaving the rest byte for
 * byte), so a JSON.parse that follows keeps every digit.
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

/**
 * The texts of the elements of the array under `key` in a JSON object's top level, each byte for byte
 * as written (a SyncHTTP batch's `bizData` items become one stored event each). Undefined when the text
 * has no such array. The text must already have parsed as JSON: this only finds boundaries.
 */
export function topLevelArrayElements(text: string, key: string): string[] | undefined {
  let depth = 0;
  let lastString: string | undefined;
  let collecting = false;
  let elementStart = -1;
  const elements: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (collecting && depth === 2 && elementStart < 0) elementStart = i;
      if (depth === 1) lastString = JSON.parse(text.slice(i, end + 1)) as string;
      i = end;
      continue;
    }
    if (/\s/.test(char)) continue;
    if (collecting && depth === 2 && elementStart < 0 && char !== ',' && char !== ']') elementStart = i;
    if (char === '{' || char === '[') {
      if (depth === 1 && char === '[' && lastString === key) collecting = true;
      depth++;
    } else if (char === '}' || char === ']') {
      if (collecting && depth === 2) {
        if (elementStart >= 0) elements.push(text.slice(elementStart, i).trimEnd());
        return elements;
      }
      depth--;
    } else if (char === ',') {
      if (collecting && depth === 2) {
        elements.push(text.slice(elementStart, i).trimEnd());
        elementStart = -1;
      }
      if (depth === 1) lastString = undefined;
    }
  }
  return undefined;
}
