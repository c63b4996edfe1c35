import { Logger } from '@aws-lambda-powertools/logger';
import type { Logger as LoggerPort } from '../core/logger';

/**
 * The one logger construction: structured JSON lines (Powertools Logger, on both clouds and in the CLI),
 * with the level from POWERTOOLS_LOG_LEVEL as the functions are deployed, or `logLevel` when a caller
 * decides (the Stream Mode connector follows LOG_LEVEL). Built once per container or process.
 */
export function createLogger(options: { logLevel?: 'DEBUG' | 'INFO' } = {}): Logger {
  return new Logger({
    serviceName: 'dingtalk-callback',
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
  });
}

/**
 * The CLI's logger: the same JSON lines the functions write (level, message, timestamp, service, the
 * attributes), on stderr, so what an operator's command did (a replay's `delivery_failed`, say) is
 * logged as the functions log it while stdout keeps the command's own output (`--json`).
 */
export function createCliLogger(
  options: { write?: (line: string) => void; debug?: boolean } = {},
): LoggerPort {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const line = (level: string) => (message: string, attributes: Record<string, unknown>) =>
    write(
      JSON.stringify({
        level,
        message,
        timestamp: new Date().toISOString(),
        service: 'dingtalk-callback',
        ...attributes,
      }),
    );
  return {
    debug: options.debug ? line('DEBUG') : () => undefined,
    info: line('INFO'),
    warn: line('WARN'),
    error: line('ERROR'),
  };
}
