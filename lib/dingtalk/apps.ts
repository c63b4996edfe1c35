import { DingTalkCrypto } from './callback-crypto';
import type { DecryptedMessage } from './callback-crypto';
import { CallbackError, SignatureMismatchError } from './callback-errors';

/**
 * The DingTalk apps one deployment serves (DINGTALK_APPS, or the single-app variables as app `default`):
 * internal apps (HTTP push, Stream Mode) and ISV suites (SyncHTTP, Stream Mode), each with its own token,
 * AES key and owner keys. A push is opened with exactly one app's credentials: the app its path names
 * (`/dingtalk/{id}`), or on the shared path the app whose token verifies its signature. Nothing of one app
 * is ever used for another's push.
 */

export type AppKind = 'internal' | 'suite';

/** The app the single-app variables (DINGTALK_TOKEN, DINGTALK_AES_KEY, DINGTALK_OWNER_KEY) describe. */
export const DEFAULT_APP_ID = 'default';

/** Ours, not DingTalk's: a path segment and a key prefix, so letters, digits and `-` only. */
export const APP_ID_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,31})$/;

export interface DingTalkApp {
  id: string;
  kind: AppKind;
  token: string;
  aesKey: string;
  /** The owner keys its pushes carry: an internal app's appKey (or the corpId), a suite's suiteKey. */
  ownerKeys: string[];
  /** An internal app's appKey, a suite's suiteKey: recovery, registration and Stream Mode. */
  appKey?: string;
  appSecret?: string;
  /** Whether the Stream Mode connector opens a connection for it. */
  stream: boolean;
}

/** A push's path named an app this deployment does not serve. */
export class UnknownAppError extends CallbackError {
  constructor() {
    super(404, 'no such app');
  }
}

export interface OpenedPush extends DecryptedMessage {
  app: DingTalkApp;
  crypto: DingTalkCrypto;
}

interface Entry {
  app: DingTalkApp;
  crypto: DingTalkCrypto;
}

export class DingTalkApps {
  readonly #entries: ReadonlyMap<string, Entry>;

  private constructor(entries: readonly Entry[]) {
    if (entries.length === 0) throw new Error('at least one app is required');
    const byId = new Map<string, Entry>();
    for (const entry of entries) {
      if (byId.has(entry.app.id)) throw new Error(`app ${entry.app.id} is listed twice`);
      byId.set(entry.app.id, entry);
    }
    this.#entries = byId;
  }

  static of(apps: readonly DingTalkApp[]): DingTalkApps {
    return new DingTalkApps(apps.map((app) => ({ app, crypto: new DingTalkCrypto(app) })));
  }

  /** One app, `default`, from its crypto alone: a single-app ingest (tests, benchmarks). */
  static single(crypto: DingTalkCrypto): DingTalkApps {
    const app: DingTalkApp = {
      id: DEFAULT_APP_ID,
      kind: 'internal',
      token: '',
      aesKey: '',
      ownerKeys: [],
      stream: false,
    };
    return new DingTalkApps([{ app, crypto }]);
  }

  /**
   * Verifies and decrypts a push. With `appId` (the path's app) only that app's credentials are tried: a
   * push signed for another app fails its signature. Without, the apps whose token verifies the signature
   * are tried in turn (apps may share a token; the AES key and owner key then decide); none: 401.
   */
  open(
    appId: string | undefined,
    signature: string,
    timestamp: string,
    nonce: string,
    encrypt: string,
  ): OpenedPush {
    if (appId !== undefined) {
      const entry = this.#entries.get(appId);
      if (!entry) throw new UnknownAppError();
      entry.crypto.verifySignature(signature, timestamp, nonce, encrypt);
      return { ...entry.crypto.decrypt(encrypt), ...entry };
    }
    let firstError: unknown;
    for (const entry of this.#entries.values()) {
      try {
        entry.crypto.verifySignature(signature, timestamp, nonce, encrypt);
      } catch (error) {
        firstError ??= error;
        continue;
      }
      try {
        return { ...entry.crypto.decrypt(encrypt), ...entry };
      } catch (error) {
        // A signature that verifies outranks one that does not: report the decryption's reason.
        if (!(firstError instanceof CallbackError) || firstError instanceof SignatureMismatchError)
          firstError = error;
      }
    }
    throw firstError ?? new SignatureMismatchError();
  }
}
