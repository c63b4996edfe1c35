import type { Context } from 'aws-lambda';
import type { RetryReport } from '../../lib/core/forwarding';
import { awsDeliveryRetry } from '../../lib/aws/functions/delivery-retry';

const retryDue = awsDeliveryRetry(process.env);

/** Scheduled (every minute; every 5 s under `npm start`): the delivery attempts that are due. */
export async function handler(_event: unknown, context: Context): Promise<RetryReport> {
  return retryDue(() => context.getRemainingTimeInMillis());
}
