/**
 * Typed failures of a callback request, each carrying the HTTP status it maps to. Client faults (< 500)
 * expose their short reason; our own faults (>= 500, StoreUnavailableError in core/ingest.ts) make
 * DingTalk retry.
 */
export class CallbackError extends Error {
  constructor(
    readonly statusCode: number,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(reason, options);
    this.name = new.target.name;
  }
}

export class BadRequestError extends CallbackError {
  constructor(reason: string, options?: ErrorOptions) {
    super(400, reason, options);
  }
}

export class SignatureMismatchError extends CallbackError {
  constructor(reason = 'signature mismatch') {
    super(401, reason);
  }
}

export class OwnerKeyMismatchError extends CallbackError {
  constructor(reason = 'owner key not allowed') {
    super(403, reason);
  }
}

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
