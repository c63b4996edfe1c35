import type { TablestoreSettings } from '../startup/config';
import type { TablestoreCredentials } from './tablestore-client';

/** What Function Compute passes as `context` (the parts used here). */
export interface FcContext {
  requestId?: string;
  credentials?: { accessKeyId: string; accessKeySecret: string; securityToken?: string };
  /** The function's settings; `timeout` in seconds. */
  function?: { name?: string; timeout?: number };
}

/**
 * Milliseconds left in an invocation that started at `startMs`: FC reports the function's timeout,
 * not a remaining time, so it is counted from the start. `fallbackSeconds` when the context has none.
 */
export function remainingMsFor(
  context: FcContext | undefined,
  startMs: number,
  fallbackSeconds: number,
  now: () => number = Date.now,
): () => number {
  const timeoutMs = (context?.function?.timeout ?? fallbackSeconds) * 1000;
  return () => startMs + timeoutMs - now();
}

/**
 * One Tablestore client per credential set: FC hands every invocation the role's temporary (STS)
 * credentials, which rotate; configured keys (CLI, tests) are used when the context has none.
 * `build` makes the client (the SDK's, or the callback's own PutRow) for a credential set.
 */
export function perCredentials<T>(
  settings: TablestoreSettings,
  build: (credentials: TablestoreCredentials) => T,
): (context: FcContext | undefined) => T {
  let cached: { key: string; client: T } | undefined;
  return (context) => {
    const credentials = context?.credentials?.accessKeyId ? context.credentials : settings.credentials;
    if (!credentials)
      throw new Error('no Tablestore credentials: neither the FC context nor TABLESTORE_ACCESS_KEY_*');
    const key = `${credentials.accessKeyId}\n${'securityToken' in credentials ? credentials.securityToken : ''}`;
    if (cached?.key !== key) cached = { key, client: build(credentials) };
    return cached.client;
  };
}
