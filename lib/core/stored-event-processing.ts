import { parseExactJson } from '../dingtalk/exact-json';
import { approvalChangeFor } from './approval-projection';
import type { ApprovalStore } from './approval-store';
import type { StoredEvent } from './stored-event';
import type { Logger } from './logger';

export interface EventForwarder {
  forward(event: StoredEvent): Promise<void>;
}

export interface StoredEventProcessorDependencies {
  approvals: ApprovalStore;
  forwarder?: EventForwarder;
  logger: Logger;
}

/**
 * What happens to a stored event after DingTalk has been answered: approval events fold into the
 * projection, and every event is forwarded when forwarding is on. Throws to have the record retried;
 * every step is idempotent, so a retry after a partial success changes nothing twice.
 */
export function createStoredEventProcessor(deps: StoredEventProcessorDependencies) {
  return async function processStoredEvent(event: StoredEvent): Promise<void> {
    const context = { eventType: event.eventType, eventId: event.eventId, ownerKey: event.ownerKey };
    const payload = parseExactJson(event.payload) as Record<string, unknown>;
    const change = approvalChangeFor(event.eventType, payload, event.eventId);
    if (change) await deps.approvals.apply(change);
    if (deps.forwarder) await deps.forwarder.forward(event);
    deps.logger.info('event processed', {
      ...context,
      outcome: 'processed',
      projected: change !== undefined,
      forwarded: deps.forwarder !== undefined,
    });
  };
}
