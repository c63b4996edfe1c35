import { attemptLease, createForwarding } from '../lib/core/forwarding';
import type { ReprocessOutcome } from '../lib/core/reprocessing';
import { reprocessStoredEvents } from '../lib/core/reprocessing';
import { createStoredEventProcessor } from '../lib/core/stored-event-processing';
import { createCliLogger } from '../lib/startup/logger';
import { loadSettings, readForwarding } from '../lib/startup/settings';
import { StandardWebhookForwarder } from '../lib/webhook/standard-webhook-forwarder';
import { cliApprovalStore, cliDeliveryStore, cliEventStore, cliParkingStore } from './cli-config';
import type { EventSelection } from './event-selection';
import { selectedEventIdPages } from './event-selection';
import { printTable } from './text-table';

/** `reprocess --parked` takes at most this many parked records in one run. */
const PARKED_LIMIT = 100_000;

export type ReprocessOptions = EventSelection & { parked?: boolean };

/**
 * `reprocess`: runs stored events through the table-change processing again, from the events table
 * itself (no stream window): the approval projection and, with FORWARD_URL set, any missing delivery
 * record (due at once; the retry function makes the attempt). `--parked` takes Alibaba's parked records
 * and removes each row whose event is processed.
 */
export async function reprocess(options: ReprocessOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const logger = createCliLogger();
  const forwarding = loadSettings((problems) => readForwarding(env, problems));
  const events = cliEventStore(env);
  const approvals = cliApprovalStore(env);
  const deliveries = forwarding ? cliDeliveryStore(env) : undefined;
  const parking = options.parked ? cliParkingStore(env) : undefined;
  try {
    const process = createStoredEventProcessor({
      approvals: approvals.store,
      ...(forwarding && deliveries
        ? {
            forwarding: createForwarding({
              deliveries: deliveries.store,
              events: events.store,
              forwarder: new StandardWebhookForwarder(forwarding.forward),
              schedule: forwarding.forward.schedule,
              attemptLeaseMs: attemptLease(forwarding.forward.timeoutMs),
              logger,
              now: Date.now,
            }),
          }
        : {}),
      logger,
    });
    const pages = parking
      ? [(await parking.store.list(PARKED_LIMIT)).map((p) => p.eventId).reverse()]
      : selectedEventIdPages(options, events.store);
    const outcomes: ReprocessOutcome[] = [];
    for await (const ids of pages) {
      outcomes.push(
        ...(await reprocessStoredEvents(ids, {
          events: events.store,
          process,
          ...(parking ? { parking: parking.store } : {}),
          logger,
        })),
      );
    }
    if (options.json) for (const outcome of outcomes) console.log(JSON.stringify(outcome));
    else printOutcomes(outcomes);
    return outcomes.every((outcome) => outcome.status === 'processed') ? 0 : 1;
  } finally {
    events.close();
    approvals.close();
    deliveries?.close();
    parking?.close();
  }
}

function printOutcomes(outcomes: ReprocessOutcome[]): void {
  const processed = outcomes.filter((o) => o.status === 'processed').length;
  console.log(
    `reprocessed ${outcomes.length} event(s): ${processed} processed, ${outcomes.length - processed} not`,
  );
  for (const outcome of outcomes.filter((o) => o.status !== 'processed')) {
    console.log(
      `  ${outcome.eventId}: ${outcome.status}${outcome.status === 'failed' ? ` (${outcome.error})` : ''}`,
    );
  }
}

export interface ParkedOptions {
  limit: number;
  json: boolean;
}

/** `parked`: Alibaba's parked table-change records, newest first, with their reasons. */
export async function parked(options: ParkedOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const { store, close } = cliParkingStore(env);
  try {
    const found = await store.list(options.limit);
    if (options.json) for (const record of found) console.log(JSON.stringify(record));
    else
      printTable(
        [
          ['PARKED AT', 'EVENT TYPE', 'EVENT ID', 'REASON'],
          ...found.map((r) => [r.parkedAt, r.eventType, r.eventId, r.reason]),
        ],
        'no parked records',
      );
    return 0;
  } finally {
    close();
  }
}
