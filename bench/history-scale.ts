import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTablestoreClient } from '../lib/aliyun/tablestore-client';
import { TablestoreDeliveryStore } from '../lib/aliyun/tablestore-delivery-store';
import { TablestoreEventStore } from '../lib/aliyun/tablestore-event-store';
import { eventRowColumns } from '../lib/aliyun/tablestore-event-row';
import { createDynamoDbDocumentClient } from '../lib/aws/dynamodb-client';
import { DynamoDbDeliveryStore } from '../lib/aws/dynamodb-delivery-store';
import { DynamoDbEventStore } from '../lib/aws/dynamodb-event-store';
import { eventItems } from '../lib/aws/events-table-item';
import type { Delivery, DeliveryStore } from '../lib/core/forwarding';
import { attemptLease, createForwarding } from '../lib/core/forwarding';
import type { Logger } from '../lib/core/logger';
import type { EventStore, StoredEvent } from '../lib/core/stored-event';
import { StandardWebhookForwarder } from '../lib/webhook/standard-webhook-forwarder';
import { LOCAL_DELIVERIES_TABLE, LOCAL_EVENTS_TABLE } from '../local-dev/dev-credentials';
import { startDynamoDbLocal } from '../local-dev/dynamodb-local';
import { freePort } from '../local-dev/local-stack';
import { printServerlessConfig } from '../local-dev/serverless-config';
import { createDeclaredTables } from '../local-dev/tables';
import { TablestoreWireFake } from '../test/support/tablestore-wire-fake';
import { round } from './measure';

/**
 * What a retry run and `deliveries --status failed --limit 20` cost against a small and a large history
 * (events with delivered records; 10 due, 30 failed), on DynamoDB Local and on the Tablestore wire fake.
 * The history is written by batch writes (BatchWriteItem; the fake's own seeding for Tablestore, whose
 * index entries the store then adds once through BatchWriteRow), not through the HTTP endpoint. Rows read
 * are counted where the store answers: DynamoDB's ScannedCount and items returned, the fake's rows served.
 */
export interface HistoryScaleEntry {
  store: 'dynamodb' | 'tablestore';
  rows: number;
  retryRunMs: number;
  rowsRead: number;
  listFailedMs: number;
  listFailedRowsRead: number;
}

const SIZES = [1_000, 100_000];
const DUE = 10;
const FAILED = 30;
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const SECRET = 'whsec_' + Buffer.from('bench-history-scale-secret').toString('base64');

interface History {
  events: StoredEvent[];
  deliveries: Delivery[];
}

function history(size: number, now: number): History {
  const events: StoredEvent[] = [];
  const deliveries: Delivery[] = [];
  for (let n = 0; n < size; n++) {
    const receivedAt = new Date(now - (size - n) * 60_000).toISOString();
    const eventId = `history-${size}-${String(n).padStart(6, '0')}`;
    events.push({
      eventId,
      eventType: 'bpms_instance_change',
      receivedAt,
      ownerKey: 'dingcorp',
      payload: JSON.stringify({
        EventType: 'bpms_instance_change',
        processInstanceId: `pi-${n}`,
        type: 'start',
      }),
    });
    const due = n >= size - DUE;
    const failed = !due && n % Math.floor(size / FAILED) === 0;
    deliveries.push({
      eventId,
      eventType: 'bpms_instance_change',
      receivedAt,
      status: due ? 'pending' : failed ? 'failed' : 'delivered',
      attempts: due ? 1 : failed ? 8 : 1,
      ...(due ? { nextAttemptAt: new Date(now - 1000).toISOString() } : {}),
      updatedAt: receivedAt,
      revision: 1,
    });
  }
  return { events, deliveries };
}

async function receiver(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(204).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function measure(
  deliveries: DeliveryStore,
  events: EventStore,
  url: string,
  rowsRead: () => number,
): Promise<Omit<HistoryScaleEntry, 'store' | 'rows'>> {
  const forwarding = createForwarding({
    deliveries,
    events,
    forwarder: new StandardWebhookForwarder({
      url,
      secret: SECRET,
      timeoutMs: 3000,
    }),
    schedule: [5000, 300_000],
    attemptLeaseMs: attemptLease(3000),
    logger: silent,
    now: Date.now,
  });
  // Connections and code warm before anything is timed (the first call of a process pays for both).
  await deliveries.get('warm-up');
  await events.get('warm-up');
  let before = rowsRead();
  let started = performance.now();
  const report = await forwarding.retryDue({ remainingMs: () => 60_000, reserveMs: 8000, limit: 500 });
  const retryRunMs = performance.now() - started;
  const retryRows = rowsRead() - before;
  if (report.delivered !== DUE) throw new Error(`retry run delivered ${report.delivered} of ${DUE}`);
  before = rowsRead();
  started = performance.now();
  const failed = await deliveries.list({ status: 'failed', limit: 20 });
  const listFailedMs = performance.now() - started;
  if (failed.length !== 20) throw new Error(`listed ${failed.length} failed deliveries, not 20`);
  return {
    retryRunMs: round(retryRunMs, 1),
    rowsRead: retryRows,
    listFailedMs: round(listFailedMs, 1),
    listFailedRowsRead: rowsRead() - before,
  };
}

/** Counts what DynamoDB read for each call: ScannedCount of queries and scans, items of gets. */
function countReads(client: DynamoDBDocumentClient): () => number {
  let read = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args);
      const output = (result.output ?? {}) as {
        ScannedCount?: number;
        Item?: unknown;
        Responses?: Record<string, unknown[]>;
      };
      if (typeof output.ScannedCount === 'number') read += output.ScannedCount;
      else if (output.Item !== undefined) read += 1;
      else if (output.Responses) for (const items of Object.values(output.Responses)) read += items.length;
      return result;
    },
    { step: 'initialize', name: 'benchCountReads' },
  );
  return () => read;
}

