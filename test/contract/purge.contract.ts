import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { ApprovalStore } from '../../lib/core/approval-projection';
import type { DeliveryStore } from '../../lib/core/forwarding';
import type { PurgeDependencies } from '../../lib/core/purge';
import { carryOutPurge, planPurge } from '../../lib/core/purge';
import { createStoredEventProcessor } from '../../lib/core/stored-event-processing';
import type { EventStore, StoredEvent } from '../../lib/core/stored-event';
import { RecordingLogger } from '../support/recording-logger';

export interface PurgeBackend {
  deps: PurgeDependencies;
  events: EventStore;
  deliveries: DeliveryStore;
  approvals: ApprovalStore;
}

/**
 * Deletion on request against one backend: a person's events (originator, approver, address-book user)
 * go with their delivery records; an approval they originated goes whole; one they only approved in is
 * folded again without their task; everyone else's events stay. Tables may hold other tests' rows:
 * every id here is this run's.
 */
export function purgeContract(name: string, open: () => Promise<PurgeBackend>): void {
  describe(`purge --user / --corp: ${name}`, function () {
    this.timeout(60_000);
    const run = randomUUID().slice(0, 8);
    const [alice, bob, carol] = [`alice-${run}`, `bob-${run}`, `carol-${run}`];
    const corp = `dingcorp-${run}`;
    const receivedAt = new Date().toISOString();
    const event = (id: string, eventType: string, payload: Record<string, unknown>): StoredEvent => ({
      eventId: `${id}-${run}`,
      eventType,
      receivedAt,
      ownerKey: 'dingcorp',
      corpId: corp,
      ...(typeof payload.processInstanceId === 'string'
        ? { processInstanceId: payload.processInstanceId }
        : {}),
      payload: JSON.stringify({ EventType: eventType, ...payload }),
    });
    // Alice's own leave request, which Bob approves; Bob's expense claim, in which Alice approves a task.
    const leave = `pi-leave-${run}`;
    const expense = `pi-expense-${run}`;
    const stored = [
      event('joined', 'user_add_org', { UserId: [alice] }),
      event('leave-start', 'bpms_instance_change', {
        processInstanceId: leave,
        type: 'start',
        staffId: alice,
        title: '请假',
      }),
      event('leave-task', 'bpms_task_change', {
        processInstanceId: leave,
        taskId: '1',
        type: 'finish',
        staffId: bob,
        result: 'agree',
      }),
      event('expense-start', 'bpms_instance_change', {
        processInstanceId: expense,
        type: 'start',
        staffId: bob,
        title: '报销',
      }),
      event('expense-task-alice', 'bpms_task_change', {
        processInstanceId: expense,
        taskId: '2',
        type: 'finish',
        staffId: alice,
        result: 'agree',
      }),
      event('expense-task-carol', 'bpms_task_change', {
        processInstanceId: expense,
        taskId: '3',
        type: 'start',
        staffId: carol,
      }),
      event('carol-checkin', 'attendance_check_record', { userId: carol }),
    ];
    let backend: PurgeBackend;

    before(async () => {
      backend = await open();
      const processEvent = createStoredEventProcessor({
        approvals: backend.approvals,
        logger: new RecordingLogger(),
      });
      for (const e of stored) {
        await backend.events.put(e);
        await processEvent(e);
        await backend.deliveries.create({
          eventId: e.eventId,
          eventType: e.eventType,
          receivedAt,
          status: 'delivered',
          attempts: 1,
          updatedAt: receivedAt,
          revision: 0,
        });
      }
    });

    it('GIVEN a person’s events WHEN planned THEN every event naming them, and every event of the approval they originated, is listed; nothing is deleted yet', async () => {
      const plan = await planPurge({ userId: alice }, backend.deps);
      const ours = plan.events.map((e) => e.eventId.replace(`-${run}`, '')).sort();
      expect(ours).to.deep.equal(['expense-task-alice', 'joined', 'leave-start', 'leave-task']);
      expect(plan.approvals.map((a) => [a.processInstanceId, a.action]).sort()).to.deep.equal([
        [expense, 'refold'],
        [leave, 'delete'],
      ]);
      expect(await backend.events.get(`joined-${run}`)).to.not.equal(undefined);
    });

    it('GIVEN the plan carried out THEN those events and their delivery records are gone, the leave request too, and the expense claim keeps Carol’s task and Bob’s data without Alice’s task', async () => {
      const plan = await planPurge({ userId: alice }, backend.deps);
      const report = await carryOutPurge(plan, backend.deps);
      expect(report).to.include({ events: 4, deliveries: 4, approvalsDeleted: 1, approvalsRefolded: 1 });
      for (const id of ['joined', 'leave-start', 'leave-task', 'expense-task-alice']) {
        expect(await backend.events.get(`${id}-${run}`), id).to.equal(undefined);
        expect(await backend.deliveries.get(`${id}-${run}`), id).to.equal(undefined);
      }
      expect(await backend.approvals.get(leave)).to.equal(undefined);
      const claim = await backend.approvals.get(expense);
      expect(claim).to.include({ originator: bob, title: '报销' });
      expect(Object.keys(claim!.tasks)).to.deep.equal(['3']);
      expect(JSON.stringify(claim)).to.not.contain(alice);
      for (const id of ['expense-start', 'expense-task-carol', 'carol-checkin'])
        expect(await backend.events.get(`${id}-${run}`), id).to.not.equal(undefined);
      expect((await planPurge({ userId: alice }, backend.deps)).events).to.deep.equal([]);
    });

    it('GIVEN a corporation WHEN purged THEN every event of it, its deliveries and its approvals are gone', async () => {
      const report = await carryOutPurge(await planPurge({ corpId: corp }, backend.deps), backend.deps);
      expect(report).to.include({ events: 3, approvalsDeleted: 1 });
      for (const id of ['expense-start', 'expense-task-carol', 'carol-checkin'])
        expect(await backend.events.get(`${id}-${run}`), id).to.equal(undefined);
      expect(await backend.approvals.get(expense)).to.equal(undefined);
    });
  });
}
