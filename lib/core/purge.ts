import type { ApprovalStore } from './approval-projection';
import type { DeliveryStore } from './forwarding';
import type { EventStore, StoredEvent } from './stored-event';
import { approvalChangeOf } from './stored-event-processing';
import type { ParkingStore } from './table-change-batch';
import { payloadCorpId } from '../dingtalk/event-payload';
import { isObject } from '../dingtalk/values';

/**
 * Deletion on request (PIPL Art. 47): every stored event that names a person — as an approval's
 * originator or approver, or the user of an address-book or attendance event — or every event of a
 * corporation, with the delivery and parked records of those events; the approval projection drops the
 * person's entries: an instance the person originated is deleted whole (with every event of it), an
 * instance they only took part in is folded again from the events that remain.
 *
 * Finding them reads the whole events table once (a rare, explicit operator action; what it costs grows
 * with history, and it says so). Nothing is deleted until `carryOut` is called with the plan, which the
 * CLI shows first.
 */
export type PurgeSubject = { userId: string } | { corpId: string };

/** What purge needs beyond the ordinary ports: reading every event, and deleting by key. */
export interface ErasableEvents extends Pick<EventStore, 'get'> {
  all(): AsyncIterable<StoredEvent>;
  /** Deletes the event (and any parts of its payload); nothing when it is not there. */
  erase(eventId: string): Promise<void>;
}

export interface PurgeDependencies {
  events: ErasableEvents;
  deliveries: Pick<DeliveryStore, 'get'> & { erase(eventId: string): Promise<void> };
  approvals: Pick<ApprovalStore, 'get' | 'apply'> & { erase(processInstanceId: string): Promise<void> };
  /** Alibaba Cloud's parked records (AWS has none). */
  parked?: Pick<ParkingStore, 'remove'>;
}

export interface PurgePlan {
  events: Array<{ eventId: string; eventType: string; receivedAt: string }>;
  /** Approval instances whose projection changes: deleted whole, or folded again from what remains. */
  approvals: Array<{ processInstanceId: string; action: 'delete' | 'refold'; remainingEvents: string[] }>;
  /** Events read to find them. */
  scanned: number;
}

export interface PurgeReport {
  events: number;
  deliveries: number;
  approvalsDeleted: number;
  approvalsRefolded: number;
}

/** Keys under which DingTalk's events carry a user id (one, or a list). */
const USER_KEYS =
  /^(user_?ids?|staff_?ids?|originator(_?user_?id)?|approver(_?user_?ids?)?|actioner_?user_?id|operator(_?user_?id)?|employee_?ids?|unionid)$/i;

/** True when the event's payload names `userId` under a user-id key, at any depth. */
export function namesUser(event: StoredEvent, userId: string): boolean {
  let payload: unknown;
  try {
    payload = JSON.parse(event.payload);
  } catch {
    return event.payload.includes(userId); // a payload kept as text: be safe, look for the id in it
  }
  const visit = (value: unknown, key?: string): boolean => {
    if (key !== undefined && USER_KEYS.test(key)) {
      if (value === userId) return true;
      if (Array.isArray(value) && value.includes(userId)) return true;
      if (
        typeof value === 'string' &&
        value
          .split(',')
          .map((part) => part.trim())
          .includes(userId)
      )
        return true;
    }
    if (Array.isArray(value)) return value.some((item) => visit(item));
    if (isObject(value)) return Object.entries(value).some(([name, inner]) => visit(inner, name));
    return false;
  };
  return visit(payload);
}

function ofCorp(event: StoredEvent, corpId: string): boolean {
  if (event.corpId === corpId) return true;
  try {
    const payload = JSON.parse(event.payload) as unknown;
    return isObject(payload) && payloadCorpId(payload) === corpId;
  } catch {
    return false;
  }
}

export async function planPurge(subject: PurgeSubject, deps: PurgeDependencies): Promise<PurgePlan> {
  const matches = (event: StoredEvent) =>
    'userId' in subject ? namesUser(event, subject.userId) : ofCorp(event, subject.corpId);
  const named: PurgePlan['events'] = [];
  const namedIds = new Set<string>();
  /** Approval events by instance, ids only: what a changed instance is folded again from. */
  const byInstance = new Map<string, Array<{ eventId: string; eventType: string; receivedAt: string }>>();
  let scanned = 0;
  for await (const event of deps.events.all()) {
    scanned++;
    const summary = { eventId: event.eventId, eventType: event.eventType, receivedAt: event.receivedAt };
    const instance = event.processInstanceId;
    if (instance !== undefined) byInstance.set(instance, [...(byInstance.get(instance) ?? []), summary]);
    if (matches(event)) {
      named.push(summary);
      namedIds.add(event.eventId);
    }
  }
  const approvals: PurgePlan['approvals'] = [];
  const extra: PurgePlan['events'] = [];
  for (const [processInstanceId, events] of byInstance) {
    if (!events.some((event) => namedIds.has(event.eventId))) continue;
    const approval = await deps.approvals.get(processInstanceId);
    const whole =
      'corpId' in subject || (approval?.originator !== undefined && approval.originator === subject.userId);
    if (whole) {
      // The person's own application: every event of it goes, whoever else it names.
      for (const event of events) if (!namedIds.has(event.eventId)) extra.push(event);
      approvals.push({ processInstanceId, action: 'delete', remainingEvents: [] });
    } else {
      const remainingEvents = events.filter((event) => !namedIds.has(event.eventId)).map((e) => e.eventId);
      approvals.push({ processInstanceId, action: 'refold', remainingEvents });
    }
  }
  return { events: [...named, ...extra], approvals, scanned };
}

export async function carryOutPurge(plan: PurgePlan, deps: PurgeDependencies): Promise<PurgeReport> {
  const report: PurgeReport = { events: 0, deliveries: 0, approvalsDeleted: 0, approvalsRefolded: 0 };
  for (const { eventId } of plan.events) {
    if (await deps.deliveries.get(eventId)) {
      await deps.deliveries.erase(eventId);
      report.deliveries++;
    }
    await deps.parked?.remove(eventId);
    await deps.events.erase(eventId);
    report.events++;
  }
  for (const approval of plan.approvals) {
    await deps.approvals.erase(approval.processInstanceId);
    if (approval.action === 'delete') {
      report.approvalsDeleted++;
      continue;
    }
    for (const eventId of approval.remainingEvents) {
      const event = await deps.events.get(eventId);
      const change = event && approvalChangeOf(event);
      if (change) await deps.approvals.apply(change);
    }
    report.approvalsRefolded++;
  }
  return report;
}
