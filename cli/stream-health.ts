import { readFileSync, renameSync, writeFileSync } from 'node:fs';

/**
 * The Stream Mode connector's health, for a container health check (ECS, SAE, Docker HEALTHCHECK): the
 * connector rewrites a small JSON file as its state changes and on every heartbeat; the check reads it.
 * Healthy means connected, and a frame (a ping, an event) or the connection itself younger than the
 * allowed age: a process that is up but stuck, or a socket that went quiet, fails the check.
 */
export interface StreamHealth {
  connected: boolean;
  /** Epoch ms of the last frame of any kind (0: none yet). */
  lastFrameAt: number;
  /** Epoch ms the current connection opened (0: none). */
  connectedAt: number;
  reconnects: number;
  /** Epoch ms this file was written. */
  writtenAt: number;
  /** With DINGTALK_APPS: each app's connection (the fields above are their worst case). */
  apps?: Record<string, Omit<StreamHealth, 'writtenAt' | 'apps'>>;
}

export function writeStreamHealth(file: string, health: StreamHealth): void {
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, JSON.stringify(health));
  renameSync(temporary, file); // a reader never sees half a file
}

/** 0 when healthy, 1 otherwise; the reason on stderr. */
export function checkStreamHealth(file: string, maxAgeMs: number, now = Date.now()): number {
  let health: StreamHealth;
  try {
    health = JSON.parse(readFileSync(file, 'utf8')) as StreamHealth;
  } catch {
    console.error(`unhealthy: no health file at ${file}`);
    return 1;
  }
  const problem = !health.connected
    ? 'not connected'
    : now - health.writtenAt > maxAgeMs
      ? `the connector has not written its state for ${now - health.writtenAt} ms`
      : now - Math.max(health.lastFrameAt, health.connectedAt) > maxAgeMs
        ? `no frame for ${now - Math.max(health.lastFrameAt, health.connectedAt)} ms`
        : undefined;
  if (problem) {
    const down = Object.entries(health.apps ?? {})
      .filter(([, app]) => !app.connected)
      .map(([id]) => id);
    const apps = down.length > 0 ? `; apps not connected: ${down.join(', ')}` : '';
    console.error(`unhealthy: ${problem} (reconnects: ${health.reconnects}${apps})`);
    return 1;
  }
  console.log(`healthy (reconnects: ${health.reconnects})`);
  return 0;
}
