import type { TableChangeReport } from '../../core/table-change-batch';
import { attemptReserve, processTableChanges } from '../../core/table-change-batch';
import { createStoredEventProcessor } from '../../core/stored-event-processing';
import { createLogger } from '../../startup/logger';
import type { Env } from '../../startup/settings';
import { StandardWebhookForwarder } from '../../webhook/standard-webhook-forwarder';
import { loadAliyunTableChangeSettings } from '../aliyun-settings';
import type { FcContext } from '../fc-context';
import { remainingMsFor } from '../fc-context';
import { SuiteState } from '../../core/suite-state';
import { TablestoreSuiteState } from '../tablestore-suite-state';
import { TablestoreApprovalStore } from '../tablestore-approval-store';
import { TablestoreEventStore } from '../tablestore-event-store';
import { TablestoreParkingStore } from '../tablestore-parking-store';
import type { StoredEvent } from '../../core/stored-event';
import { decodeTablestoreTrigger } from '../tablestore-trigger';
import { perTablestoreClient, tablestoreForwarding } from './parts';

/** serverless.aliyun.yml's timeout for this function (the trigger's cap), when the context lacks it. */
const TIMEOUT_SECONDS = 60;

/**
 * The events table's change consumer (Tablestore trigger, CBOR payload): the same processing as on AWS,
 * under the batch policy of a platform without per-record retries (core/table-change-batch.ts), on a
 * deadline. Stores, processor and forwarding are built once per credential set, not per invocation.
 */
export function aliyunTableChangeConsumer(
  env: Env,
): (payload: Buffer, context?: FcContext) => Promise<TableChangeReport> {
  const settings = loadAliyunTableChangeSettings(env);
  const logger = createLogger();
  const forwarder = settings.forwarding
    ? new StandardWebhookForwarder(settings.forwarding.forward)
    : undefined;
  const assemble = perTablestoreClient(settings.tablestore, (client) => {
    const events = new TablestoreEventStore(client, settings.eventsTable);
    const processEvent = createStoredEventProcessor({
      approvals: new TablestoreApprovalStore(client, settings.approvalsTable),
      ...(settings.suiteStateTable
        ? { suites: new SuiteState(new TablestoreSuiteState(client, settings.suiteStateTable)) }
        : {}),
      ...(settings.forwarding && forwarder
        ? {
            forwarding: tablestoreForwarding(
              client,
              settings.eventsTable,
              settings.forwarding,
              forwarder,
              logger,
            ),
          }
        : {}),
      logger,
    });
    return {
      // The callback's row gets its listing entries here, so its own write stays one PutRow.
      process: async (event: StoredEvent, options?: { attemptNow?: boolean }) => {
        await events.index(event);
        await processEvent(event, options);
      },
      parking: new TablestoreParkingStore(client, settings.parkedTable),
    };
  });
  // A forward attempt takes at most FORWARD_TIMEOUT_MS; keep room for it and the stores' own timeouts.
  const attemptReserveMs = attemptReserve(settings.forwarding?.forward.timeoutMs);

  return async (payload, context) => {
    const remainingMs = remainingMsFor(context, Date.now(), TIMEOUT_SECONDS);
    const { process, parking } = assemble(context);
    const report = await processTableChanges(decodeTablestoreTrigger(payload), {
      process,
      parking,
      logger,
      remainingMs,
      attemptReserveMs,
    });
    logger.info('stream batch done', { ...report });
    return report;
  };
}
