/** An access key pair; Function Compute's are temporary (STS) and carry a security token. */
export interface AliyunCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  /** STS token: Function Compute's `context.credentials.securityToken`. */
  securityToken?: string;
}

/** What Function Compute passes as `context` (the parts used here). */
export interface FcContext {
  requestId?: string;
  credentials?: AliyunCredentials;
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
 * What is built from one credential set, kept while the set lasts: FC hands every invocation the role's
 * temporary (STS) credentials, which rotate; `configured` keys (CLI, tests) are used when the context has
 * none. `build` makes the clients (the SDK's, or the callback's own PutRow) and what uses them.
 */
export function perCredentials<T>(
  configured: AliyunCredentials | undefined,
  build: (credentials: AliyunCredentials) => T,
): (context: FcContext | undefined) => T {
  let cached: { key: string; client: T } | undefined;
  return (context) => {
    const credentials = context?.credentials?.accessKeyId ? context.credentials : configured;
    if (!credentials)
      throw new Error('no Tablestore credentials: neither the FC context nor TABLESTORE_ACCESS_KEY_*');
    const key = `${credentials.accessKeyId}\n${'securityToken' in credentials ? credentials.securityToken : ''}`;
    if (cached?.key !== key) cached = { key, client: build(credentials) };
    return cached.client;
  };
}
