import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac } from 'node:crypto';
import type { Hash, Hmac } from 'node:crypto';
import { request as httpRequest, Agent as HttpAgent } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import type { SourceData } from '@smithy/types';
import type { EventWriter, PutOutcome, StoredEvent } from './event-store';

/**
 * The callback's only storage call — a conditional PutItem — as one SigV4-signed HTTPS request.
 *
 * Why not `@aws-sdk/client-dynamodb` here: loading the bundled SDK client costs ~47 ms per cold start
 * on the bench machine (3× a bare `node`), and DingTalk's 1500 ms deadline includes cold starts. The
 * signing is AWS's own `@smithy/signature-v4` (what the SDK signs with; ~16 KB); this file only does
 * the DynamoDB JSON protocol for one operation. Everything else (stream, CLI, recovery) uses the SDK.
 * `test/unit/dynamodb-event-writer.test.ts` checks the signature equals the SDK's byte for byte.
 */

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface DynamoDbEventWriterOptions {
  tableName: string;
  region: string;
  /** DynamoDB Local; default `https://dynamodb.<region>.amazonaws.com`. */
  endpoint?: string;
  /** Default: the Lambda execution role's, from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN. */
  credentials?: AwsCredentials;
  /** Same bounds as the SDK client of the callback: an outage becomes a 5xx well inside 1500 ms. */
  maxAttempts?: number;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Injectable clock for signature tests. */
  now?: () => Date;
}

/** DynamoDB's answer was an error other than the condition: carries its `__type`. */
export class DynamoDbRequestError extends Error {
  constructor(
    readonly type: string,
    readonly statusCode: number,
    message: string,
  ) {
    super(`DynamoDB ${type} (HTTP ${statusCode}): ${message}`);
    this.name = 'DynamoDbRequestError';
  }
}

const RETRYABLE_TYPES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
]);

/** node:crypto behind the Checksum interface the signer expects. */
export class NodeSha256 {
  private hash: Hash | Hmac;
  private readonly secret: Uint8Array | string | undefined;
  constructor(secret?: SourceData) {
    this.secret = secret === undefined ? undefined : bytes(secret);
    this.hash = this.fresh();
  }
  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    this.hash = this.fresh();
  }
}

export class DynamoDbEventWriter implements EventWriter {
  private readonly url: URL;
  private readonly signer: SignatureV4;
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly maxAttempts: number;
  private readonly connectionTimeoutMs: number;
  private readonly requestTimeoutMs: number;

