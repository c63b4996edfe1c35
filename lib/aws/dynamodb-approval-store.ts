import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Approval, ApprovalChange, ApprovalTask, InstanceStatus } from '../core/approval-projection';
import type { ApprovalStore } from '../core/approval-projection';
import { newestFirst } from '../core/listing';
import { DEFAULT_RETENTION, expiresAtSeconds } from '../core/retention';
import { scanItems } from './dynamodb-pages';
import { isExpired, TTL_ATTRIBUTE } from './dynamodb-ttl';

/**
 * The approval projection in DynamoDB, one item per processInstanceId, folded with conditional
 * updates (no read-modify-write): descriptive fields use if_not_exists, and each status is replaced
 * only when the candidate's (rank, eventId) key beats the stored one (see approval-projection.ts).
 *
 * Tasks are flattened into top-level attributes `task:<taskId>:<field>` so every field can be set
 * with if_not_exists or a condition of its own in a single UpdateItem.
 */
const TASK_PREFIX = 'task:';
const STATUS_RANK = 'statusRank';
const STATUS_TIE = 'statusTie';

export class DynamoDbApprovalStore implements ApprovalStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** An instance is kept this many days after its last change (0: forever; lib/core/retention.ts). */
    private readonly approvalsDays: number = DEFAULT_RETENTION.approvalsDays,
    private readonly now: () => number = Date.now,
  ) {}

  async apply(change: ApprovalChange): Promise<void> {
    const key = { processInstanceId: change.processInstanceId };
    const seed = new UpdateBuilder();
    for (const [name, value] of Object.entries(change.instanceFields)) seed.setIfAbsent(name, value);
    seed.setIfAbsent('status', 'RUNNING');
    seed.setIfAbsent(STATUS_RANK, -1);
    seed.setIfAbsent(STATUS_TIE, '');
    const ttl = expiresAtSeconds(this.now(), this.approvalsDays);
    if (ttl !== undefined) seed.set(TTL_ATTRIBUTE, ttl);
    if (change.task) {
      const attr = (field: string) => `${TASK_PREFIX}${change.task!.taskId}:${field}`;
      seed.setIfAbsent(attr('status'), 'RUNNING');
      seed.setIfAbsent(attr('rank'), -1);
      seed.setIfAbsent(attr('tie'), '');
      for (const [field, value] of Object.entries(change.task.fields)) seed.setIfAbsent(attr(field), value);
    }
    await this.client.send(new UpdateCommand({ TableName: this.tableName, Key: key, ...seed.build() }));

    const { rank, tie, value } = change.status;
    await this.replaceIfGreater(key, STATUS_RANK, STATUS_TIE, rank, tie, {
      status: value.status,
      result: value.result,
      finishTime: value.finishTime,
    });
    if (change.task) {
      const prefix = `${TASK_PREFIX}${change.task.taskId}:`;
      const { rank: taskRank, tie: taskTie, value: task } = change.task.state;
      await this.replaceIfGreater(key, `${prefix}rank`, `${prefix}tie`, taskRank, taskTie, {
        [`${prefix}status`]: task.status,
        [`${prefix}result`]: task.result,
        [`${prefix}remark`]: task.remark,
        [`${prefix}finishTime`]: task.finishTime,
      });
    }
  }

  /** Writes `values` (removing the undefined ones) iff (rank, tie) beats the stored key. */
  private async replaceIfGreater(
    key: Record<string, string>,
    rankAttr: string,
    tieAttr: string,
    rank: number,
    tie: string,
    values: Record<string, unknown>,
  ): Promise<void> {
    const update = new UpdateBuilder();
    update.set(rankAttr, rank);
    update.set(tieAttr, tie);
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) update.remove(name);
      else update.set(name, value);
    }
    const rankName = update.name(rankAttr);
    const tieName = update.name(tieAttr);
    const rankValue = update.value(rank);
    const tieValue = update.value(tie);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          ...update.build(),
          ConditionExpression: `${rankName} < ${rankValue} OR (${rankName} = ${rankValue} AND ${tieName} < ${tieValue})`,
        }),
      );
    } catch (error) {
      // The stored state already has a greater or equal key: this change loses, by design.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async erase(processInstanceId: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { processInstanceId } }));
  }

  async get(processInstanceId: string): Promise<Approval | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { processInstanceId }, ConsistentRead: true }),
    );
    return Item && !isExpired(Item, this.now()) ? toApproval(Item) : undefined;
  }

  /** A scan: the projection holds one small item per instance, and this serves an operator's CLI. */
  async list(query: { status?: InstanceStatus; limit: number }): Promise<Approval[]> {
    const approvals: Approval[] = [];
    const items = scanItems(this.client, {
      TableName: this.tableName,
      ...(query.status
        ? {
            FilterExpression: '#status = :status',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':status': query.status },
          }
        : {}),
    });
    for await (const item of items) if (!isExpired(item, this.now())) approvals.push(toApproval(item));
    return newestFirst(approvals, (approval) => approval.createTime).slice(0, query.limit);
  }
}

const INTERNAL = new Set([STATUS_RANK, STATUS_TIE, TTL_ATTRIBUTE]);
const TASK_INTERNAL = new Set(['rank', 'tie']);

export function toApproval(item: Record<string, unknown>): Approval {
  const approval: Record<string, unknown> = { tasks: {} };
  const tasks: Record<string, Record<string, unknown>> = {};
  for (const [name, value] of Object.entries(item)) {
    if (name.startsWith(TASK_PREFIX)) {
      const separator = name.lastIndexOf(':');
      const taskId = name.slice(TASK_PREFIX.length, separator);
      const field = name.slice(separator + 1);
      if (!TASK_INTERNAL.has(field)) (tasks[taskId] ??= { taskId })[field] = value;
    } else if (!INTERNAL.has(name)) {
      approval[name] = value;
    }
  }
  approval.tasks = tasks;
  return approval as unknown as Approval & { tasks: Record<string, ApprovalTask> };
}

/** Builds SET/REMOVE expressions with placeholder names and values. */
class UpdateBuilder {
  private readonly names: Record<string, string> = {};
  private readonly values: Record<string, unknown> = {};
  private readonly sets: string[] = [];
  private readonly removes: string[] = [];

  name(attribute: string): string {
    const existing = Object.entries(this.names).find(([, value]) => value === attribute);
    if (existing) return existing[0];
    const placeholder = `#n${Object.keys(this.names).length}`;
    this.names[placeholder] = attribute;
    return placeholder;
  }

  value(value: unknown): string {
    const placeholder = `:v${Object.keys(this.values).length}`;
    this.values[placeholder] = value;
    return placeholder;
  }

  set(attribute: string, value: unknown): void {
    this.sets.push(`${this.name(attribute)} = ${this.value(value)}`);
  }

  setIfAbsent(attribute: string, value: unknown): void {
    const name = this.name(attribute);
    this.sets.push(`${name} = if_not_exists(${name}, ${this.value(value)})`);
  }

  remove(attribute: string): void {
    this.removes.push(this.name(attribute));
  }

  build() {
    const parts = [];
    if (this.sets.length > 0) parts.push(`SET ${this.sets.join(', ')}`);
    if (this.removes.length > 0) parts.push(`REMOVE ${this.removes.join(', ')}`);
    return {
      UpdateExpression: parts.join(' '),
      ExpressionAttributeNames: this.names,
      ExpressionAttributeValues: this.values,
    };
  }
}
