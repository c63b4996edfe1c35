import { eventIdentity } from '../../lib/dingtalk/event-payload';

/**
 * Approval event sequences as DingTalk sends them (fields as in examples/events), for one instance.
 * Each payload has its own eventId, as console pushes (shape B) do; `eventId` is the identity the
 * callback stores it under (lib/dingtalk/event-payload.ts `eventIdentity`).
 */
export interface ApprovalEvent {
  eventType: 'bpms_instance_change' | 'bpms_task_change';
  eventId: string;
  payload: Record<string, unknown>;
}

export function approvalLifecycle(processInstanceId: string): ApprovalEvent[] {
  const base = {
    processInstanceId,
    corpId: 'dingdevcorp',
    processCode: 'PROC-LEAVE-1',
    title: '张三的请假申请',
    bizCategoryId: '',
  };
  const instance = (id: string, fields: Record<string, unknown>): ApprovalEvent =>
    identified('bpms_instance_change', { eventId: `${processInstanceId}-${id}`, ...base, ...fields });
  const task = (id: string, fields: Record<string, unknown>): ApprovalEvent =>
    identified('bpms_task_change', { eventId: `${processInstanceId}-${id}`, ...base, ...fields });
  return [
    instance('i-start', {
      type: 'start',
      staffId: 'zhangsan',
      createTime: 1700000000000,
      url: 'https://aflow.dingtalk.com/x',
      businessId: 'B-1',
    }),
    task('t1-start', { type: 'start', taskId: 101, staffId: 'manager1', createTime: 1700000001000 }),
    task('t1-finish', {
      type: 'finish',
      taskId: 101,
      staffId: 'manager1',
      createTime: 1700000001000,
      finishTime: 1700000002000,
      result: 'redirect',
      remark: '转交给经理2',
    }),
    task('t2-start', { type: 'start', taskId: 102, staffId: 'manager2', createTime: 1700000002000 }),
    task('t3-start', { type: 'start', taskId: 103, staffId: 'cc-person', createTime: 1700000002000 }),
    task('t3-cancel', {
      type: 'cancel',
      taskId: 103,
      staffId: 'cc-person',
      createTime: 1700000002000,
      finishTime: 1700000003000,
    }),
    task('t2-finish', {
      type: 'finish',
      taskId: 102,
      staffId: 'manager2',
      createTime: 1700000002000,
      finishTime: 1700000004000,
      result: 'agree',
      remark: '同意',
    }),
    instance('i-finish', {
      type: 'finish',
      staffId: 'zhangsan',
      createTime: 1700000000000,
      finishTime: 1700000004000,
      result: 'agree',
      url: 'https://aflow.dingtalk.com/x',
      businessId: 'B-1',
    }),
  ];
}

export function terminatedLifecycle(processInstanceId: string): ApprovalEvent[] {
  const base = { processInstanceId, corpId: 'dingdevcorp', title: '撤销的申请', processCode: 'PROC-2' };
  return [
    identified('bpms_instance_change', {
      ...base,
      type: 'start',
      staffId: 'lisi',
      createTime: 1700000000000,
    }),
    identified('bpms_task_change', {
      ...base,
      type: 'start',
      taskId: 201,
      staffId: 'boss',
      createTime: 1700000001000,
    }),
    identified('bpms_instance_change', {
      ...base,
      type: 'terminate',
      staffId: 'lisi',
      createTime: 1700000000000,
      finishTime: 1700000005000,
    }),
    identified('bpms_task_change', {
      ...base,
      type: 'cancel',
      taskId: 201,
      staffId: 'boss',
      createTime: 1700000001000,
      finishTime: 1700000005000,
    }),
  ];
}

export function* permutations<T>(items: readonly T[]): Generator<T[]> {
  if (items.length <= 1) {
    yield [...items];
    return;
  }
  for (let i = 0; i < items.length; i++) {
    const rest = [...items.slice(0, i), ...items.slice(i + 1)];
    for (const tail of permutations(rest)) yield [items[i]!, ...tail];
  }
}

function identified(eventType: ApprovalEvent['eventType'], fields: Record<string, unknown>): ApprovalEvent {
  const payload = { EventType: eventType, ...fields };
  return { eventType, eventId: eventIdentity(eventType, payload, JSON.stringify(payload)), payload };
}
