import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { Logger } from '@aws-lambda-powertools/logger';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { DynamoDbApprovalStore } from '../../lib/aws/dynamodb-approval-store';
import { createDynamoDbDocumentClient } from '../../lib/aws/dynamodb-client';
import { createDynamoDbForwarding } from '../../lib/aws/dynamodb-forwarding';
import { storedEventFromStreamRecord } from '../../lib/aws/lambda-events';
import { PowertoolsParameterSource } from '../../lib/aws/powertools-parameter-source';
import { errorSummary } from '../../lib/core/logger';
import { createStoredEventProcessor } from '../../lib/core/stored-event-processing';
import { awsRegion, loadStreamConfig } from '../../lib/startup/config';
import { initOnce } from '../../lib/startup/init-once';
import { withSecretsResolved } from '../../lib/startup/secrets';

const logger = new Logger({ serviceName: 'dingtalk-callback' });
// Once per container, from the init phase: FORWARD_SECRET from SSM when FORWARD_SECRET_PARAM names it.
const ready = initOnce(async () => {
  const config = loadStreamConfig(await withSecretsResolved(process.env, new PowertoolsParameterSource()));
  const client = createDynamoDbDocumentClient({
    region: awsRegion(process.env),
    ...(config.dynamoDbEndpoint ? { endpoint: config.dynamoDbEndpoint } : {}),
    // Off DingTalk's clock: give the store the SDK's usual patience.
    maxAttempts: 3,
    connectionTimeoutMs: 1_000,
    requestTimeoutMs: 3_000,
  });
  const processEvent = createStoredEventProcessor({
    approvals: new DynamoDbApprovalStore(client, config.approvalsTable),
    ...(config.forward
      ? {
          forwarding: createDynamoDbForwarding(client, config.eventsTable, config.forward, logger),
        }
      : {}),
    logger,
  });
  const readPart = async (eventId: string) =>
    (
      await client.send(
        new GetCommand({ TableName: config.eventsTable, Key: { eventId }, ConsistentRead: true }),
      )
    ).Item;
  return { processEvent, readPart };
});
const processor = new BatchProcessor(EventType.DynamoDBStreams);

async function recordHandler(record: DynamoDBRecord): Promise<void> {
  const { processEvent, readPart } = await ready();
  const event = await storedEventFromStreamRecord(record, readPart);
  if (!event) return;
  try {
    await processEvent(event);
  } catch (error) {
    logger.error('event processing failed, will retry', {
      eventType: event.eventType,
      eventId: event.eventId,
      outcome: 'failed',
      error: errorSummary(error),
    });
    throw error;
  }
}

/**
 * DynamoDB Streams → per-record processing, failures reported as partial batch failures. A receiver's
 * failure is not a record failure (it schedules a retry); only our own store failures are retried here.
 */
export async function handler(event: DynamoDBStreamEvent, context: Context) {
  await ready(); // a configuration problem fails the whole batch (retried), not each record
  return processPartialResponse(event, recordHandler, processor, { context });
}
