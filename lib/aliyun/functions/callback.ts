import { AsyncLocalStorage } from 'node:async_hooks';
import { BadRequestError } from '../../dingtalk/callback-errors';
import type { CallbackRequest, CallbackResponse } from '../../core/ingest';
import { createIngest, errorResponse } from '../../core/ingest';
import type { EventWriter } from '../../core/stored-event';
import { DingTalkCrypto } from '../../dingtalk/callback-crypto';
import { createLogger } from '../../startup/logger';
import type { Env } from '../../startup/settings';
import { loadAliyunCallbackSettings, loadAliyunEventTableSettings } from '../aliyun-settings';
import type { FcContext } from '../fc-context';
import { perCredentials } from '../fc-context';
import { TablestoreEventWriter } from '../tablestore-event-writer';
import { TablestorePutRow } from '../tablestore-put-row';

/**
 * Each PutRow attempt gets 400 ms, the whole write 1000 ms: one retry after a timeout, a reset
 * connection or a busy answer fits, and an unreachable store still becomes a 503 inside DingTalk's
 * 1500 ms, so DingTalk retries the push.
 */
const WRITE_LIMITS = { attemptTimeoutMs: 400, deadlineMs: 1000 };

/**
 * The Alibaba callback, built once per instance: what answering needs is loaded at once (a configuration
 * error names the variable); the store is configured on first use, since a check_url needs none, and a
 * store that cannot be built (configuration, credentials) fails the put, which the ingest answers with 503
 * so DingTalk retries. The writer follows each invocation's rotating STS credentials, carried to it by
 * AsyncLocalStorage, so concurrent invocations of one instance never share a credential by accident.
 */
export function aliyunCallback(
  env: Env,
): (request: CallbackRequest | undefined, context?: FcContext) => Promise<CallbackResponse> {
  const settings = loadAliyunCallbackSettings(env);
  const logger = createLogger();
  const invocation = new AsyncLocalStorage<FcContext | undefined>();
  let writerFor: ((context: FcContext | undefined) => EventWriter) | undefined;
  const store: EventWriter = {
    async put(event) {
      writerFor ??= (() => {
        const { tablestore, eventsTable } = loadAliyunEventTableSettings(env);
        return perCredentials(
          tablestore.credentials,
          (credentials) =>
            new TablestoreEventWriter(
              new TablestorePutRow({
                endpoint: tablestore.endpoint,
                instance: tablestore.instance,
                credentials,
                ...WRITE_LIMITS,
              }),
              eventsTable,
            ),
        );
      })();
      return writerFor(invocation.getStore()).put(event);
    },
  };
  const ingest = createIngest({
    crypto: new DingTalkCrypto(settings.dingtalk),
    store,
    logger,
    now: Date.now,
    maxBodyBytes: settings.maxBodyBytes,
  });
  return async (request, context) => {
    if (!request) return errorResponse(new BadRequestError('not an HTTP event'), logger);
    return invocation.run(context, () => ingest(request));
  };
}
