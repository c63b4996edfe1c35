import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Logger } from '../core/logger';
import { createForwarding } from '../core/delivery';
import type { ForwardSettings } from '../startup/config';
import { StandardWebhookForwarder } from '../webhook/standard-webhook-forwarder';
import { DynamoDbDeliveryStore } from './dynamodb-delivery-store';
import { DynamoDbEventStore } from './dynamodb-event-store';

/** Forwarding on DynamoDB, as the stream consumer and the retry function both build it. */
export function createDynamoDbForwarding(
  client: DynamoDBDocumentClient,
  eventsTable: string,
  forward: ForwardSettings,
  logger: Logger,
) {
  return createForwarding({
    deliveries: new DynamoDbDeliveryStore(client, forward.deliveriesTable),
    events: new DynamoDbEventStore(client, eventsTable),
    forwarder: new StandardWebhookForwarder(forward),
    schedule: forward.schedule,
    logger,
    now: Date.now,
  });
}
