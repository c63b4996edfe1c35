import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { APIGatewayProxyEvent, DynamoDBRecord } from 'aws-lambda';
import type { CallbackRequest } from '../core/ingest';
import type { StoredEvent } from '../core/stored-event';
import type { DynamoDbEventStore } from './dynamodb-event-store';
import { isPartItem } from './events-table-item';

/** API Gateway REST proxy integration (POST /dingtalk, POST /dingtalk/{app}) → the callback request. */
export function callbackRequestFromApiGateway(event: APIGatewayProxyEvent): CallbackRequest {
  const body =
    event.body === null ? undefined : event.isBase64Encoded ? Buffer.from(event.body, 'base64') : event.body;
  const appId = event.pathParameters?.app;
  return {
    method: event.httpMethod,
    query: event.queryStringParameters ?? {},
    body,
    ...(appId === undefined ? {} : { appId }),
  };
}

/**
 * A DynamoDB stream record of the events table as the stored event it inserted; undefined for anything
 * else (events are written once; the only other changes are REMOVEs by the table's time to live, and
 * the event source mapping already filters for INSERT) and for the part items of a split payload, whose
 * event `events` reads back whole.
 */
export async function storedEventFromTableChange(
  record: DynamoDBRecord,
  events: Pick<DynamoDbEventStore, 'eventFromItem'>,
): Promise<StoredEvent | undefined> {
  if (record.eventName !== 'INSERT' || !record.dynamodb?.NewImage) return undefined;
  const item = unmarshall(record.dynamodb.NewImage as Record<string, AttributeValue>);
  if (isPartItem(item)) return undefined;
  return events.eventFromItem(item);
}