async function batchWrite(client: DynamoDBDocumentClient, table: string, items: object[]): Promise<void> {
  const batches: object[][] = [];
  for (let at = 0; at < items.length; at += 25) batches.push(items.slice(at, at + 25));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      let unprocessed: object[] | undefined = batches[next++];
      while (unprocessed && unprocessed.length > 0) {
        const answer = await client.send(
          new BatchWriteCommand({
            RequestItems: { [table]: unprocessed.map((Item) => ({ PutRequest: { Item } })) },
          }),
        );
        unprocessed = answer.UnprocessedItems?.[table]?.map((request) => request.PutRequest!.Item!);
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

async function dynamoDbScale(url: string): Promise<HistoryScaleEntry[]> {
  const entries: HistoryScaleEntry[] = [];
  for (const size of SIZES) {
    const dynamoDb = await startDynamoDbLocal({ port: await freePort() });
    try {
      const config = await printServerlessConfig('serverless.aws.yml', 'local');
      await createDeclaredTables(dynamoDb.endpoint, config.resources.Resources);
      const client = createDynamoDbDocumentClient({
        region: 'us-east-1',
        endpoint: dynamoDb.endpoint,
        requestTimeoutMs: 30_000,
        maxAttempts: 5,
      });
      const { events, deliveries } = history(size, Date.now());
      await batchWrite(
        client,
        LOCAL_EVENTS_TABLE,
        events.map((event) => eventItems(event, 90).item),
      );
      await batchWrite(client, LOCAL_DELIVERIES_TABLE, deliveries);
      const rowsRead = countReads(client);
      const measured = await measure(
        new DynamoDbDeliveryStore(client, LOCAL_DELIVERIES_TABLE, 90),
        new DynamoDbEventStore(client, LOCAL_EVENTS_TABLE, 90),
        url,
        rowsRead,
      );
      entries.push({ store: 'dynamodb', rows: size, ...measured });
      client.destroy();
    } finally {
      await dynamoDb.stop();
    }
  }
  return entries;
}

async function tablestoreScale(url: string): Promise<HistoryScaleEntry[]> {
  const entries: HistoryScaleEntry[] = [];
  const credentials = { accessKeyId: 'LTAIbench', accessKeySecret: 'bench-secret' };
  for (const size of SIZES) {
    const fake = await new TablestoreWireFake({
      instance: 'bench',
      ...credentials,
      tables: { events: 'eventId', deliveries: 'eventId' },
    }).start();
    try {
      const client = createTablestoreClient({
        endpoint: fake.endpoint,
        instance: 'bench',
        credentials,
        timeoutMs: 30_000,
      });
      const { events, deliveries } = history(size, Date.now());
      // The columns the callback's PutRow writes (tablestore-event-row.ts).
      fake.seed(
        'events',
        events.map((event) => [event.eventId, Object.fromEntries(eventRowColumns(event))]),
      );
      fake.seed(
        'deliveries',
        deliveries.map(({ eventId, ...rest }) => [
          eventId,
          rest as unknown as Record<string, string | number>,
        ]),
      );
      const store = new TablestoreDeliveryStore(client, 'deliveries');
      await store.due(new Date(0).toISOString(), 1); // the one-time index build of a table from before the index
      fake.resetRowsRead();
      const measured = await measure(store, new TablestoreEventStore(client, 'events'), url, () =>
        [...fake.rowsRead.values()].reduce((sum, n) => sum + n, 0),
      );
      entries.push({ store: 'tablestore', rows: size, ...measured });
    } finally {
      await fake.stop();
    }
  }
  return entries;
}

export async function benchHistoryScale(): Promise<{ historyScale: HistoryScaleEntry[] }> {
  const hook = await receiver();
  try {
    return { historyScale: [...(await dynamoDbScale(hook.url)), ...(await tablestoreScale(hook.url))] };
  } finally {
    await hook.close();
  }
}

if (require.main === module) {
  void benchHistoryScale().then((result) => console.log(JSON.stringify(result, null, 2)));
}
