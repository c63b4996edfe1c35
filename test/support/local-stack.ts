import type { LocalStack } from '../../local-dev/local-stack';
import { startLocalStack } from '../../local-dev/local-stack';

export * from '../../local-dev/local-stack';

let shared: Promise<LocalStack> | undefined;

/** One stack shared by every integration and end-to-end test file of a run. */
export function sharedLocalStack(): Promise<LocalStack> {
  shared ??= startLocalStack();
  return shared;
}

export async function mochaGlobalTeardown(): Promise<void> {
  if (shared) await (await shared).stop();
}
