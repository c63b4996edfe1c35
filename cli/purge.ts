import type { PurgeSubject } from '../lib/core/purge';
import { carryOutPurge, planPurge } from '../lib/core/purge';
import { cliApprovalStore, cliDeliveryStore, cliEventStore, cliParkingStore } from './cli-config';
import { printTable } from './text-table';

export interface PurgeOptions {
  subject: PurgeSubject;
  yes: boolean;
  json: boolean;
}

/**
 * `purge --user ID | --corp ID [--yes]`: deletion on request (PIPL Art. 47). Without `--yes` it only
 * prints what it would delete (event ids, types and times, approval instances; never a payload). It
 * reads the whole events table once to find them.
 */
export async function purge(options: PurgeOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const events = cliEventStore(env);
  const deliveries = cliDeliveryStore(env);
  const approvals = cliApprovalStore(env);
  // Alibaba Cloud keeps parked records of events too; AWS has none.
  const parked = env.TABLESTORE_ENDPOINT && env.PARKED_TABLE ? cliParkingStore(env) : undefined;
  const deps = {
    events: events.store,
    deliveries: deliveries.store,
    approvals: approvals.store,
    ...(parked ? { parked: parked.store } : {}),
  };
  try {
    const plan = await planPurge(options.subject, deps);
    const report = options.yes ? await carryOutPurge(plan, deps) : undefined;
    if (options.json) {
      for (const event of plan.events) console.log(JSON.stringify({ kind: 'event', ...event }));
      for (const approval of plan.approvals) {
        const { remainingEvents, ...rest } = approval;
        console.log(JSON.stringify({ kind: 'approval', ...rest, remainingEvents: remainingEvents.length }));
      }
      console.log(
        JSON.stringify({ kind: 'summary', scanned: plan.scanned, deleted: Boolean(report), ...report }),
      );
      return 0;
    }
    printTable(
      [
        ['eventId', 'eventType', 'receivedAt'],
        ...plan.events.map((e) => [e.eventId, e.eventType, e.receivedAt]),
      ],
      'no stored event names them',
    );
    for (const approval of plan.approvals) {
      console.log(
        approval.action === 'delete'
          ? `approval ${approval.processInstanceId}: deleted (their own application)`
          : `approval ${approval.processInstanceId}: folded again from ${approval.remainingEvents.length} remaining event(s)`,
      );
    }
    console.log(
      report
        ? `deleted ${report.events} event(s), ${report.deliveries} delivery record(s), ${report.approvalsDeleted} approval(s); ${report.approvalsRefolded} approval(s) folded again (${plan.scanned} events read)`
        : `would delete ${plan.events.length} event(s) and change ${plan.approvals.length} approval(s) (${plan.scanned} events read); run again with --yes to delete`,
    );
    return 0;
  } finally {
    events.close();
    deliveries.close();
    approvals.close();
    parked?.close();
  }
}
