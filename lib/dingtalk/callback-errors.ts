/**
 * What is wrong with a DingTalk message (its shape, signature, owner key), each carrying the HTTP status
 * it maps to. Client faults (< 500) expose their short reason. The endpoint's own errors (method, size,
 * our store) are in core/endpoint-errors.ts.
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
