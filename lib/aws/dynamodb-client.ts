import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { awsRegion } from '../startup/config';

export interface DynamoDbClientOptions {
  /** A local endpoint (DynamoDB Local); unset in the cloud. */
  endpoint?: string;
  region?: string;
  /** Bounded so a store outage becomes a 5xx well inside DingTalk's 1500 ms deadline. */
  maxAttempts?: number;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
}

/** Build once per process (module scope in handlers) and pass to the adapters. */
export function createDynamoDbDocumentClient(options: DynamoDbClientOptions = {}): DynamoDBDocumentClient {
  const local = options.endpoint !== undefined;
  const client = new DynamoDBClient({
    ...(local ? { endpoint: options.endpoint } : {}),
    region: options.region ?? awsRegion(process.env),
    // DynamoDB Local accepts any key pair; never send real credentials to a local endpoint.
    ...(local && !process.env.AWS_ACCESS_KEY_ID
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
