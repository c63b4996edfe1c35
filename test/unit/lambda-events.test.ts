import { expect } from 'chai';
import type { APIGatewayProxyEvent, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDynamoDbDocumentClient } from '../../lib/aws/dynamodb-client';
import { DynamoDbEventStore } from '../../lib/aws/dynamodb-event-store';
import { callbackRequestFromApiGateway, storedEventFromTableChange } from '../../lib/aws/lambda-events';

const FIXTURES = join(__dirname, '..', 'fixtures', 'aws');
const fixture = <T>(file: string): T => JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as T;

// An events store whose client points nowhere: an item that is whole needs no read, so none is made.
const events = new DynamoDbEventStore(
  createDynamoDbDocumentClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', maxAttempts: 1 }),
  'unused',
);

describe('AWS events (fixtures: API Gateway REST proxy, DynamoDB Streams)', () => {
  const query = { signature: 'a'.repeat(40), timestamp: '1764489600000', nonce: 'n0nce' };

  it('GIVEN an API Gateway proxy event WHEN unwrapped THEN method, query and the body as sent', () => {
    const event = fixture<APIGatewayProxyEvent>('api-gateway-proxy-event.json');
    event.queryStringParameters = query;
    event.body = '{"encrypt":"abc="}';
    expect(callbackRequestFromApiGateway(event)).to.deep.equal({
      method: 'POST',
      query,
      body: '{"encrypt":"abc="}',
    });
  });

  it('GIVEN a base64 body and no query WHEN unwrapped THEN the body bytes decoded and an empty query', () => {
    const event = fixture<APIGatewayProxyEvent>('api-gateway-proxy-event.json');
    event.queryStringParameters = null;
    event.body = Buffer.from('{"encrypt":"x"}').toString('base64');
    event.isBase64Encoded = true;
    const request = callbackRequestFromApiGateway(event);
    expect(request.query).to.deep.equal({});
    expect(Buffer.from(request.body as Buffer).toString()).to.equal('{"encrypt":"x"}');
  });

  it('GIVEN an INSERT of an event WHEN read THEN the stored event, the payload text exact (a 64-bit task id keeps its digits)', async () => {
    const [insert] = fixture<DynamoDBStreamEvent>('dynamodb-stream-event.json').Records;
    const event = await storedEventFromTableChange(insert!, events);
    expect(event).to.deep.include({
      eventId: 'bpms_instance_change:pi-fixture-1:finish',
      eventType: 'bpms_instance_change',
      corpId: 'dingcorp',
      eventTime: 1764489599123,
      processInstanceId: 'pi-fixture-1',
    });
    expect(event?.payload).to.contain('"taskId":9007199254740993');
  });

  it('GIVEN a REMOVE and the INSERT of a split payload’s part WHEN read THEN neither is an event', async () => {
    const [, remove, part] = fixture<DynamoDBStreamEvent>('dynamodb-stream-event.json').Records;
    expect(await storedEventFromTableChange(remove!, events)).to.equal(undefined);
    expect(await storedEventFromTableChange(part!, events)).to.equal(undefined);
  });

  it('GIVEN the REMOVE DynamoDB makes when an event’s time to live passes WHEN read THEN it is no event (the consumer gets nothing to process)', async () => {
    const expiry = {
      eventID: 'ttl-1',
      eventName: 'REMOVE',
      eventSource: 'aws:dynamodb',
      userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
      dynamodb: {
        Keys: { eventId: { S: 'expired-1' } },
        OldImage: {
          eventId: { S: 'expired-1' },
          eventType: { S: 'bpms_instance_change' },
          receivedAt: { S: '2026-08-01T00:00:00.000Z' },
          ownerKey: { S: 'dingcorp' },
          payload: { S: '{"EventType":"bpms_instance_change"}' },
          ttl: { N: '1785542400' },
        },
        StreamViewType: 'NEW_IMAGE',
      },
    } as unknown as DynamoDBRecord;
    expect(await storedEventFromTableChange(expiry, events)).to.equal(undefined);
  });
});
