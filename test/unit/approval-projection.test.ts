import { expect } from 'chai';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Approval, ApprovalState } from '../../lib/core/approval-projection';
import { approvalChangeFor, mergeApproval } from '../../lib/core/approval-projection';
import type { ApprovalEvent } from '../support/approval-events';
import { approvalLifecycle, permutations, terminatedLifecycle } from '../support/approval-events';

function fold(events: ApprovalEvent[]): Approval {
  let state: ApprovalState | undefined;
  for (const event of events) {
    const change = approvalChangeFor(event.eventType, event.payload, event.eventId);
    if (change) state = mergeApproval(state, change);
  }
  return state!.approval;
}

describe('approval projection (pure fold)', () => {
  const lifecycle = approvalLifecycle('pi-1');

  it('GIVEN a full lifecycle in order THEN the instance is COMPLETED/agree with every task resolved', () => {
    expect(fold(lifecycle)).to.deep.equal({
      processInstanceId: 'pi-1',
      corpId: 'dingdevcorp',
      processCode: 'PROC-LEAVE-1',
      title: '张三的请假申请',
      originator: 'zhangsan',
      createTime: 1700000000000,
      url: 'https://aflow.dingtalk.com/x',
      businessId: 'B-1',
      status: 'COMPLETED',
      result: 'agree',
      finishTime: 1700000004000,
      tasks: {
        '101': {
          taskId: '101',
          approver: 'manager1',
          createTime: 1700000001000,
          status: 'COMPLETED',
          result: 'redirect',
          remark: '转交给经理2',
          finishTime: 1700000002000,
        },
        '102': {
          taskId: '102',
          approver: 'manager2',
          createTime: 1700000002000,
          status: 'COMPLETED',
          result: 'agree',
          remark: '同意',
          finishTime: 1700000004000,
        },
        '103': {
          taskId: '103',
          approver: 'cc-person',
          createTime: 1700000002000,
          status: 'CANCELED',
          finishTime: 1700000003000,
        },
      },
    });
  });

  it('GIVEN all 40320 orders of the 8 lifecycle events THEN the final state never depends on order', () => {
    const expected = fold(lifecycle);
    let count = 0;
    for (const order of permutations(lifecycle)) {
      expect(fold(order)).to.deep.equal(expected);
      count++;
    }
    expect(count).to.equal(40320);
  });

  it('GIVEN random orders with duplicates (replays) THEN the state equals the duplicate-free fold', () => {
    const expected = fold(lifecycle);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: lifecycle.length - 1 }), { maxLength: 20 }),
        fc.integer(),
        (extra, seed) => {
          const events = [...lifecycle, ...extra.map((i) => lifecycle[i]!)];
          const shuffled = fc.sample(fc.shuffledSubarray(events, { minLength: events.length }), {
            seed,
            numRuns: 1,
          })[0]!;
          expect(fold(shuffled)).to.deep.equal(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('GIVEN finish/agree, then a task start, then the instance start THEN it stays COMPLETED/agree', () => {
    const [start, taskStart, , , , , , finish] = lifecycle;
    const approval = fold([finish!, taskStart!, start!]);
    expect(approval).to.include({ status: 'COMPLETED', result: 'agree', originator: 'zhangsan' });
    expect(approval.tasks['101']).to.include({ status: 'RUNNING', approver: 'manager1' });
  });

  it('GIVEN start then terminate, in every order THEN TERMINATED with no result and the task CANCELED', () => {
    const events = terminatedLifecycle('pi-2');
    for (const order of permutations(events)) {
      const approval = fold(order);
      expect(approval.status).to.equal('TERMINATED');
      expect(approval.result).to.equal(undefined);
      expect(approval.finishTime).to.equal(1700000005000);
      expect(approval.tasks['201']).to.include({ status: 'CANCELED', approver: 'boss' });
    }
  });

  it('GIVEN only task events THEN the instance is RUNNING', () => {
    expect(fold(lifecycle.slice(1, 3)).status).to.equal('RUNNING');
  });

  it('GIVEN the shipped examples THEN instance and task events become changes (shape A task without taskId keyed by approver)', () => {
    const example = (name: string) =>
      JSON.parse(readFileSync(join(__dirname, '../../examples/events', name), 'utf8')) as Record<
        string,
        unknown
      >;
    const finish = approvalChangeFor(
      'bpms_instance_change',
      example('bpms_instance_change.finish.shape-b.json'),
      'e1',
    );
    expect(finish?.status).to.deep.equal({
      rank: 3,
      tie: 'e1',
      value: { status: 'COMPLETED', result: 'agree', finishTime: 1495592305000 },
    });
    const task = approvalChangeFor('bpms_task_change', example('bpms_task_change.finish.shape-a.json'), 'e2');
    expect(task?.task?.taskId).to.equal('staff:manager75');
    expect(task?.task?.state.value).to.include({ status: 'COMPLETED', result: 'refuse', remark: '拒绝理由' });
  });

  it('GIVEN events that are not about an approval instance THEN there is no change', () => {
    expect(approvalChangeFor('user_add_org', { processInstanceId: 'x' }, 'e')).to.equal(undefined);
    expect(approvalChangeFor('bpms_task_change', { type: 'start' }, 'e')).to.equal(undefined);
  });
});
