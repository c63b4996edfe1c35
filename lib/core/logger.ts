/**
 * What lib needs from a logger. Powertools' Logger satisfies it in the cloud; tests pass a recorder.
 * Attributes must never hold secrets or decrypted payloads (payloads only at debug level).
 */
export interface Logger {
  debug(message: string, attributes: Record<string, unknown>): void;
  info(message: string, attributes: Record<string, unknown>): void;
  warn(message: string, attributes: Record<string, unknown>): void;
  error(message: string, attributes: Record<string, unknown>): void;
}

/**
 * What logs may say about a failure: its name and message, no stack. SDK messages carry no secrets or
 * payloads, but JSON parse errors quote the text they could not read (`Unexpected token 's', "secret
 * remark" is not valid JSON`), which may be a decrypted payload: their message is withheld.
 */
export function errorSummary(error: unknown): { name: string; message: string } {
  if (!(error instanceof Error)) return { name: 'NonError', message: 'a non-Error value was thrown' };
  if (error instanceof SyntaxError) return { name: error.name, message: 'invalid JSON (text withheld)' };
  return { name: error.name, message: error.message };
}
