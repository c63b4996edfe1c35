import { SignatureV4 } from '@smithy/signature-v4';
import type { SourceData } from '@smithy/types';
import { createHash, createHmac } from 'node:crypto';
import type { Hash, Hmac } from 'node:crypto';
import { request as httpRequest, Agent as HttpAgent } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';

/**
 * One AWS JSON-protocol call (DynamoDB, SSM) as a SigV4-signed HTTPS request, for the callback's path.
 *
 * Why not the AWS SDK clients there: loading a bundled SDK client costs ~47 ms per cold start on the
 * bench machine (3x a bare `node`; docs/performance.md), and DingTalk's 1500 ms deadline includes cold
 * starts. The signing is AWS's own `@smithy/signature-v4` (what the SDK signs with; ~16 KB); this file
 * only frames the request. Every other function uses the SDK. A loopback peer that checks SigV4 from
 * the wire the way AWS does (validated on the SDK's own traffic) tests it.
 */

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsJsonClientOptions {
  /** Signing name: `dynamodb`, `ssm`. */
  service: string;
  /** `X-Amz-Target` prefix: `DynamoDB_20120810`, `AmazonSSM`. */
  targetPrefix: string;
  /** `application/x-amz-json-1.0` (DynamoDB) or `-1.1` (SSM). */
  contentType: string;
  region: string;
  /** A local or stand-in endpoint; default `https://<service>.<region>.amazonaws.com`. */
  endpoint?: string;
  /** Default: the Lambda execution role's, from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN. */
  credentials?: AwsCredentials;
  /** Bounded so an outage becomes a 5xx well inside DingTalk's 1500 ms. */
  maxAttempts?: number;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Injectable clock for signature tests. */
  now?: () => Date;
}

/** The service answered with an error: carries its `__type` (e.g. ConditionalCheckFailedException). */
export class AwsRequestError extends Error {
  constructor(
    readonly type: string,
    readonly statusCode: number,
    message: string,
    /** TransactionCanceledException: one code per transaction item (`None`, `ConditionalCheckFailed`, …). */
    readonly cancellationReasons: string[] = [],
  ) {
    super(`AWS ${type} (HTTP ${statusCode}): ${message}`);
    this.name = 'AwsRequestError';
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

export class AwsJsonClient {
  private readonly url: URL;
  private readonly signer: SignatureV4;
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly maxAttempts: number;
  private readonly connectionTimeoutMs: number;
  private readonly requestTimeoutMs: number;

  constructor(private readonly options: AwsJsonClientOptions) {
    this.url = new URL(options.endpoint ?? `https://${options.service}.${options.region}.amazonaws.com`);
    const local = options.endpoint !== undefined;
    this.signer = new SignatureV4({
      service: options.service,
      region: options.region,
      credentials: options.credentials ?? credentialsFromEnv(local),
      sha256: NodeSha256,
      applyChecksum: true,
    });
    // Keep-alive: after the first request, a call is one round trip on an open TLS connection.
    this.agent =
      this.url.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true, maxSockets: 50 })
        : new HttpAgent({ keepAlive: true, maxSockets: 50 });
    this.maxAttempts = options.maxAttempts ?? 2;
    this.connectionTimeoutMs = options.connectionTimeoutMs ?? 300;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 500;
  }

  /**
   * Calls `operation` with a JSON body and returns the parsed answer. Network failures, 5xx and
   * throttling are retried up to maxAttempts; other errors are thrown as AwsRequestError at once.
   */
  async call<T>(operation: string, input: unknown): Promise<T> {
    const body = JSON.stringify(input);
    for (let attempt = 1; ; attempt++) {
      try {
        return JSON.parse(await this.callOnce(operation, body)) as T;
      } catch (error) {
        const retryable =
          !(error instanceof AwsRequestError) || error.statusCode >= 500 || RETRYABLE_TYPES.has(error.type);
        if (!retryable || attempt >= this.maxAttempts) throw error;
      }
    }
  }

  private async callOnce(operation: string, body: string): Promise<string> {
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
          'content-type': this.options.contentType,
          'x-amz-target': `${this.options.targetPrefix}.${operation}`,
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
        () => req.destroy(new Error(`request timed out after ${this.requestTimeoutMs} ms`)),
        this.requestTimeoutMs,
      );
      req.on('socket', (socket) => {
        if (!socket.connecting) return;
        const connectTimer = setTimeout(
          () => req.destroy(new Error(`connection timed out after ${this.connectionTimeoutMs} ms`)),
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

/** AWS JSON errors are `{"__type":"com.amazonaws.dynamodb.v20120810#<Name>","message":"…"}`. */
function errorFrom(statusCode: number, text: string): AwsRequestError {
  try {
    const parsed = JSON.parse(text) as {
      __type?: string;
      message?: string;
      Message?: string;
      CancellationReasons?: Array<{ Code?: string }>;
    };
    const type = parsed.__type?.split('#').pop() || 'UnknownError';
    const reasons = (parsed.CancellationReasons ?? []).map((reason) => reason.Code ?? 'None');
    return new AwsRequestError(type, statusCode, parsed.message ?? parsed.Message ?? '', reasons);
  } catch {
    return new AwsRequestError('UnknownError', statusCode, text.slice(0, 200));
  }
}

function bytes(data: SourceData): Uint8Array | string {
  if (typeof data === 'string' || data instanceof Uint8Array) return data;
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}

export function credentialsFromEnv(local: boolean): AwsCredentials {
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

/** Options of a DynamoDB JSON client: everything but what DynamoDB fixes. */
export type DynamoDbJsonClientOptions = Omit<
  AwsJsonClientOptions,
  'service' | 'targetPrefix' | 'contentType'
>;

/** The signed JSON client for DynamoDB's API (the callback's writers; no SDK in its bundle). */
export function dynamoDbJsonClient(options: DynamoDbJsonClientOptions): AwsJsonClient {
  return new AwsJsonClient({
    ...options,
    service: 'dynamodb',
    targetPrefix: 'DynamoDB_20120810',
    contentType: 'application/x-amz-json-1.0',
  });
}
