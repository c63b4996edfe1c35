/**
 * DingTalk's JSON carries 64-bit integers (task ids such as 90071992547409931) that JSON.parse would
 * round to doubles. Every payload text in this project is read through {@link parseExactJson}, and
 * written back byte for byte from the text DingTalk sent, never from a parsed copy.
 */

/** Integer literals this long may exceed 2^53 (9007199254740991 has 16 digits). */
const LONG_DIGIT_RUN = /\d{16}/;

/**
 * JSON.parse, except that integers beyond ±2^53 become their exact decimal strings:
 * `{"taskId":90071992547409931}` → `{ taskId: "90071992547409931" }`. Safe integers stay numbers.
 */
export function parseExactJson(text: string): unknown {
  return JSON.parse(LONG_DIGIT_RUN.test(text) ? quoteUnsafeIntegers(text) : text);
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
