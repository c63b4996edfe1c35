/**
 * DingTalk Stream Mode, the application's side (open-dingtalk developerpedia `docs/learn/stream/
 * protocol.md`; docs/dingtalk-protocol.md §9): a ticket from `POST {base}/v1.0/gateway/connections/open`,
 * then one WebSocket `endpoint?ticket=…` whose frames are JSON `{specVersion, type, headers, data}`.
 */

import type { ProxySettings } from './proxy';
import { proxyFor } from './proxy';

export const DEFAULT_STREAM_API_BASE = 'https://api.dingtalk.com';

export type StreamAck = 'SUCCESS' | 'LATER';

export interface StreamFrame {
  specVersion?: string;
  /** SYSTEM (ping, disconnect), EVENT (business events), CALLBACK (robot messages; not handled here). */
  type: string;
  headers: Record<string, string | undefined>;
  /** A JSON text: for EVENT frames, the event's own fields. */
  data: string;
}

export class StreamGatewayError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'StreamGatewayError';
  }
}

/** A frame from the socket, or undefined when it is not one (ignored, never fatal). */
export function parseFrame(text: string): StreamFrame | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const frame = value as Partial<StreamFrame> | null;
  if (
    !frame ||
    typeof frame.type !== 'string' ||
    typeof frame.headers !== 'object' ||
    frame.headers === null
  ) {
    return undefined;
  }
  return {
    ...frame,
    type: frame.type,
    headers: frame.headers,
    data: typeof frame.data === 'string' ? frame.data : '',
  };
}

/** The acknowledgement of an EVENT frame: `SUCCESS` once stored, `LATER` to have it redelivered. */
export function ackFrame(messageId: string, status: StreamAck): string {
  return JSON.stringify({
    code: 200,
    headers: { contentType: 'application/json', messageId },
    message: 'OK',
    data: JSON.stringify({ status }),
  });
}

/** The answer to a SYSTEM `ping`: the same headers and data back. */
export function pingReply(frame: StreamFrame): string {
  return JSON.stringify({ code: 200, headers: frame.headers, message: 'OK', data: frame.data });
}

async function proxiedFetch(proxy: string): Promise<typeof fetch> {
  const { fetch: undiciFetch, ProxyAgent } = await import('undici');
  const dispatcher = new ProxyAgent(proxy);
  return ((input: string, init: RequestInit) =>
    undiciFetch(input, { ...(init as object), dispatcher } as never)) as unknown as typeof fetch;
}

/** Asks the gateway for a connection: `{endpoint, ticket}`; one ticket opens one connection (~90 s). */
export async function openStreamConnection(options: {
  baseUrl?: string;
  clientId: string;
  clientSecret: string;
  userAgent: string;
  timeoutMs?: number;
  proxy?: ProxySettings;
}): Promise<{ endpoint: string; ticket: string }> {
  const url = `${(options.baseUrl ?? DEFAULT_STREAM_API_BASE).replace(/\/+$/, '')}/v1.0/gateway/connections/open`;
  const proxy = proxyFor(url, options.proxy);
  let response: Response;
  try {
    // Through a proxy: undici's own fetch with its ProxyAgent (a CONNECT tunnel), loaded only then.
    const send = proxy ? await proxiedFetch(proxy) : fetch;
    response = await send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        clientId: options.clientId,
        clientSecret: options.clientSecret,
        subscriptions: [{ type: 'EVENT', topic: '*' }],
        ua: options.userAgent,
      }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      redirect: 'error',
    });
  } catch (cause) {
    throw new StreamGatewayError(
      `connections/open: no answer (${cause instanceof Error ? cause.name : 'error'})`,
    );
  }
  const text = await response.text();
  if (!response.ok) {
    // The gateway's own message names the problem (e.g. a wrong client secret); never the secret itself.
    throw new StreamGatewayError(
      `connections/open answered HTTP ${response.status}: ${text.slice(0, 200)}`,
      response.status,
    );
  }
  let body: { endpoint?: unknown; ticket?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new StreamGatewayError('connections/open answered something that is not JSON', response.status);
  }
  if (
    typeof body.endpoint !== 'string' ||
    typeof body.ticket !== 'string' ||
    !body.endpoint ||
    !body.ticket
  ) {
    throw new StreamGatewayError('connections/open answered without endpoint and ticket', response.status);
  }
  return { endpoint: body.endpoint, ticket: body.ticket };
}
