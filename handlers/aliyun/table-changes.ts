import type { FcContext } from '../../lib/aliyun/fc-context';
import { aliyunTableChangeConsumer } from '../../lib/aliyun/functions/table-changes';
import type { TableChangeReport } from '../../lib/core/table-change-batch';

const consume = aliyunTableChangeConsumer(process.env);

/** Tablestore trigger on the events table (CBOR payload). */
export async function handler(event: Buffer, context?: FcContext): Promise<TableChangeReport> {
  return consume(event, context);
}
