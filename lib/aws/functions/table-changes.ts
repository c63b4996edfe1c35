import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { errorSummary } from '../../core/logger';
import { createStoredEventProcessor } from '../../core/stored-event-processing';
import { attemptReserve } from '../../core/table-change-batch';
import { initOnce } from '../../startup/init-once';
import { createLogger } from '../../startup/logger';
import { withSecretsResolved } from '../../startup/secrets';
import type { Env } from '../../startup/settings';
import { loadAwsTableChangeSettings } from '../aws-settings';
import { DynamoDbApprovalStore } from '../dynamodb-approval-store';
import { DynamoDbEventStore } from '../dynamodb-event-store';
import { DynamoDbSuiteState } from '../dynamodb-suite-state';
import { SuiteState } from '../../core/suite-state';
import { storedEventFromTableChange } from '../lambda-events';
import { PowertoolsParameterSource } from '../powertools-parameter-source';
import { backgroundDynamoDbClient, dynamoDbForwarding } from './parts';

/**
 * The events table's change consumer (DynamoDB Streams): per-record processing, failures reported as
 * partial batch failures. A receiver's failure is not a record failure (it schedules a retry); only our
 * own store failures are retried here. Built once per container: FORWARD_SECRET from SSM when
 * FORWARD_SECRET_PARAM names it.
 */
export function awsTableChangeConsumer(
  env: Env,
): (event: DynamoDBStreamEvent, context: Context) => Promise<DynamoDBBatchResponse> {
  const logger = createLogger();
  const ready = initOnce(async () => {
    const settings = loadAwsTableChangeSettings(
      await withSecretsResolved(env, new PowertoolsParameterSource()),
    );
    const client = backgroundDynamoDbClient(settings.dynamoDb);
    const processEvent = createStoredEventProcessor({
      approvals: new DynamoDbApprovalStore(client, settings.approvalsTable, settings.retention.approvalsDays),
      ...(settings.suiteStateTable
        ? { suites: new SuiteState(new DynamoDbSuiteState(client, settings.suiteStateTable)) }
        : {}),
      ...(settings.forwarding
        ? {
            forwarding: dynamoDbForwarding(client, { ...settings, forwarding: settings.forwarding }, logger),
          }
        : {}),
      logger,
    });
    // A forward attempt takes at most FORWARD_TIMEOUT_MS; keep room for it and the stores' own timeouts
    // (the Alibaba consumer's rule, core/table-change-batch.ts).
    const attemptReserveMs = attemptReserve(settings.forwarding?.forward.timeoutMs);
    const events = new DynamoDbEventStore(client, settings.eventsTable, settings.retention.eventsDays);
    return { events, processEvent, attemptReserveMs };
  });
  const processor = new BatchProcessor(EventType.DynamoDBStreams);

  async function processRecord(record: DynamoDBRecord, context?: Context): Promise<void> {
    const { events, processEvent, attemptReserveMs } = await ready();
    const event = await storedEventFromTableChange(record, events);
    if (!event) return;
    // Short of time, the delivery is recorded due and the retry function makes the attempt, so the
    // batch finishes inside the function's timeout instead of being retried whole.
    const attemptNow = (context?.getRemainingTimeInMillis() ?? Number.POSITIVE_INFINITY) > attemptReserveMs;
    try {
      await processEvent(event, { attemptNow });
    } catch (error) {
      logger.error('event processing failed, will retry', {
        eventType: event.eventType,
        eventId: event.eventId,
        outcome: 'failed',
        error: errorSummary(error),
      });
      throw error;
    }
  }

  return async (event, context) => {
    await ready(); // a configuration problem fails the whole batch (retried), not each record
    return processPartialResponse(event, processRecord, processor, { context });
  };
}
