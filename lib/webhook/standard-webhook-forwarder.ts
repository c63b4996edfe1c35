import { Webhook } from 'standardwebhooks';
import type { DeliveryAttempt, EventForwarder } from '../core/forwarding';
import { storedEventToJson } from '../core/stored-event';
import { WEBHOOK_SECRET_RULE, webhookSigningKey } from './webhook-secret';
import type { StoredEvent } from '../core/stored-event';

/**
 * Forwards stored events to an internal system as Standard Webhooks (standardwebhooks.com), signed by
 * the `standardwebhooks` package itself: `webhook-id` = the event id (receivers dedupe on it),
 * `webhook-timestamp` = seconds, `webhook-signature` = `v1,<base64 HMAC-SHA256>`.
 */
export interface WebhookForwarderOptions {
  url: string;
  /** `whsec_` + base64 of the signing key, as Standard Webhooks libraries generate it. */
  secret: string;
  /** Per attempt: a receiver that hangs costs at most this. */
  timeoutMs: number;
  /** Epoch milliseconds. */
  now?: () => number;
}

export class StandardWebhookForwarder implements EventForwarder {
  readonly #webhook: Webhook;
  readonly destination: string;

  constructor(private readonly options: WebhookForwarderOptions) {
    if (!webhookSigningKey(options.secret)) throw new Error(`FORWARD_SECRET must be ${WEBHOOK_SECRET_RULE}`);
    this.#webhook = new Webhook(options.secret);
    this.destination = options.url;
  }

  /** One delivery attempt; never throws: the outcome says what the receiver (or the network) did. */
  async forward(event: StoredEvent): Promise<DeliveryAttempt> {
    const body = storedEventToJson(event);
    const sentAt = new Date((this.options.now ?? Date.now)());
    try {
      const response = await fetch(this.options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': event.eventId,
          'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
          'webhook-signature': this.#webhook.sign(event.eventId, sentAt, body),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      await response.body?.cancel();
      return { ok: response.status >= 200 && response.status <= 299, status: String(response.status) };
    } catch (error) {
      // TimeoutError, TypeError (refused, reset): the name only, never a URL with credentials in it.
      return { ok: false, status: error instanceof Error ? error.name : 'Error' };
    }
  }
}
