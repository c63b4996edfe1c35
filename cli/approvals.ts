import type { Approval, InstanceStatus } from '../lib/core/approval-projection';
import { cliApprovalStore } from './cli-config';
import { printTable } from './text-table';

export interface ApprovalsOptions {
  id?: string;
  status?: InstanceStatus;
  limit: number;
  json: boolean;
}

/** The approval projection, newest first; `--id ID --json` prints exactly one object. */
export async function approvals(options: ApprovalsOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const { store, close } = cliApprovalStore(env);
  try {
    if (options.id !== undefined) {
      const approval = await store.get(options.id);
      if (!approval) {
        console.error(`no approval ${options.id}`);
        return 1;
      }
      if (options.json) console.log(JSON.stringify(approval));
      else printApprovals([approval]);
      return 0;
    }
    const found = await store.list({
      limit: options.limit,
      ...(options.status ? { status: options.status } : {}),
    });
    if (options.json) for (const approval of found) console.log(JSON.stringify(approval));
    else printApprovals(found);
    return 0;
  } finally {
    close();
  }
}

function printApprovals(found: Approval[]): void {
  const time = (ms: number | undefined) =>
    ms === undefined ? '' : new Date(ms).toISOString().slice(0, 19) + 'Z';
  printTable(
    [
      ['CREATED', 'STATUS', 'RESULT', 'TASKS', 'PROCESS INSTANCE', 'TITLE'],
      ...found.map((a) => [
        time(a.createTime),
        a.status,
        a.result ?? '',
        String(Object.keys(a.tasks).length),
        a.processInstanceId,
        a.title ?? '',
      ]),
    ],
    'no approvals',
  );
}
