import { Logger } from '@aws-lambda-powertools/logger';
import type { FcContext } from '../../lib/aliyun/fc-context';
import { eventWriterForInvocation } from '../../lib/aliyun/fc-event-writer';
import type { FcHttpResponse } from '../../lib/aliyun/fc-http-event';
import { callbackRequestFromFcEvent, fcHttpResponse } from '../../lib/aliyun/fc-http-event';
import { createIngest, errorResponse } from '../../lib/core/ingest';
import { DingTalkCrypto } from '../../lib/dingtalk/callback-crypto';
import { BadRequestError } from '../../lib/dingtalk/callback-errors';
import { loadIngestConfig } from '../../lib/startup/config';

// What answering needs is loaded once per instance; a configuration error names the variable.
const config = loadIngestConfig(process.env);
const logger = new Logger({ serviceName: 'dingtalk-callback' });
const crypto = new DingTalkCrypto(config.dingtalk);
// Each PutRow attempt gets 400 ms, the whole write 1000 ms: one retry after a timeout, a reset
// connection or a busy answer fits, and an unreachable store still becomes a 503 inside DingTalk's
// 1500 ms, so DingTalk retries the push.
const writerFor = eventWriterForInvocation(process.env, { attemptTimeoutMs: 400, deadlineMs: 1000 });

/** API Gateway → FC, or the FC 3.0 HTTP trigger: POST /dingtalk. */
export async function handler(event: Buffer, context?: FcContext): Promise<FcHttpResponse> {
  const request = callbackRequestFromFcEvent(event);
  if (!request) return fcHttpResponse(errorResponse(new BadRequestError('not an HTTP event'), logger));
  const ingest = createIngest({
    crypto,
    store: writerFor(context),
    logger,
    now: Date.now,
    maxBodyBytes: config.maxBodyBytes,
  });
  return fcHttpResponse(await ingest(request));
}
