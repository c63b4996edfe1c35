import { Logger } from '@aws-lambda-powertools/logger';
import { callbackRequestFromFcEvent, fcHttpResponse } from '../../lib/aliyun-http';
import type { FcHttpResponse } from '../../lib/aliyun-http';
import type { Client } from 'tablestore';
import { loadEventsTable, loadIngestConfig, loadTablestoreSettings } from '../../lib/config';
import { DingTalkCrypto } from '../../lib/dingtalk-crypto';
import { BadRequestError } from '../../lib/errors';
import { createIngest, errorResponse } from '../../lib/ingest';
import { TablestoreEventStore } from '../../lib/tablestore-event-store';
import type { FcContext } from './context';
import { tablestoreClientFor } from './context';

// What answering needs is loaded once per instance; a configuration error names the variable.
const config = loadIngestConfig(process.env);
const logger = new Logger({ serviceName: 'dingtalk-callback' });
const crypto = new DingTalkCrypto(config.dingtalk);

// The store is configured on first use: a check_url needs none, and a store that cannot be built
// (configuration, credentials) fails the put, which the ingest answers with 503 so DingTalk retries.
let storeSettings:
  { eventsTable: string; tablestore: (context: FcContext | undefined) => Client } | undefined;
let current: { client: Client; store: TablestoreEventStore } | undefined;

function eventStoreFor(context: FcContext | undefined): TablestoreEventStore {
  storeSettings ??= {
    eventsTable: loadEventsTable(process.env),
    // 400 ms per attempt and one retry (the SDK waits 100-500 ms before it): an outage becomes a 503 in
    // about 1.3 s at worst, inside DingTalk's 1500 ms, so DingTalk retries rather than times out.
    tablestore: tablestoreClientFor(loadTablestoreSettings(process.env), 400),
  };
  const client = storeSettings.tablestore(context);
  if (current?.client !== client)
    current = { client, store: new TablestoreEventStore(client, storeSettings.eventsTable) };
  return current.store;
}

/** API Gateway → FC, or the FC 3.0 HTTP trigger: POST /dingtalk. */
export async function handler(event: Buffer, context?: FcContext): Promise<FcHttpResponse> {
  const request = callbackRequestFromFcEvent(event);
  if (!request) return fcHttpResponse(errorResponse(new BadRequestError('not an HTTP event'), logger));
  const ingest = createIngest({
    crypto,
    // Per invocation: the store follows this invocation's (rotating) credentials.
    store: { put: (event) => eventStoreFor(context).put(event) },
    logger,
    now: Date.now,
    maxBodyBytes: config.maxBodyBytes,
  });
  return fcHttpResponse(await ingest(request));
}
