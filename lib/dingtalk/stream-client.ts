import { HttpsProxyAgent } from 'https-proxy-agent';
import WebSocket from 'ws';
import type { ProxySettings } from './proxy';
import { proxyFor } from './proxy';
import type { StreamAck, StreamFrame } from './stream-protocol';
import { ackFrame, openStreamConnection, parseFrame, pingReply } from './stream-protocol';

/**
 * One long-running Stream Mode connection to DingTalk, kept up: a fresh ticket for every connection;
 * on a `disconnect` notice, and when no frame at all has come for `idleMs` (a zombie socket that still
 * answers pings), a new connection is opened before the old one closes; a closed socket, a missed
 * heartbeat (WebSocket ping without pong) or a handshake that does not complete in `handshakeTimeoutMs`
 * reconnects with exponential backoff and jitter, reset only once a connection has stayed up for
 * `stableMs`, never a storm. Each EVENT frame is handed to `onEvent`, and acknowledged with what it
 * returns — so the caller decides when `SUCCESS` is said (after the durable write) and when `LATER`
 * (redeliver).
 */
export interface StreamClientOptions {
  clientId: string;
  clientSecret: string;
  /** Default https://api.dingtalk.com; a stand-in on loopback in tests. */
  baseUrl?: string;
  userAgent: string;
  onEvent: (frame: StreamFrame) => Promise<StreamAck>;
  /** Connection lifecycle, for the logs (no payloads). */
  onStatus?: (status: string, details: Record<string, unknown>) => void;
  /** First reconnect delay; doubles per failure up to `maxBackoffMs`, each delay jittered by ±50 %. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** WebSocket ping interval; no pong by the next ping means the connection is dead. */
  heartbeatMs?: number;
  /** The WebSocket upgrade must complete within this (default 10 s). */
  handshakeTimeoutMs?: number;
  /** No frame of any kind for this long means a dead connection: replace it (default 3 min). */
  idleMs?: number;
  /** A connection up this long resets the backoff (default 60 s). */
  stableMs?: number;
  random?: () => number;
  /** HTTPS_PROXY / HTTP_PROXY / NO_PROXY: the open call and the WebSocket go through it (a CONNECT tunnel). */
  proxy?: ProxySettings;
}

export class DingTalkStreamClient {
  private stopped = false;
  private failures = 0;
  private readonly sockets = new Set<WebSocket>();
  private readonly inFlight = new Set<Promise<void>>();
  private reconnectTimer: NodeJS.Timeout | undefined;
  private connecting: Promise<void> | undefined;
  /** How many connections were opened (tests and logs). */
  connections = 0;
  /** How many times a connection had to be replaced (logs). */
  reconnects = 0;
  /** When the last frame of any kind arrived (epoch ms; 0: none yet): the container's health check. */
  lastFrameAt = 0;
  /** When the newest connection opened (epoch ms; 0: none yet). */
  connectedAt = 0;

  /** Whether a connection is open now. */
  get connected(): boolean {
    return this.sockets.size > 0;
  }

  constructor(private readonly options: StreamClientOptions) {}

  start(): void {
    void this.connect();
  }

