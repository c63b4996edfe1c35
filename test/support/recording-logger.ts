import type { Logger } from '../../lib/core/logger';

/** Collects log records as the JSON lines a structured logger would write. */
export class RecordingLogger implements Logger {
  readonly records: { level: string; message: string; attributes: Record<string, unknown> }[] = [];

  debug(message: string, attributes: Record<string, unknown>): void {
    this.records.push({ level: 'debug', message, attributes });
  }
  info(message: string, attributes: Record<string, unknown>): void {
    this.records.push({ level: 'info', message, attributes });
  }
  warn(message: string, attributes: Record<string, unknown>): void {
    this.records.push({ level: 'warn', message, attributes });
  }
  error(message: string, attributes: Record<string, unknown>): void {
    this.records.push({ level: 'error', message, attributes });
  }

  /** Everything logged at info level and above, serialised. */
  text(minimum: 'debug' | 'info' = 'info'): string {
    return this.records
      .filter((record) => minimum === 'debug' || record.level !== 'debug')
      .map((record) => JSON.stringify(record))
      .join('\n');
  }
}
