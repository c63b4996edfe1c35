import type { Delivery, DeliveryStatus } from '../lib/core/forwarding';
import { attemptLease, createForwarding } from '../lib/core/forwarding';
import { createCliLogger } from '../lib/startup/logger';
import { loadForwardSettings } from '../lib/startup/settings';
import { StandardWebhookForwarder } from '../lib/webhook/standard-webhook-forwarder';
import { cliDeliveryStore, cliEventStore } from './cli-config';
import type { EventSelection } from './event-selection';
import { selectedEventIdPages } from './event-selection';
import { printTable } from './text-table';

export interface DeliveriesOptions {
  status?: DeliveryStatus;
  since?: string;
  limit: number;
  json: boolean;
}

/** `deliveries`: every forwarded event's delivery state, newest received first. */
export async function deliveries(options: DeliveriesOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const { store, close } = cliDeliveryStore(env);
  try {
    const found = await store.list({
      limit: options.limit,
      ...(options.status ? { status: options.status } : {}),
      ...(options.since ? { since: options.since } : {}),
    });
    if (options.json) for (const delivery of found) console.log(JSON.stringify(deliveryJson(delivery)));
    else printDeliveries(found);
    return 0;
  } finally {
    close();
  }
}

function deliveryJson(delivery: Delivery) {
  return {
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    status: delivery.status,
    attempts: delivery.attempts,
    lastStatus: delivery.lastStatus ?? null,
    nextAttemptAt: delivery.nextAttemptAt ?? null,
    updatedAt: delivery.updatedAt,
  };
}

function printDeliveries(found: Delivery[]): void {
  printTable(
    [
      ['EVENT ID', 'EVENT TYPE', 'STATUS', 'ATTEMPTS', 'LAST', 'NEXT ATTEMPT', 'UPDATED'],
      ...found.map((d) => [
        d.eventId,
        d.eventType,
        d.status,
        String(d.attempts),
        d.lastStatus ?? '',
        d.nextAttemptAt ?? '',
        d.updatedAt,
      ]),
    ],
    'no deliveries',
  );
}

export type ReplayOptions = EventSelection;

/**
 * `replay`: forwards stored events again now, with the same `webhook-id`, whatever their delivery
 * state, and records each outcome. `--since` selects by the time the events were received.
 */
export async function replay(options: ReplayOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const settings = loadForwardSettings(env);
  const events = cliEventStore(env);
  const store = cliDeliveryStore(env);
  try {
    const forwarding = createForwarding({
      deliveries: store.store,
      events: events.store,
      forwarder: new StandardWebhookForwarder(settings),
      schedule: settings.schedule,
      attemptLeaseMs: attemptLease(settings.timeoutMs),
      logger: createCliLogger(),
      now: Date.now,
    });
    // Page by page, so memory holds one page whatever the selection; `--json` lines go out per page, and
    // the summary keeps counts and the events not delivered.
    let replayed = 0;
    const notDelivered: Array<{ eventId: string; status: string }> = [];
    for await (const ids of selectedEventIdPages(options, events.store)) {
      const page = await forwarding.replay(ids);
      replayed += page.length;
      if (options.json) for (const outcome of page) console.log(JSON.stringify(outcome));
      for (const { eventId, status } of page)
        if (status !== 'delivered') notDelivered.push({ eventId, status });
    }
    if (!options.json) {
      console.log(
        `replayed ${replayed} event(s): ${replayed - notDelivered.length} delivered, ${notDelivered.length} not`,
      );
      for (const outcome of notDelivered) console.log(`  ${outcome.eventId}: ${outcome.status}`);
    }
    return notDelivered.length === 0 ? 0 : 1;
  } finally {
    events.close();
    store.close();
  }
}
