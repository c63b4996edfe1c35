import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { expect } from 'chai';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDbEventWriter } from '../../lib/aws/dynamodb-event-writer';
import type { WireRequest } from '../support/aws-loopback';
import { signatureIsValid, TEST_AWS_CREDENTIALS } from '../support/aws-loopback';

const CREDENTIALS = TEST_AWS_CREDENTIALS;
const REGION = 'ap-southeast-1';

describe('DynamoDbEventWriter signing (a loopback peer that checks SigV4 from the wire, as DynamoDB does)', () => {
  let server: Server;
  let endpoint: string;
  const received: WireRequest[] = [];

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({
          method: req.method!,
          path: req.url!,
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  beforeEach(() => {
    received.length = 0;
  });

  it('GIVEN the AWS SDK’s own PutItem WHEN checked THEN it is valid (the checker accepts real SDK traffic)', async () => {
    const client = new DynamoDBClient({ region: REGION, endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
    await client.send(new PutItemCommand({ TableName: 't', Item: { eventId: { S: 'sdk' } } }));
    client.destroy();
    expect(received).to.have.length(1);
    expect(await signatureIsValid(received[0]!)).to.equal(true);
  });

  it('GIVEN a put by the writer WHEN checked THEN the signature is valid, with the session token and target signed', async () => {
    const writer = new DynamoDbEventWriter({
      tableName: 't',
      region: REGION,
      endpoint,
      credentials: CREDENTIALS,
    });
    expect(
      await writer.put({
        eventId: 'e1',
        eventType: 'x',
        receivedAt: '2026-11-26T00:00:00.000Z',
        ownerKey: 'o',
        payload: '{"审批":9007199254740993}',
        eventTime: 1,
      }),
    ).to.equal('stored');
    writer.destroy();
    const request = received[0]!;
    expect(await signatureIsValid(request)).to.equal(true);
    expect(request.headers['x-amz-target']).to.equal('DynamoDB_20120810.PutItem');
    expect(request.headers['x-amz-security-token']).to.equal(CREDENTIALS.sessionToken);
    expect(String(request.headers.authorization)).to.match(
      /SignedHeaders=[^,]*x-amz-security-token[^,]*x-amz-target/,
    );
    expect(request.headers['transfer-encoding']).to.equal(undefined);
    expect(JSON.parse(request.body)).to.deep.equal({
      TableName: 't',
      Item: {
        eventId: { S: 'e1' },
        eventType: { S: 'x' },
        receivedAt: { S: '2026-11-26T00:00:00.000Z' },
        ownerKey: { S: 'o' },
        payload: { S: '{"审批":9007199254740993}' },
        eventTime: { N: '1' },
        receivedMonth: { S: '2026-11' },
        // Retention (default 90 days) as the item's time to live: 2026-11-26 + 90 days, epoch seconds.
        ttl: { N: String(Date.parse('2027-02-24T00:00:00.000Z') / 1000) },
      },
      ConditionExpression: 'attribute_not_exists(eventId)',
    });
  });

  it('GIVEN one body byte changed after signing WHEN checked THEN it is rejected (the checker can fail)', async () => {
    const writer = new DynamoDbEventWriter({
      tableName: 't',
      region: REGION,
      endpoint,
      credentials: CREDENTIALS,
    });
    await writer.put({
      eventId: 'e2',
      eventType: 'x',
      receivedAt: '2026-11-26T00:00:00.000Z',
      ownerKey: 'o',
      payload: '{}',
    });
    writer.destroy();
    const tampered = { ...received[0]!, body: received[0]!.body.replace('"e2"', '"e3"') };
    expect(await signatureIsValid(tampered)).to.equal(false);
  });
});
