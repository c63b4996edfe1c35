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
// A 400 ms socket timeout per PutRow. The SDK retries PutRow only when Tablestore says it is busy or
// throttled, never after a timeout or network error (its retry_util.js): an unreachable store becomes a
// 503 well inside DingTalk's 1500 ms, and DingTalk retries the push.
const writerFor = eventWriterForInvocation(process.env, 400);

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
