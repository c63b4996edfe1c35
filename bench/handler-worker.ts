/**
 * Runs in its own process (stdout discarded: the handler logs a JSON line per request, as in Lambda):
 * warm in-process invocations of the packaged-equivalent AWS callback handler against DynamoDB Local.
 * Reports its figures to the parent over IPC.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { DingTalkCrypto } from '../lib/dingtalk/callback-crypto';
import { DEV_DINGTALK_ENV } from '../local-dev/dev-credentials';
import { BENCH_OWNER_KEY, approvalEvent } from './payload';
import { percentile, round } from './measure';

const WARM_UP = 300;
const MEASURED = 3000;

async function main(): Promise<void> {
  // The parent set EVENTS_TABLE, DYNAMODB_ENDPOINT and DINGTALK_* before starting us.
  const { handler } = (await import('../handlers/aws/callback')) as {
    handler: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
  };
  const crypto = new DingTalkCrypto({
    token: DEV_DINGTALK_ENV.DINGTALK_TOKEN,
    aesKey: DEV_DINGTALK_ENV.DINGTALK_AES_KEY,
    ownerKeys: [BENCH_OWNER_KEY],
  });
  const request = (n: number): APIGatewayProxyEvent => {
    const timestamp = String(Date.now());
    const nonce = `nonce${n}`;
    const encrypt = crypto.encrypt(approvalEvent(n), BENCH_OWNER_KEY);
    return {
      httpMethod: 'POST',
      queryStringParameters: { signature: crypto.signature(timestamp, nonce, encrypt), timestamp, nonce },
      body: JSON.stringify({ encrypt }),
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyEvent;
  };
  const requests = Array.from({ length: WARM_UP + MEASURED }, (_, n) => request(n));
  const durations: number[] = [];
  let failures = 0;
  for (let n = 0; n < requests.length; n++) {
    const start = process.hrtime.bigint();
    const result = await handler(requests[n]!);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.statusCode !== 200) failures++;
    if (n >= WARM_UP) durations.push(ms);
  }
  process.send!({
    handlerP50Ms: round(percentile(durations, 50), 2),
    handlerP99Ms: round(percentile(durations, 99), 2),
    handlerInvocations: MEASURED,
    handlerFailures: failures,
    handlerRssMb: round(process.memoryUsage().rss / 2 ** 20, 1),
  });
}

main().catch((error: unknown) => {
  process.send!({ error: String(error) });
});
