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

/** What logs may say about a failure: its name and message (SDK messages carry no secrets or payloads); no stack. */
export function errorSummary(error: unknown): { name: string; message: string } {
  return error instanceof Error
    ? { name: error.name, message: error.message }
    : { name: 'NonError', message: String(error) };
}
