import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { loadStreamConfig } from '../../lib/config';
import { DynamoDbApprovalStore } from '../../lib/dynamodb-approval-store';
import { createDynamoDbDocumentClient } from '../../lib/dynamodb-client';
import { toStoredEvent } from '../../lib/dynamodb-event-store';
import { initOnce } from '../../lib/init-once';
import { createStoredEventProcessor } from '../../lib/stored-event-processor';
import { PowertoolsParameterSource } from '../../lib/powertools-parameter-source';
import { withSecretsResolved } from '../../lib/secrets';
import { StandardWebhookForwarder } from '../../lib/webhook-forwarder';

const logger = new Logger({ serviceName: 'dingtalk-callback' });
// Once per container, from the init phase: FORWARD_SECRET from SSM when FORWARD_SECRET_PARAM names it.
const ready = initOnce(async () => {
  const config = loadStreamConfig(await withSecretsResolved(process.env, new PowertoolsParameterSource()));
  const client = createDynamoDbDocumentClient({
    ...(config.dynamoDbEndpoint ? { endpoint: config.dynamoDbEndpoint } : {}),
    // Off DingTalk's clock: give the store the SDK's usual patience.
    maxAttempts: 3,
    connectionTimeoutMs: 1_000,
    requestTimeoutMs: 3_000,
  });
  return createStoredEventProcessor({
    approvals: new DynamoDbApprovalStore(client, config.approvalsTable),
    ...(config.forward ? { forwarder: new StandardWebhookForwarder(config.forward) } : {}),
    logger,
  });
});
const processor = new BatchProcessor(EventType.DynamoDBStreams);

async function recordHandler(record: DynamoDBRecord): Promise<void> {
  // Only new events matter; the event table is append-only.
  if (record.eventName !== 'INSERT' || !record.dynamodb?.NewImage) return;
  const event = toStoredEvent(unmarshall(record.dynamodb.NewImage as Record<string, AttributeValue>));
  const processStoredEvent = await ready();
  try {
    await processStoredEvent(event);
  } catch (error) {
    logger.error('event processing failed, will retry', {
      eventType: event.eventType,
      eventId: event.eventId,
      outcome: 'failed',
      error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
    });
    throw error;
  }
}

/** DynamoDB Streams → per-record processing, failures reported as partial batch failures. */
export async function handler(event: DynamoDBStreamEvent, context: Context) {
  await ready(); // a configuration problem fails the whole batch (retried), not each record
  return processPartialResponse(event, recordHandler, processor, { context });
}
