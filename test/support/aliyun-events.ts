import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SignedPush } from './dingtalk-client';

const FIXTURES = join(__dirname, '..', 'fixtures', 'aliyun');

/** An FC HTTP event of the given shape (fixture) carrying a signed push; as FC delivers it, a Buffer. */
export function fcHttpEvent(shape: 'api-gateway' | 'fc3-http-trigger', push: SignedPush): Buffer {
  const file = shape === 'api-gateway' ? 'api-gateway-event.json' : 'fc3-http-trigger-event.json';
  const event = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as Record<string, unknown>;
  event.queryParameters = {
    signature: push.query.signature,
    timestamp: push.query.timestamp,
    nonce: push.query.nonce,
  };
  event.body = event.isBase64Encoded ? Buffer.from(push.body).toString('base64') : push.body;
  return Buffer.from(JSON.stringify(event));
}
