import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { awsTableChangeConsumer } from '../../lib/aws/functions/table-changes';

const consume = awsTableChangeConsumer(process.env);

/** DynamoDB Streams on the events table (INSERT only): partial batch failures are retried. */
export async function handler(event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> {
  return consume(event, context);
}
