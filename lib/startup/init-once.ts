/**
 * A function's cold-start work (read secrets, build clients), started at once — in Lambda's init phase —
 * and shared by every invocation once it succeeds. A failure is not kept: the next invocation starts it
 * again, so a transient error (an SSM timeout) does not poison the container for its whole life.
 */
export function initOnce<T>(init: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  const start = () => {
    const attempt = init();
    pending = attempt;
    // Reported by the invocation that awaits it, not as an unhandled rejection during init.
    attempt.catch(() => {
      if (pending === attempt) pending = undefined;
    });
    return attempt;
  };
  start();
  return () => pending ?? start();
}
