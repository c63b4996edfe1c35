import { payloadCorpId } from '../dingtalk/event-payload';
import { epochMillis, text } from '../dingtalk/values';

/**
 * The approval projection: one record per processInstanceId, folded from bpms_instance_change and
 * bpms_task_change events that arrive late, twice and out of order.
 *
 * The fold is commutative and idempotent by construction:
 * - descriptive fields (title, process code, originator, …) are the same on every event of an
 *   instance and are only ever set where still absent;
 * - status (instance and per task) is decided by the greatest (rank, eventId) seen: a `finish`
 *   (rank 3) is never reopened by a late `start` (rank 1), and a replay (equal key) changes nothing.
 */

export type InstanceStatus = 'RUNNING' | 'COMPLETED' | 'TERMINATED';
export type TaskStatus = 'RUNNING' | 'COMPLETED' | 'CANCELED';

export interface ApprovalTask {
  taskId: string;
  approver?: string;
  status: TaskStatus;
  /** agree | refuse | redirect (转交) for completed tasks. */
  result?: string;
  remark?: string;
  createTime?: number;
  finishTime?: number;
}

export interface Approval {
  processInstanceId: string;
  title?: string;
  processCode?: string;
  originator?: string;
  businessId?: string;
  url?: string;
  corpId?: string;
  bizCategoryId?: string;
  createTime?: number;
  finishTime?: number;
  status: InstanceStatus;
  /** agree | refuse for completed instances. */
  result?: string;
  tasks: Record<string, ApprovalTask>;
}

export type InstanceFields = Pick<
  Approval,
  'title' | 'processCode' | 'originator' | 'businessId' | 'url' | 'corpId' | 'bizCategoryId' | 'createTime'
>;

/** A candidate state that wins iff its (rank, tie) key is greater than the current one. */
export interface Ranked<T> {
  rank: number;
  /** The event id: breaks ties deterministically whatever the arrival order. */
  tie: string;
  value: T;
}

/** One event's contribution, independent of the storage technology that applies it. */
export interface ApprovalChange {
  processInstanceId: string;
  instanceFields: InstanceFields;
  status: Ranked<{ status: InstanceStatus; result?: string; finishTime?: number }>;
  task?: {
    taskId: string;
    fields: { approver?: string; createTime?: number };
    state: Ranked<{ status: TaskStatus; result?: string; remark?: string; finishTime?: number }>;
  };
}

export const APPROVAL_EVENT_TYPES: ReadonlySet<string> = new Set([
  'bpms_instance_change',
  'bpms_task_change',
]);

/** The change an approval event makes, or undefined for events that are not about an instance. */
export function approvalChangeFor(
  eventType: string,
  payload: Record<string, unknown>,
  eventId: string,
): ApprovalChange | undefined {
  if (!APPROVAL_EVENT_TYPES.has(eventType)) return undefined;
  const processInstanceId = text(payload.processInstanceId);
  if (!processInstanceId) return undefined;
  const type = text(payload.type);
  const result = text(payload.result);
  const finishTime = epochMillis(payload.finishTime);
  const common = {
    title: text(payload.title),
    processCode: text(payload.processCode),
    businessId: text(payload.businessId),
    url: text(payload.url),
    corpId: payloadCorpId(payload),
    bizCategoryId: text(payload.bizCategoryId),
  };

  if (eventType === 'bpms_instance_change') {
    // Instance events: staffId is the originator, createTime the instance's.
    const status: ApprovalChange['status'] =
      type === 'finish'
        ? { rank: 3, tie: eventId, value: defined({ status: 'COMPLETED', result, finishTime }) }
        : type === 'terminate'
          ? { rank: 3, tie: eventId, value: defined({ status: 'TERMINATED', finishTime }) }
          : { rank: type === 'start' ? 1 : 0, tie: eventId, value: { status: 'RUNNING' } };
    return {
      processInstanceId,
      instanceFields: defined({
        ...common,
        originator: text(payload.staffId),
        createTime: epochMillis(payload.createTime),
      }),
      status,
    };
  }

  // Task events: staffId is the approver, createTime the task's; the instance is at least running.
  const approver = text(payload.staffId);
  const taskId = text(payload.taskId) ?? (approver ? `staff:${approver}` : undefined);
  const change: ApprovalChange = {
    processInstanceId,
    instanceFields: defined(common),
    status: { rank: 1, tie: eventId, value: { status: 'RUNNING' } },
  };
  if (taskId) {
    const state: NonNullable<ApprovalChange['task']>['state'] =
      type === 'finish'
        ? {
            rank: 2,
            tie: eventId,
            value: defined({ status: 'COMPLETED', result, remark: text(payload.remark), finishTime }),
          }
        : type === 'cancel'
          ? { rank: 2, tie: eventId, value: defined({ status: 'CANCELED', finishTime }) }
          : { rank: type === 'start' ? 1 : 0, tie: eventId, value: { status: 'RUNNING' } };
    change.task = {
      taskId,
      fields: defined({ approver, createTime: epochMillis(payload.createTime) }),
      state,
    };
  }
  return change;
}

/** Internal fold state: the projection plus the keys that decided each status. */
export interface ApprovalState {
  approval: Approval;
  statusKey?: { rank: number; tie: string };
  taskKeys: Record<string, { rank: number; tie: string }>;
}

/** The reference fold, in memory. Storage adapters must reach the same state with conditional writes. */
export function mergeApproval(current: ApprovalState | undefined, change: ApprovalChange): ApprovalState {
  const state: ApprovalState = current
    ? structuredClone(current)
    : {
        approval: { processInstanceId: change.processInstanceId, status: 'RUNNING', tasks: {} },
        taskKeys: {},
      };
  const approval = state.approval;
  fillAbsent(approval as unknown as Record<string, unknown>, change.instanceFields);
  if (wins(change.status, state.statusKey)) {
    state.statusKey = { rank: change.status.rank, tie: change.status.tie };
    delete approval.result;
    delete approval.finishTime;
    Object.assign(approval, change.status.value);
  }
  if (change.task) {
    const { taskId, fields, state: candidate } = change.task;
    const task = (approval.tasks[taskId] ??= { taskId, status: 'RUNNING' });
    fillAbsent(task as unknown as Record<string, unknown>, fields);
    if (wins(candidate, state.taskKeys[taskId])) {
      state.taskKeys[taskId] = { rank: candidate.rank, tie: candidate.tie };
      delete task.result;
      delete task.remark;
      delete task.finishTime;
      Object.assign(task, candidate.value);
    }
  }
  return state;
}

export function wins(
  candidate: { rank: number; tie: string },
  current: { rank: number; tie: string } | undefined,
) {
  return (
    current === undefined ||
    candidate.rank > current.rank ||
    (candidate.rank === current.rank && candidate.tie > current.tie)
  );
}

function fillAbsent(target: Record<string, unknown>, fields: object): void {
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined && target[name] === undefined) target[name] = value;
  }
}

/** Drops undefined members so optional fields stay absent rather than present-but-undefined. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** The storage port for the approval projection. One adapter per technology. */
export interface ApprovalStore {
  /** Folds one event's change in with conditional writes; safe to repeat and to run in any order. */
  apply(change: ApprovalChange): Promise<void>;
  get(processInstanceId: string): Promise<Approval | undefined>;
  /** Newest (by createTime) first. */
  list(query: { status?: InstanceStatus; limit: number }): Promise<Approval[]>;
}
