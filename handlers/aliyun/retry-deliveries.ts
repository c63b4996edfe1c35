import type { FcContext } from '../../lib/aliyun/fc-context';
import { aliyunDeliveryRetry } from '../../lib/aliyun/functions/delivery-retry';
import type { RetryReport } from '../../lib/core/forwarding';

const retryDue = aliyunDeliveryRetry(process.env);

/** Timer trigger: the delivery attempts that are due. */
export async function handler(_event: Buffer, context?: FcContext): Promise<RetryReport> {
  return retryDue(context);
}
