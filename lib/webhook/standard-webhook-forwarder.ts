import { createHmac } from 'node:crypto';
import { storedEventToJson } from '../core/stored-event';
import type { StoredEvent } from '../core/stored-event';

/**
 * Forwards stored events to an internal system as Standard Webhooks (standardwebhooks.com):
 * `webhook-id` = the event id (receivers dedupe on it), `webhook-timestamp` = seconds,
 * `webhook-signature` = `v1,` + base64(HMAC-SHA256(secret, `${id}.${timestamp}.${body}`)).
 */
export interface WebhookForwarderOptions {
  url: string;
  /** `whsec_` + base64 of the signing key, as Standard Webhooks libraries generate it. */
  secret: string;
  timeoutMs: number;
  /** Epoch milliseconds. */
  now?: () => number;
}

export class WebhookDeliveryError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WebhookDeliveryError';
  }
}

export class StandardWebhookForwarder {
  readonly #key: Buffer;

  constructor(private readonly options: WebhookForwarderOptions) {
    this.#key = parseWebhookSecret(options.secret);
  }

  /** Resolves on a 2xx answer; anything else (status, timeout, refused) throws so the stream retries. */
  async forward(event: StoredEvent): Promise<void> {
    const body = storedEventToJson(event);
    const timestamp = String(Math.floor((this.options.now ?? Date.now)() / 1000));
    let response: Response;
    try {
      response = await fetch(this.options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': event.eventId,
          'webhook-timestamp': timestamp,
          'webhook-signature': this.sign(event.eventId, timestamp, body),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (cause) {
      throw new WebhookDeliveryError(`forwarding failed: ${cause instanceof Error ? cause.name : 'error'}`, {
        cause,
      });
    }
    await response.body?.cancel();
    if (response.status < 200 || response.status > 299) {
      throw new WebhookDeliveryError(`forwarding answered HTTP ${response.status}`);
    }
  }

  sign(id: string, timestamp: string, body: string): string {
    return `v1,${createHmac('sha256', this.#key).update(`${id}.${timestamp}.${body}`, 'utf8').digest('base64')}`;
  }
}

export function parseWebhookSecret(secret: string): Buffer {
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(secret);
  const key = match ? Buffer.from(match[1]!, 'base64') : Buffer.alloc(0);
  if (key.length < 24)
    throw new Error('FORWARD_SECRET must be whsec_ followed by base64 of at least 24 bytes');
  return key;
}
