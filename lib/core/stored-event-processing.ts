import { CREDENTIAL_EVENT_TYPES, payloadCorpId } from '../dingtalk/event-payload';
import type { SuiteState } from './suite-state';
import { suiteChangeOf } from './suite-state';
import { parseExactJson } from '../dingtalk/exact-json';
import { isObject } from '../dingtalk/values';
import { approvalChangeFor } from './approval-projection';
import type { ApprovalChange, ApprovalStore } from './approval-projection';
import type { StoredEvent } from './stored-event';
import type { Forwarding } from './forwarding';
import type { Logger } from './logger';

/**
 * A stored event that can never be processed, however often it is tried: its payload is not JSON. The
 * Alibaba batch policy parks exactly these (core/table-change-batch.ts); any other failure is retried.
 * The message names the fault, never a fragment of the payload.
 */
export class UnprocessableEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnprocessableEventError';
  }
}

export interface StoredEventProcessorDependencies {
  approvals: ApprovalStore;
  /** ISV suites' tickets and corp authorisations (core/suite-state.ts). */
  suites?: SuiteState;
  /** Present when FORWARD_URL is set: the delivery record and the first attempt. */
  forwarding?: Pick<Forwarding, 'onStored'>;
  logger: Logger;
}

/**
 * What happens to a stored event after DingTalk has been answered: approval events fold into the
 * projection, and with forwarding on the event gets its delivery record and (when `attemptNow`, the
 * default) one short delivery attempt. A receiver's failure only schedules a retry (core/forwarding.ts);
 * only our own store failures throw, to have the record retried. Every step is idempotent, so a retry
 * after a partial success changes nothing twice.
 */
/**
 * The change a stored event makes to the approval projection (undefined for other events); an
 * UnprocessableEventError when its payload is not JSON. The one reading of it: processing, purge.
 */
export function approvalChangeOf(event: StoredEvent): ApprovalChange | undefined {
  let parsed: unknown;
  try {
    parsed = parseExactJson(event.payload);
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    throw new UnprocessableEventError(`the stored payload is not JSON (${name})`);
  }
  const payload: Record<string, unknown> = isObject(parsed) ? parsed : {};
  // A Stream Mode event carries its corpId in the frame's headers, not in its data (stream-mode-ingest.ts).
  if (event.corpId && payloadCorpId(payload) === undefined) payload.corpId = event.corpId;
  return approvalChangeFor(event.eventType, payload, event.eventId);
}

export function createStoredEventProcessor(deps: StoredEventProcessorDependencies) {
  return async function processStoredEvent(
    event: StoredEvent,
    options: { attemptNow?: boolean } = {},
  ): Promise<void> {
    const context = {
      eventType: event.eventType,
      eventId: event.eventId,
      ownerKey: event.ownerKey,
      ...(event.appId === undefined ? {} : { appId: event.appId }),
    };
    const change = approvalChangeOf(event);
    if (change) await deps.approvals.apply(change);
    const suiteChange = suiteChangeOf(event);
    if (suiteChange && deps.suites) await deps.suites.apply(suiteChange);
    // A suite ticket is a credential: kept as the suite's state, never sent to another system.
    const forwarded = !CREDENTIAL_EVENT_TYPES.has(event.eventType);
    const delivery =
      forwarded && deps.forwarding
        ? await deps.forwarding.onStored(event, { attemptNow: options.attemptNow ?? true })
        : undefined;
    deps.logger.info('event processed', {
      ...context,
      outcome: 'processed',
      projected: change !== undefined || (suiteChange !== undefined && deps.suites !== undefined),
      ...(delivery ? { delivery: delivery.status, attempts: delivery.attempts } : {}),
    });
  };
}
