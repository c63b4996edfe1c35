import { DEFAULT_APP_ID, DingTalkApps } from '../dingtalk/apps';
import type { DingTalkCrypto } from '../dingtalk/callback-crypto';
import { BadRequestError, CallbackError } from '../dingtalk/callback-errors';
import { MethodNotAllowedError, PayloadTooLargeError, StoreUnavailableError } from './endpoint-errors';
import type { EventWriter, PutOutcome } from './stored-event';
import { storedEventOf } from './stored-event';
import { CREDENTIAL_EVENT_TYPES, parseEvent, syncHttpItems } from '../dingtalk/event-payload';
import type { OwnFailureMemory } from './failed-list-asking';
import type { Logger } from './logger';
import { errorSummary } from './logger';

/** DingTalk's answer deadline (docs/dingtalk-protocol.md): an answer later than this is a failed push. */
export const DINGTALK_ANSWER_DEADLINE_MS = 1500;

/** A callback request as any provider delivers it, already unwrapped from the provider's event. */
export interface CallbackRequest {
  method: string;
  query: Readonly<Record<string, string | undefined>>;
  /** The app the path names (`/dingtalk/{app}`); absent on `/dingtalk`, where the signature finds it. */
  appId?: string;
  /** The raw body bytes (or text). */
  body: Buffer | string | undefined;
}

export interface CallbackResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

interface IngestParts {
  store: EventWriter;
  logger: Logger;
  /** Epoch milliseconds. */
  now: () => number;
  maxBodyBytes: number;
  /**
   * Remembers pushes DingTalk will count as failed (our 5xx, an answer after its deadline), so the
   * scheduled recovery asks DingTalk's failed list only when there is reason to (failed-list-asking.ts).
   */
  failures?: OwnFailureMemory;
}

/** The apps it serves (DINGTALK_APPS), or one app's crypto: the single app, `default`. */
export type IngestDependencies = IngestParts & ({ apps: DingTalkApps } | { crypto: DingTalkCrypto });

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

/**
 * The ingest use case: verify → decrypt → store idempotently → encrypted `success`.
 * `success` is only ever sent after the store confirmed the write (or that it already had it).
 */
export function createIngest(
  deps: IngestDependencies,
): (request: CallbackRequest) => Promise<CallbackResponse> {
  const { store, logger, now, maxBodyBytes, failures } = deps;
  const apps = 'apps' in deps ? deps.apps : DingTalkApps.single(deps.crypto);

  async function accept(request: CallbackRequest): Promise<CallbackResponse> {
    if (request.method.toUpperCase() !== 'POST') throw new MethodNotAllowedError();
    const body = request.body ?? '';
    const bodyBytes = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length;
    if (bodyBytes > maxBodyBytes) throw new PayloadTooLargeError(`body exceeds ${maxBodyBytes} bytes`);

    // DingTalk's docs name them signature/timestamp; the official libraries also send msg_signature/timeStamp.
    const signature = request.query.signature ?? request.query.msg_signature;
    const timestamp = request.query.timestamp ?? request.query.timeStamp;
    const nonce = request.query.nonce;
    if (!signature || !timestamp || !nonce) {
      throw new BadRequestError('query must carry signature, timestamp and nonce');
    }
    const encrypt = readEncrypt(body);
    const { message, ownerKey, app, crypto } = apps.open(request.appId, signature, timestamp, nonce, encrypt);
    const event = parseEvent(message, app.id);
    const context = {
      eventType: event.eventType,
      eventId: event.eventId,
      ownerKey,
      // The single app's lines are as they were before apps were listed.
      ...(app.id === DEFAULT_APP_ID ? {} : { appId: app.id }),
    };
    // A SyncHTTP batch (ISV suites) is one event per item, all stored before the one `success`.
    const events = syncHttpItems(event, app.id) ?? [event];

    if (!event.isControl) {
      const receivedAtMs = now();
      let outcomes: PutOutcome[];
      try {
        outcomes = await Promise.all(
          events.map((item) => store.put(storedEventOf(item, { receivedAtMs, ownerKey, appId: app.id }))),
        );
      } catch (cause) {
        logger.error('store failed', { ...context, outcome: 'store_failed', error: errorSummary(cause) });
        failures?.seen(now());
        throw new StoreUnavailableError({ cause });
      }
      if (events.length === 1 && events[0] === event) {
        logger.info('event accepted', { ...context, outcome: outcomes[0] });
      } else {
        events.forEach((item, index) =>
          logger.info('event accepted', {
            ...context,
            eventType: item.eventType,
            eventId: item.eventId,
            batch: event.eventType,
            outcome: outcomes[index],
          }),
        );
      }
      // The store works now: the moment to write down a failure remembered from earlier.
      await failures?.flush();
    } else {
      logger.info('control event answered', { ...context, outcome: 'control' });
    }
    // A suite ticket is a credential: its payload is never logged, at any level.
    if (!events.some((item) => CREDENTIAL_EVENT_TYPES.has(item.eventType))) {
      logger.debug('event payload', { ...context, payload: event.plaintext });
    }

    const reply = crypto.reply('success', ownerKey, String(now()));
    return { statusCode: 200, headers: JSON_HEADERS, body: JSON.stringify(reply) };
  }

  return async function ingest(request) {
    const startedAt = now();
    let response: CallbackResponse;
    try {
      response = await accept(request);
    } catch (error) {
      response = errorResponse(error, logger);
      if (response.statusCode >= 500) failures?.seen(now());
    }
    // Answered, but later than DingTalk waits: it counts the push as failed and may list it.
    if (response.statusCode === 200 && now() - startedAt > DINGTALK_ANSWER_DEADLINE_MS) {
      failures?.seen(now());
      await failures?.flush();
    }
    return response;
  };
}

function readEncrypt(body: Buffer | string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch (cause) {
    throw new BadRequestError('body is not JSON', { cause });
  }
  const encrypt = (parsed as { encrypt?: unknown } | null)?.encrypt;
  if (typeof encrypt !== 'string' || encrypt.length === 0) {
    throw new BadRequestError('body must be {"encrypt": "<base64>"}');
  }
  return encrypt;
}

/** The one mapping from errors to HTTP: only client faults expose their reason. */
export function errorResponse(error: unknown, logger: Logger): CallbackResponse {
  if (error instanceof CallbackError) {
    if (error.statusCode < 500)
      logger.warn('request rejected', { status: error.statusCode, reason: error.reason });
    const headers: Record<string, string> =
      error.statusCode === 405 ? { ...JSON_HEADERS, allow: 'POST' } : JSON_HEADERS;
    return { statusCode: error.statusCode, headers, body: JSON.stringify({ error: error.reason }) };
  }
  logger.error('unexpected failure', { error: errorSummary(error) });
  return { statusCode: 500, headers: JSON_HEADERS, body: JSON.stringify({ error: 'internal error' }) };
}
