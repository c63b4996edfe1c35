import { Logger } from '@aws-lambda-powertools/logger';
import { callbackRequestFromFcEvent, fcHttpResponse } from '../../lib/aliyun-http';
import type { FcHttpResponse } from '../../lib/aliyun-http';
import { loadCallbackConfig, loadTablestoreSettings } from '../../lib/config';
import { DingTalkCrypto } from '../../lib/dingtalk-crypto';
import { BadRequestError } from '../../lib/errors';
import { createIngest, errorResponse } from '../../lib/ingest';
import { TablestoreEventStore } from '../../lib/tablestore-event-store';
import type { FcContext } from './context';
import { tablestoreClientFor } from './context';

// Built once per instance: configuration errors surface at the first invocation, naming the variable.
const config = loadCallbackConfig(process.env);
// 400 ms per attempt and one retry (the SDK waits 100-500 ms before it): an outage becomes a 503 in
// about 1.3 s at worst, inside DingTalk's 1500 ms, so DingTalk retries rather than times out.
const tablestore = tablestoreClientFor(loadTablestoreSettings(process.env), 400);
const logger = new Logger({ serviceName: 'dingtalk-callback' });
const crypto = new DingTalkCrypto(config.dingtalk);
let current: { client: unknown; ingest: ReturnType<typeof createIngest> } | undefined;

/** The ingest use case over the Tablestore client of the current credentials (rebuilt when they rotate). */
function ingestFor(context: FcContext | undefined) {
  const client = tablestore(context);
  if (current?.client !== client) {
    current = {
      client,
      ingest: createIngest({
        crypto,
        store: new TablestoreEventStore(client, config.eventsTable),
        logger,
        now: Date.now,
        maxBodyBytes: config.maxBodyBytes,
      }),
    };
  }
  return current.ingest;
}

/** API Gateway → FC, or the FC 3.0 HTTP trigger: POST /dingtalk. */
export async function handler(event: Buffer, context?: FcContext): Promise<FcHttpResponse> {
  const request = callbackRequestFromFcEvent(event);
  if (!request) return fcHttpResponse(errorResponse(new BadRequestError('not an HTTP event'), logger));
  return fcHttpResponse(await ingestFor(context)(request));
}
