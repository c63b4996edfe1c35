import { createStreamModeIngest } from '../lib/core/stream-mode-ingest';
import { DingTalkStreamClient } from '../lib/dingtalk/stream-client';
import { createLogger } from '../lib/startup/logger';
import { loadStreamModeSettings } from '../lib/startup/settings';
import { errorSummary } from '../lib/core/logger';
import { cliEventStore } from './cli-config';
import { writeStreamHealth } from './stream-health';

export interface StreamOptions {
  /** Stop after this many seconds (smoke tests); run until a signal otherwise. */
  onceSeconds?: number;
  /**
   * Whether `npm start`'s local table may be used when no table is configured: the CLI yes, the
   * container image no (it refuses to start instead of writing to a development table).
   */
  localStore?: boolean;
}

/**
 * `stream`: DingTalk Stream Mode into the events table, for as long as it runs. Each event is stored
 * through the same idempotent put and identity rule as a push, then acknowledged `SUCCESS` (`LATER`
 * when the store failed). SIGINT/SIGTERM stop it cleanly: no new connection, in-flight writes
 * finished and acknowledged, sockets closed.
 */
export async function stream(options: StreamOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const settings = loadStreamModeSettings(env);
  const logger = createLogger({ logLevel: env.LOG_LEVEL === 'DEBUG' ? 'DEBUG' : 'INFO' });
  const { store, close } = cliEventStore(env, { local: options.localStore ?? true });
  const writeHealth = () => {
    if (!settings.healthFile) return;
    try {
      writeStreamHealth(settings.healthFile, {
        connected: client.connected,
        lastFrameAt: client.lastFrameAt,
        connectedAt: client.connectedAt,
        reconnects: client.reconnects,
        writtenAt: Date.now(),
      });
    } catch (error) {
      logger.warn('stream health file could not be written', { error: errorSummary(error) });
    }
  };
  const client: DingTalkStreamClient = new DingTalkStreamClient({
    clientId: settings.appKey,
    clientSecret: settings.appSecret,
    ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}),
    userAgent: 'dingtalk-callback/stream',
    onEvent: createStreamModeIngest({ store, logger, appKey: settings.appKey, now: Date.now }),
    onStatus: (status, details) => {
      logger.info(`stream ${status}`, { ...details, reconnects: client.reconnects, outcome: status });
      writeHealth();
    },
    ...(settings.backoffMs === undefined ? {} : { backoffMs: settings.backoffMs }),
    ...(settings.heartbeatMs === undefined ? {} : { heartbeatMs: settings.heartbeatMs }),
    ...(settings.idleMs === undefined ? {} : { idleMs: settings.idleMs }),
    ...(settings.proxy ? { proxy: settings.proxy } : {}),
  });
  client.start();
  writeHealth();
  const healthTimer = setInterval(writeHealth, settings.heartbeatMs ?? 10_000);
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
    if (options.onceSeconds !== undefined)
      setTimeout(() => resolve('time is up'), options.onceSeconds * 1000);
  });
  logger.info('stream stopping', { reason: signal, outcome: 'stopping' });
  clearInterval(healthTimer);
  await client.stop();
  writeHealth();
  close();
  logger.info('stream stopped', {
    connections: client.connections,
    reconnects: client.reconnects,
    outcome: 'stopped',
  });
  return 0;
}
