import type { Client } from 'tablestore';
import type { EventForwarder } from '../../core/forwarding';
import { attemptLease, createForwarding } from '../../core/forwarding';
import type { Logger } from '../../core/logger';
import type { ForwardingSettings } from '../../startup/settings';
import type { TablestoreSettings } from '../aliyun-settings';
import type { FcContext } from '../fc-context';
import { perCredentials } from '../fc-context';
import { createTablestoreClient } from '../tablestore-client';
import { TablestoreDeliveryStore } from '../tablestore-delivery-store';
import { TablestoreEventStore } from '../tablestore-event-store';

/** Pieces more than one Alibaba function is built from (the composition root's shared parts). */

/** Every function but the callback: a request may take this long (the SDK has no default timeout). */
export const BACKGROUND_TIMEOUT_MS = 3_000;

/**
 * What `build` makes from a `tablestore` SDK client, kept for as long as the invocation's credentials
 * (FC's rotating STS credentials, else the configured keys) stay the same.
 */
export function perTablestoreClient<T>(
  settings: TablestoreSettings,
  build: (client: Client) => T,
): (context: FcContext | undefined) => T {
  return perCredentials(settings.credentials, (credentials) =>
    build(
      createTablestoreClient({
        endpoint: settings.endpoint,
        instance: settings.instance,
        credentials,
        timeoutMs: BACKGROUND_TIMEOUT_MS,
      }),
    ),
  );
}

/** Forwarding on Tablestore, as the table-change consumer and the retry function both use it. */
export function tablestoreForwarding(
  client: Client,
  eventsTable: string,
  settings: ForwardingSettings,
  forwarder: EventForwarder,
  logger: Logger,
) {
  return createForwarding({
    deliveries: new TablestoreDeliveryStore(client, settings.deliveriesTable),
    events: new TablestoreEventStore(client, eventsTable),
    forwarder,
    schedule: settings.forward.schedule,
    attemptLeaseMs: attemptLease(settings.forward.timeoutMs),
    logger,
    now: Date.now,
  });
}
