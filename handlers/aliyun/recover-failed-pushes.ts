import type { FcContext } from '../../lib/aliyun/fc-context';
import { aliyunFailedPushRecovery } from '../../lib/aliyun/functions/failed-push-recovery';
import type { RecoveryReport } from '../../lib/core/failed-push-recovery';

const recover = aliyunFailedPushRecovery(process.env);

/** Timer trigger: drains DingTalk's failed-push list into the events table, journaling each page first. */
export async function handler(_event: Buffer, context?: FcContext): Promise<RecoveryReport> {
  return recover(context);
}
