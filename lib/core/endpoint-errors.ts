import { CallbackError } from '../dingtalk/callback-errors';

/**
 * The callback endpoint's own HTTP errors, beside the message errors DingTalk's protocol defines
 * (dingtalk/callback-errors.ts); `errorResponse` in ingest.ts is the one mapping of both to HTTP.
 */

export class MethodNotAllowedError extends CallbackError {
  constructor(reason = 'method not allowed, use POST') {
    super(405, reason);
  }
}

export class PayloadTooLargeError extends CallbackError {
  constructor(reason = 'body too large') {
    super(413, reason);
  }
}

/** Our own failure to store: 503, so DingTalk retries the push. */
export class StoreUnavailableError extends CallbackError {
  constructor(options?: ErrorOptions) {
    super(503, 'event store unavailable, retry later', options);
  }
}
