import type { Client } from 'tablestore';
import type { EventForwarder } from '../core/delivery';
import { createForwarding } from '../core/delivery';
import type { Logger } from '../core/logger';
import type { ForwardSettings } from '../startup/config';
import { TablestoreDeliveryStore } from './tablestore-delivery-store';
import { TablestoreEventStore } from './tablestore-event-store';

/** Forwarding on Tablestore, as the stream consumer and the retry function both build it. */
export function createTablestoreForwarding(
  client: Client,
  eventsTable: string,
  forward: ForwardSettings,
  forwarder: EventForwarder,
  logger: Logger,
) {
  return createForwarding({
    deliveries: new TablestoreDeliveryStore(client, forward.deliveriesTable),
    events: new TablestoreEventStore(client, eventsTable),
    forwarder,
    schedule: forward.schedule,
    logger,
    now: Date.now,
  });
}
