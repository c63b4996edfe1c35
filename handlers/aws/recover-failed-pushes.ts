import type { Context } from 'aws-lambda';
import type { RecoveryReport } from '../../lib/core/failed-push-recovery';
import { awsFailedPushRecovery } from '../../lib/aws/functions/failed-push-recovery';

const recover = awsFailedPushRecovery(process.env);

/** Scheduled: drains DingTalk's failed-push list into the events table, journaling each page first. */
export async function handler(_event: unknown, context: Context): Promise<RecoveryReport> {
  return recover(() => context.getRemainingTimeInMillis());
}
