import { Logger } from '@aws-lambda-powertools/logger';

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