  /** Stops reconnecting, waits for the events being stored, then closes the sockets. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    // A connection being made now is closed as soon as it opens (open() checks `stopped`).
    await this.connecting;
    await Promise.allSettled([...this.inFlight]);
    for (const socket of this.sockets) socket.close(1000, 'client stopping');
    await Promise.all(
      [...this.sockets].map(
        (socket) =>
          new Promise<void>((resolve) => {
            if (socket.readyState === WebSocket.CLOSED) return resolve();
            const timer = setTimeout(() => {
              socket.terminate();
              resolve();
            }, 2_000);
            socket.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
          }),
      ),
    );
  }

  private status(status: string, details: Record<string, unknown> = {}): void {
    this.options.onStatus?.(status, details);
  }

  private connect(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.connecting ??= this.makeConnection().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async makeConnection(): Promise<void> {
    try {
      const { endpoint, ticket } = await openStreamConnection({
        ...(this.options.baseUrl ? { baseUrl: this.options.baseUrl } : {}),
        clientId: this.options.clientId,
        clientSecret: this.options.clientSecret,
        userAgent: this.options.userAgent,
        ...(this.options.proxy ? { proxy: this.options.proxy } : {}),
      });
      if (this.stopped) return;
      const url = new URL(endpoint);
      url.searchParams.set('ticket', ticket);
      await this.open(url);
    } catch (error) {
      this.failures++;
      this.status('connect_failed', {
        attempt: this.failures,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      this.scheduleReconnect();
    }
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    const base = this.options.backoffMs ?? 1_000;
    const cap = this.options.maxBackoffMs ?? 60_000;
    const exponential = Math.min(cap, base * 2 ** Math.max(0, this.failures - 1));
    const delay = Math.round(exponential * (0.5 + (this.options.random ?? Math.random)() * 0.5));
    this.reconnects++;
    this.status('reconnect_scheduled', {
      delayMs: delay,
      failures: this.failures,
      reconnects: this.reconnects,
    });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, delay);
  }

  private open(url: URL): Promise<void> {
    return new Promise((resolve, reject) => {
      const proxy = proxyFor(url, this.options.proxy);
      const socket = new WebSocket(url, {
        handshakeTimeout: this.options.handshakeTimeoutMs ?? 10_000,
        ...(proxy ? { agent: new HttpsProxyAgent(proxy) } : {}),
      });
      let opened = false;
      let alive = true;
      let replacing = false;
      let lastFrame = Date.now();
      let heartbeat: NodeJS.Timeout | undefined;
      let stable: NodeJS.Timeout | undefined;
      socket.on('open', () => {
        opened = true;
        if (this.stopped) {
          socket.close(1000, 'client stopping');
          resolve();
          return;
        }
        this.connections++;
        this.connectedAt = Date.now();
        this.sockets.add(socket);
        this.status('connected', { connection: this.connections, reconnects: this.reconnects });
        // Backoff starts over only for a connection that stays up: one dropped at once keeps it growing.
        stable = setTimeout(() => (this.failures = 0), this.options.stableMs ?? 60_000);
        heartbeat = setInterval(() => {
          if (!alive) {
            this.status('heartbeat_missed', {});
            socket.terminate();
            return;
          }
          if (!replacing && Date.now() - lastFrame > (this.options.idleMs ?? 180_000)) {
            // No ping, no event: replace it like a disconnect notice, the new connection first.
            replacing = true;
            this.status('idle_reconnect', { idleMs: Date.now() - lastFrame });
            void this.connect().finally(() => socket.terminate());
            return;
          }
          alive = false;
          socket.ping();
        }, this.options.heartbeatMs ?? 10_000);
        resolve();
      });
      socket.on('pong', () => (alive = true));
      socket.on('message', (data) => {
        lastFrame = Date.now();
        this.lastFrameAt = lastFrame;
        this.onMessage(socket, data.toString());
      });
      socket.on('error', (error) => {
        if (!opened) reject(error);
      });
      socket.on('close', (code) => {
        clearInterval(heartbeat);
        clearTimeout(stable);
        const current = this.sockets.delete(socket) && this.sockets.size === 0;
        if (!opened) return;
        this.status('closed', { code });
        // Only the last open socket going away needs a new one (a `disconnect` already opened it).
        if (current && !this.stopped) {
          this.failures++;
          this.scheduleReconnect();
        }
      });
    });
  }

  private onMessage(socket: WebSocket, text: string): void {
    const frame = parseFrame(text);
    if (!frame) return;
    if (frame.type === 'SYSTEM') {
      if (frame.headers.topic === 'ping') socket.send(pingReply(frame));
      else if (frame.headers.topic === 'disconnect') {
        // The server closes this socket in about 10 s: have the next connection up before that.
        this.status('disconnect_notice', {});
        this.reconnects++;
        void this.connect();
      }
      return;
    }
    if (frame.type !== 'EVENT') return;
    const messageId = frame.headers.messageId;
    const handled = this.options
      .onEvent(frame)
      .catch((): StreamAck => 'LATER')
      .then((ack) => {
        if (messageId && socket.readyState === WebSocket.OPEN) socket.send(ackFrame(messageId, ack));
      });
    this.inFlight.add(handled);
    void handled.finally(() => this.inFlight.delete(handled));
  }
}
