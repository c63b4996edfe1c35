import { createStreamModeIngest } from '../lib/core/stream-mode-ingest';
import { DingTalkStreamClient } from '../lib/dingtalk/stream-client';
import { createLogger } from '../lib/startup/logger';
import { listsApps, readDingTalkApps } from '../lib/startup/app-settings';
import type { StreamConnectionSettings } from '../lib/startup/settings';
import { loadSettings, loadStreamModeSettings, readStreamConnectionSettings } from '../lib/startup/settings';
import { errorSummary } from '../lib/core/logger';
import { cliEventStore } from './cli-config';
import type { StreamHealth } from './stream-health';
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
  const { settings, connections } = streamConnections(env);
  const logger = createLogger({ logLevel: env.LOG_LEVEL === 'DEBUG' ? 'DEBUG' : 'INFO' });
  const { store, close } = cliEventStore(env, { local: options.localStore ?? true });
  const clients: Array<{ appId?: string; client: DingTalkStreamClient }> = [];
  const writeHealth = () => {
    if (!settings.healthFile) return;
    try {
      writeStreamHealth(settings.healthFile, streamHealthOf(clients, Date.now()));
    } catch (error) {
      logger.warn('stream health file could not be written', { error: errorSummary(error) });
    }
  };
  // One connection per app, each reconnecting on its own: one app's bad credentials stop no other.
  for (const connection of connections) {
    const app = connection.appId === undefined ? {} : { appId: connection.appId };
    const client: DingTalkStreamClient = new DingTalkStreamClient({
      clientId: connection.appKey,
      clientSecret: connection.appSecret,
      ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}),
      userAgent: 'dingtalk-callback/stream',
      onEvent: createStreamModeIngest({ store, logger, appKey: connection.appKey, ...app, now: Date.now }),
      onStatus: (status, details) => {
        logger.info(`stream ${status}`, {
          ...details,
          ...app,
          reconnects: client.reconnects,
          outcome: status,
        });
        writeHealth();
      },
      ...(settings.backoffMs === undefined ? {} : { backoffMs: settings.backoffMs }),
      ...(settings.heartbeatMs === undefined ? {} : { heartbeatMs: settings.heartbeatMs }),
      ...(settings.idleMs === undefined ? {} : { idleMs: settings.idleMs }),
      ...(settings.proxy ? { proxy: settings.proxy } : {}),
    });
    clients.push({ ...app, client });
  }
  for (const { client } of clients) client.start();
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
  await Promise.all(clients.map(({ client }) => client.stop()));
  writeHealth();
  close();
  for (const { appId, client } of clients) {
    logger.info('stream stopped', {
      ...(appId === undefined ? {} : { appId }),
      connections: client.connections,
      reconnects: client.reconnects,
      outcome: 'stopped',
    });
  }
  return 0;
}

/**
 * The connections to open: with DINGTALK_APPS one per app marked `"stream": true` (a suite's receives
 * every authorising corp's events); otherwise the single app of DINGTALK_APP_KEY / DINGTALK_APP_SECRET.
 */
function streamConnections(env: NodeJS.ProcessEnv): {
  settings: StreamConnectionSettings;
  connections: Array<{ appId?: string; appKey: string; appSecret: string }>;
} {
  if (!listsApps(env)) {
    const settings = loadStreamModeSettings(env);
    return { settings, connections: [{ appKey: settings.appKey, appSecret: settings.appSecret }] };
  }
  return loadSettings((problems) => {
    const settings = readStreamConnectionSettings(env, problems);
    const apps = readDingTalkApps(env, problems, 'stream').filter((app) => app.stream);
    if (apps.length === 0 && problems.length === 0) {
      problems.push('DINGTALK_APPS lists no app with "stream": true');
    }
    return {
      settings,
      connections: apps.map((app) => ({ appId: app.id, appKey: app.appKey!, appSecret: app.appSecret! })),
    };
  });
}

/**
 * The health of every connection in one file: healthy only when each is connected and each had a frame
 * (or connected) recently, so the check fails when any app's connection is down or quiet.
 */
function streamHealthOf(
  clients: ReadonlyArray<{ appId?: string; client: DingTalkStreamClient }>,
  now: number,
): StreamHealth {
  const each = clients.map(({ appId, client }) => ({
    appId,
    connected: client.connected,
    lastFrameAt: client.lastFrameAt,
    connectedAt: client.connectedAt,
    reconnects: client.reconnects,
  }));
  const health: StreamHealth = {
    connected: each.length > 0 && each.every((one) => one.connected),
    lastFrameAt: Math.min(...each.map((one) => Math.max(one.lastFrameAt, one.connectedAt))),
    connectedAt: Math.min(...each.map((one) => one.connectedAt)),
    reconnects: each.reduce((sum, one) => sum + one.reconnects, 0),
    writtenAt: now,
  };
  if (each.some((one) => one.appId !== undefined)) {
    health.apps = Object.fromEntries(each.map(({ appId, ...one }) => [appId ?? 'default', one]));
  }
  return health;
}
