import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type WebSocket from 'ws';

/**
 * A LOOPBACK STAND-IN for DingTalk's Stream Mode gateway (DingTalk's servers cannot run here), speaking
 * its protocol (docs/dingtalk-protocol.md §9): `POST /v1.0/gateway/connections/open` checks the client id
 * and secret and hands out a one-use ticket (90 s), and the WebSocket at `/connect?ticket=…` sends
 * SYSTEM and EVENT frames and collects the acknowledgements. Tests drive it; it can also run by hand.
 */
export interface StreamAckRecord {
  messageId: string;
  status: string;
  at: number;
}

export class DingTalkStreamStandIn {
  /** Every connections/open call, refused or not (timestamps). */
  readonly opens: number[] = [];
  readonly acks: StreamAckRecord[] = [];
  readonly pings: Array<{ data: string }> = [];
  /** How many upcoming connections/open calls to refuse with HTTP 503. */
  refuseOpens = 0;
  /** Accept the TCP connection of a WebSocket upgrade and never answer it (a handshake that hangs). */
  hangUpgrades = false;
  /** Close every accepted connection after this many ms (a gateway that accepts and drops at once). */
  dropAfterMs: number | undefined;
  private server: Server | undefined;
  /** When each WebSocket connection was accepted, and when each closed (ms). */
  readonly connectedAt: number[] = [];
  readonly closedAt: number[] = [];
  private readonly wss: WebSocketServer;
  private readonly tickets = new Map<string, { expires: number; clientId: string }>();
  private readonly sockets: WebSocket[] = [];
  /** The app (clientId) each connection was opened for. */
  private readonly socketApps = new WeakMap<WebSocket, string>();
  private readonly apps: ReadonlyArray<{ clientId: string; clientSecret: string }>;
  private readonly waiting = new Map<string, (ack: StreamAckRecord) => void>();
  private readonly hanging: Array<{ destroy(): void }> = [];

  /**
   * One app, or several (each connection belongs to the app whose credentials opened it).
   * `answerHeartbeats: false` leaves the client's WebSocket pings unanswered (a dead link).
   */
  constructor(
    app:
      { clientId: string; clientSecret: string } | ReadonlyArray<{ clientId: string; clientSecret: string }>,
    options: { answerHeartbeats?: boolean } = {},
  ) {
    this.apps = Array.isArray(app) ? app : [app as { clientId: string; clientSecret: string }];
    this.wss = new WebSocketServer({ noServer: true, autoPong: options.answerHeartbeats ?? true });
  }

  get baseUrl(): string {
    const address = this.server?.address() as AddressInfo | null;
    if (!address) throw new Error('stand-in not started');
    return `http://127.0.0.1:${address.port}`;
  }

