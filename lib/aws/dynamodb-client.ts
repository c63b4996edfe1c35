import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface DynamoDbClientOptions {
  region: string;
  /** A local endpoint (DynamoDB Local); unset in the cloud. */
  endpoint?: string;
  /** Bounded so a store outage becomes a 5xx well inside DingTalk's 1500 ms deadline. */
  maxAttempts?: number;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Whether real credentials are configured; without them a local endpoint gets a dummy pair. */
  hasCredentials?: boolean;
}

/**
 * Off DingTalk's clock (the table-change consumer, the scheduled functions): the SDK's usual patience. The
 * recovery retries further within its run's time budget.
 */
export const BACKGROUND_CLIENT_LIMITS = {
  maxAttempts: 3,
  connectionTimeoutMs: 1_000,
  requestTimeoutMs: 3_000,
} as const satisfies Partial<DynamoDbClientOptions>;

/** Build once per process (the composition root) and pass to the adapters. */
export function createDynamoDbDocumentClient(options: DynamoDbClientOptions): DynamoDBDocumentClient {
  const local = options.endpoint !== undefined;
  const client = new DynamoDBClient({
    ...(local ? { endpoint: options.endpoint } : {}),
    region: options.region,
    // DynamoDB Local accepts any key pair; never send real credentials to a local endpoint.
    ...(local && !options.hasCredentials
      ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
    maxAttempts: options.maxAttempts ?? 2,
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 300,
      requestTimeout: options.requestTimeoutMs ?? 500,
    },
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
