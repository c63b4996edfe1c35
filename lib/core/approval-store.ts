import type { Approval, ApprovalChange, InstanceStatus } from './approval-projection';

/** The storage port for the approval projection. One adapter per technology. */
export interface ApprovalStore {
  /** Folds one event's change in with conditional writes; safe to repeat and to run in any order. */
  apply(change: ApprovalChange): Promise<void>;
  get(processInstanceId: string): Promise<Approval | undefined>;
  /** Newest (by createTime) first. */
  list(query: { status?: InstanceStatus; limit: number }): Promise<Approval[]>;
}