  /** The connections open now, newest last. */
  get openSockets(): WebSocket[] {
    return this.sockets.filter((socket) => socket.readyState === socket.OPEN);
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((request, response) => {
      void this.handleHttp(request).then(({ status, body }) => {
        response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });
    });
    this.server.on('upgrade', (request, socket, head) => {
      if (this.hangUpgrades) {
        this.hanging.push(socket);
        return;
      }
      const url = new URL(request.url ?? '/', 'http://stand-in');
      const ticket = url.searchParams.get('ticket') ?? '';
      const issued = this.tickets.get(ticket);
      this.tickets.delete(ticket); // one ticket, one connection
      if (url.pathname !== '/connect' || issued === undefined || issued.expires < Date.now()) {
        socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(request, socket, head, (ws) => {
        this.socketApps.set(ws, issued.clientId);
        this.accept(ws);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.hanging) socket.destroy();
    for (const socket of this.sockets) socket.terminate();
    this.wss.close();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The open connections of one app (clientId), newest last. */
  socketsOf(clientId: string): WebSocket[] {
    return this.openSockets.filter((socket) => this.socketApps.get(socket) === clientId);
  }

  /**
   * Sends an EVENT frame on the newest connection (of `clientId`'s app when given); resolves with its
   * acknowledgement (or rejects after `timeoutMs`).
   */
  sendEvent(
    event: { eventId: string; eventType: string; data: string; corpId?: string; bornTime?: number },
    timeoutMs = 10_000,
    clientId?: string,
  ): Promise<StreamAckRecord> {
    const socket = (clientId === undefined ? this.openSockets : this.socketsOf(clientId)).at(-1);
    if (!socket) return Promise.reject(new Error('no open connection'));
    const messageId = `msg-${randomUUID()}`;
    const acked = new Promise<StreamAckRecord>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(messageId);
        reject(new Error(`no acknowledgement for ${event.eventId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(messageId, (ack) => {
        clearTimeout(timer);
        resolve(ack);
      });
    });
    socket.send(
      JSON.stringify({
        specVersion: '1.0',
        type: 'EVENT',
        headers: {
          appId: 'stand-in-app',
          connectionId: 'stand-in',
          contentType: 'application/json',
          messageId,
          time: String(Date.now()),
          topic: '*',
          eventId: event.eventId,
          eventType: event.eventType,
          eventBornTime: String(event.bornTime ?? Date.now()),
          eventCorpId: event.corpId ?? 'dingdevcorp',
          eventUnifiedAppId: 'stand-in-unified-app',
        },
        data: event.data,
      }),
    );
    return acked;
  }

  /** A SYSTEM ping; resolves with the data the client echoed. */
  ping(data = JSON.stringify({ opaque: randomUUID() }), timeoutMs = 5_000): Promise<string> {
    const socket = this.openSockets.at(-1);
    if (!socket) return Promise.reject(new Error('no open connection'));
    const before = this.pings.length;
    socket.send(
      JSON.stringify({
        specVersion: '1.0',
        type: 'SYSTEM',
        headers: {
          contentType: 'application/json',
          messageId: `ping-${randomUUID()}`,
          time: String(Date.now()),
          topic: 'ping',
        },
        data,
      }),
    );
    return new Promise((resolve, reject) => {
      const deadline = Date.now() + timeoutMs;
      const poll = setInterval(() => {
        if (this.pings.length > before) {
          clearInterval(poll);
          resolve(this.pings.at(-1)!.data);
        } else if (Date.now() > deadline) {
          clearInterval(poll);
          reject(new Error('ping not answered'));
        }
      }, 20);
    });
  }

  /** A SYSTEM disconnect notice on the newest connection, then closes it after `closeAfterMs` (DingTalk: ~10 s). */
  disconnect(closeAfterMs = 1_000): void {
    const socket = this.openSockets.at(-1);
    if (!socket) return;
    socket.send(
      JSON.stringify({
        specVersion: '1.0',
        type: 'SYSTEM',
        headers: {
          contentType: 'application/json',
          messageId: `dc-${randomUUID()}`,
          time: String(Date.now()),
          topic: 'disconnect',
        },
        data: JSON.stringify({ reason: 'persistent connection is timeout' }),
      }),
    );
    setTimeout(() => socket.close(1000, 'disconnect'), closeAfterMs);
  }

  private accept(ws: WebSocket): void {
    this.sockets.push(ws);
    this.connectedAt.push(Date.now());
    if (this.dropAfterMs !== undefined) setTimeout(() => ws.terminate(), this.dropAfterMs);
    ws.on('close', () => this.closedAt.push(Date.now()));
    ws.on('message', (raw) => {
      let reply: { headers?: { messageId?: string; topic?: string }; data?: string };
      try {
        reply = JSON.parse(raw.toString()) as typeof reply;
      } catch {
        return;
      }
      if (reply.headers?.topic === 'ping') {
        this.pings.push({ data: String(reply.data) });
        return;
      }
      const messageId = reply.headers?.messageId;
      if (!messageId) return;
      let status: string;
      try {
        status = String((JSON.parse(String(reply.data)) as { status?: string }).status);
      } catch {
        status = 'unreadable';
      }
      const ack = { messageId, status, at: Date.now() };
      this.acks.push(ack);
      this.waiting.get(messageId)?.(ack);
      this.waiting.delete(messageId);
    });
  }

  private async handleHttp(request: IncomingMessage): Promise<{ status: number; body: unknown }> {
    if (request.method !== 'POST' || request.url !== '/v1.0/gateway/connections/open') {
      return { status: 404, body: { code: 'NotFound', message: 'no such API' } };
    }
    this.opens.push(Date.now());
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    let body: { clientId?: string; clientSecret?: string; subscriptions?: unknown };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
    } catch {
      return { status: 400, body: { code: 'InvalidParameter', message: 'body is not JSON' } };
    }
    if (this.refuseOpens > 0) {
      this.refuseOpens--;
      return { status: 503, body: { code: 'ServiceUnavailable', message: 'gateway busy' } };
    }
    const app = this.apps.find((candidate) => candidate.clientId === body.clientId);
    if (!app || body.clientSecret !== app.clientSecret) {
      return {
        status: 401,
        body: { code: 'InvalidAuthentication', message: 'clientId or clientSecret is wrong' },
      };
    }
    if (!Array.isArray(body.subscriptions) || body.subscriptions.length === 0) {
      return { status: 400, body: { code: 'InvalidParameter', message: 'subscriptions is required' } };
    }
    const ticket = randomUUID();
    this.tickets.set(ticket, { expires: Date.now() + 90_000, clientId: app.clientId });
    return {
      status: 200,
      body: { endpoint: `ws://127.0.0.1:${(this.server!.address() as AddressInfo).port}/connect`, ticket },
    };
  }
}
