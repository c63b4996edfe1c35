import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { attemptLease, createForwarding } from '../../core/forwarding';
import type { Logger } from '../../core/logger';
import type { Retention } from '../../core/retention';
import { StandardWebhookForwarder } from '../../webhook/standard-webhook-forwarder';
import type { ForwardingSettings } from '../../startup/settings';
import type { DynamoDbSettings } from '../aws-settings';
import { BACKGROUND_CLIENT_LIMITS, createDynamoDbDocumentClient } from '../dynamodb-client';
import { DynamoDbDeliveryStore } from '../dynamodb-delivery-store';
import { DynamoDbEventStore } from '../dynamodb-event-store';

/** Pieces more than one AWS function is built from (the composition root's shared parts). */

/** The DynamoDB client of every function but the callback: off DingTalk's clock. */
export function backgroundDynamoDbClient(settings: DynamoDbSettings): DynamoDBDocumentClient {
  return createDynamoDbDocumentClient({ ...settings, ...BACKGROUND_CLIENT_LIMITS });
}

/** Forwarding on DynamoDB, as the table-change consumer and the retry function both use it. */
export function dynamoDbForwarding(
  client: DynamoDBDocumentClient,
  settings: { eventsTable: string; forwarding: ForwardingSettings; retention: Retention },
  logger: Logger,
) {
  const { eventsTable, forwarding, retention } = settings;
  return createForwarding({
    deliveries: new DynamoDbDeliveryStore(client, forwarding.deliveriesTable, retention.eventsDays),
    events: new DynamoDbEventStore(client, eventsTable, retention.eventsDays),
    forwarder: new StandardWebhookForwarder(forwarding.forward),
    schedule: forwarding.forward.schedule,
    attemptLeaseMs: attemptLease(forwarding.forward.timeoutMs),
    logger,
    now: Date.now,
  });
}