  constructor(private readonly options: DynamoDbEventWriterOptions) {
    this.url = new URL(options.endpoint ?? `https://dynamodb.${options.region}.amazonaws.com`);
    const local = options.endpoint !== undefined;
    const credentials = options.credentials ?? credentialsFromEnv(local);
    this.signer = new SignatureV4({
      service: 'dynamodb',
      region: options.region,
      credentials,
      sha256: NodeSha256,
      applyChecksum: true,
    });
    // Keep-alive: after the first request, a put is one round trip on an open TLS connection.
    this.agent =
      this.url.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true, maxSockets: 50 })
        : new HttpAgent({ keepAlive: true, maxSockets: 50 });
    this.maxAttempts = options.maxAttempts ?? 2;
    this.connectionTimeoutMs = options.connectionTimeoutMs ?? 300;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 500;
  }

  async put(event: StoredEvent): Promise<PutOutcome> {
    const body = JSON.stringify({
      TableName: this.options.tableName,
      Item: toAttributeMap({ ...event, receivedMonth: event.receivedAt.slice(0, 7) }),
      ConditionExpression: 'attribute_not_exists(eventId)',
    });
    for (let attempt = 1; ; attempt++) {
      try {
        await this.call('PutItem', body);
        return 'stored';
      } catch (error) {
        if (error instanceof DynamoDbRequestError && error.type === 'ConditionalCheckFailedException') {
          return 'duplicate';
        }
        const retryable =
          !(error instanceof DynamoDbRequestError) ||
          error.statusCode >= 500 ||
          RETRYABLE_TYPES.has(error.type);
        if (!retryable || attempt >= this.maxAttempts) throw error;
      }
    }
  }

  /** Signs and sends one DynamoDB JSON-protocol request; resolves with the response text on 200. */
  async call(operation: string, body: string): Promise<string> {
    const signed = await this.signer.sign(
      {
        method: 'POST',
        protocol: this.url.protocol,
        hostname: this.url.hostname,
        ...(this.url.port ? { port: Number(this.url.port) } : {}),
        path: '/',
        query: {},
        headers: {
          host: this.url.host,
          'content-type': 'application/x-amz-json-1.0',
          'x-amz-target': `DynamoDB_20120810.${operation}`,
        },
        body,
      },
      this.options.now ? { signingDate: this.options.now() } : {},
    );
    // Not signed (it need not be), but set: without it node would send the body chunked.
    const headers = { ...signed.headers, 'content-length': String(Buffer.byteLength(body)) };
    const { statusCode, text } = await this.send(headers, body);
    if (statusCode === 200) return text;
    throw errorFrom(statusCode, text);
  }

  private send(headers: Record<string, string>, body: string): Promise<{ statusCode: number; text: string }> {
    const request = this.url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(
        this.url,
        { method: 'POST', path: '/', headers, agent: this.agent, timeout: this.requestTimeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ statusCode: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      const requestTimer = setTimeout(
        () => req.destroy(new Error(`DynamoDB request timed out after ${this.requestTimeoutMs} ms`)),
        this.requestTimeoutMs,
      );
      req.on('socket', (socket) => {
        if (!socket.connecting) return;
        const connectTimer = setTimeout(
          () => req.destroy(new Error(`DynamoDB connection timed out after ${this.connectionTimeoutMs} ms`)),
          this.connectionTimeoutMs,
        );
        socket.once('connect', () => clearTimeout(connectTimer));
        socket.once('secureConnect', () => clearTimeout(connectTimer));
        socket.once('close', () => clearTimeout(connectTimer));
      });
      req.on('error', reject);
      req.on('close', () => clearTimeout(requestTimer));
      req.end(body);
    });
  }

  /** Closes idle keep-alive sockets (tests, CLI). */
  destroy(): void {
    this.agent.destroy();
  }
}

/** DynamoDB errors are `{"__type":"com.amazonaws.dynamodb.v20120810#<Name>","message":"…"}`. */
function errorFrom(statusCode: number, text: string): DynamoDbRequestError {
  try {
    const parsed = JSON.parse(text) as { __type?: string; message?: string; Message?: string };
    const type = parsed.__type?.split('#').pop() || 'UnknownError';
    return new DynamoDbRequestError(type, statusCode, parsed.message ?? parsed.Message ?? '');
  } catch {
    return new DynamoDbRequestError('UnknownError', statusCode, text.slice(0, 200));
  }
}

function bytes(data: SourceData): Uint8Array | string {
  if (typeof data === 'string' || data instanceof Uint8Array) return data;
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}

function credentialsFromEnv(local: boolean): AwsCredentials {
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    // DynamoDB Local accepts any key pair; never invent credentials for the real service.
    if (local) return { accessKeyId: 'local', secretAccessKey: 'local' };
    throw new Error('AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set (Lambda sets them from the role)');
  }
  const sessionToken = process.env.AWS_SESSION_TOKEN;
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

/** The stored event's fields are strings and finite numbers; undefined ones are left out. */
function toAttributeMap(item: Record<string, unknown>): Record<string, { S: string } | { N: string }> {
  const map: Record<string, { S: string } | { N: string }> = {};
  for (const [name, value] of Object.entries(item)) {
    if (typeof value === 'string') map[name] = { S: value };
    else if (typeof value === 'number' && Number.isFinite(value)) map[name] = { N: String(value) };
    else if (value !== undefined) throw new TypeError(`${name} cannot be stored as S or N`);
  }
  return map;
}
