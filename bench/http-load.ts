import autocannon from 'autocannon';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { DingTalkCrypto, randomNonce } from '../lib/dingtalk/callback-crypto';
import { createDynamoDbDocumentClient } from '../lib/aws/dynamodb-client';
import { parseEvent } from '../lib/dingtalk/event-payload';
import { DEV_DINGTALK_ENV, LOCAL_EVENTS_TABLE } from '../local-dev/dev-credentials';
import { startLocalStack } from '../local-dev/local-stack';
import { round } from './measure';
import { BENCH_OWNER_KEY, approvalEvent } from './payload';

export interface HttpLoadResults {
  httpReqPerSec: number;
  httpP50Ms: number;
  httpP99Ms: number;
  httpConnections: number;
  httpSent: number;
  httpSucceeded: number;
  httpNon2xx: number;
  httpErrors: number;
  /** Events acknowledged with 200 that are not in the table: must be 0. */
  httpLost: number;
  httpStored: number;
}

const REQUESTS = 4000;
const CONNECTIONS = 20;

/**
 * autocannon against `npm start` (sls offline + DynamoDB Local, stream consumer off so only the
 * ingest path is loaded) on loopback: a fixed number of distinct signed events, then every event
 * acknowledged with 200 is looked up in the table.
 */
export async function benchHttpLoad(): Promise<HttpLoadResults> {
  const stack = await startLocalStack({ LOCAL_STREAMS: 'off' });
  try {
    const crypto = new DingTalkCrypto({
      token: DEV_DINGTALK_ENV.DINGTALK_TOKEN,
      aesKey: DEV_DINGTALK_ENV.DINGTALK_AES_KEY,
      ownerKeys: [BENCH_OWNER_KEY],
    });
    const requests = Array.from({ length: REQUESTS }, (_, n) => {
      const plaintext = approvalEvent(100_000 + n);
      const timestamp = String(Date.now());
      const nonce = randomNonce(8);
      const encrypt = crypto.encrypt(plaintext, BENCH_OWNER_KEY);
      const query = new URLSearchParams({
        signature: crypto.signature(timestamp, nonce, encrypt),
        timestamp,
        nonce,
      });
      return {
        id: parseEvent(plaintext).eventId,
        path: `/dingtalk?${query}`,
        body: JSON.stringify({ encrypt }),
      };
    });
    let next = 0;
    const acknowledged: string[] = [];
    const result = await autocannon({
      url: `http://127.0.0.1:${stack.httpPort}`,
      connections: CONNECTIONS,
      amount: REQUESTS,
      timeout: 10,
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          setupRequest: (request, context) => {
            const item = requests[next++ % REQUESTS]!;
            (context as Record<string, unknown>).eventId = item.id;
            return { ...request, path: item.path, body: item.body };
          },
          onResponse: (status, _body, context) => {
            if (status === 200) acknowledged.push(String((context as Record<string, unknown>).eventId));
          },
        },
      ],
    });

    const client = createDynamoDbDocumentClient({
      region: 'us-east-1',
      endpoint: stack.dynamoDbEndpoint,
      requestTimeoutMs: 10_000,
    });
    const stored = new Set<string>();
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: LOCAL_EVENTS_TABLE,
          ProjectionExpression: 'eventId',
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of page.Items ?? []) stored.add(String(item.eventId));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    client.destroy();

    return {
      httpReqPerSec: round(result.requests.average, 0),
      httpP50Ms: round(result.latency.p50, 1),
      httpP99Ms: round(result.latency.p99, 1),
      httpConnections: CONNECTIONS,
      httpSent: result.requests.sent,
      httpSucceeded: acknowledged.length,
      httpNon2xx: result.non2xx,
      httpErrors: result.errors + result.timeouts,
      httpLost: acknowledged.filter((id) => !stored.has(id)).length,
      httpStored: stored.size,
    };
  } finally {
    await stack.stop();
  }
}
