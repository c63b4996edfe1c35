import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SignatureV4 } from '@smithy/signature-v4';
import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDbEventWriter, NodeSha256 } from '../../lib/dynamodb-event-writer';

const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session-token-example',
};
const REGION = 'ap-southeast-1';

interface WireRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * Checks a request as AWS would: from the bytes that crossed the wire, recompute the SigV4 signature
 * over the headers it claims to have signed and compare. (The recomputation uses AWS's signer; what is
 * under test is that the writer sends exactly what it signed. The SDK's own request passing the check
 * shows the checker, hash included, computes what AWS computes.)
 */
async function signatureIsValid(request: WireRequest): Promise<boolean> {
  const authorization = String(request.headers.authorization ?? '');
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  if (!match) return false;
  const [, accessKeyId, , region, service, signedHeaders] = match;
  if (accessKeyId !== CREDENTIALS.accessKeyId) return false;
  const headers: Record<string, string> = {};
  for (const name of signedHeaders!.split(';')) headers[name] = String(request.headers[name] ?? '');
  const declaredHash = headers['x-amz-content-sha256'];
  if (declaredHash && declaredHash !== createHash('sha256').update(request.body).digest('hex')) return false;
  const amzDate = headers['x-amz-date']!;
  const signingDate = new Date(
    amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
  );
  const signer = new SignatureV4({
    service: service!,
    region: region!,
    credentials: CREDENTIALS,
    sha256: NodeSha256,
    applyChecksum: false,
  });
  const [host, port] = headers.host!.split(':');
  const recomputed = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: host!,
      port: Number(port),
      path: request.path,
      query: {},
      headers,
      body: request.body,
    },
    { signingDate },
  );
  return recomputed.headers.authorization === authorization;
}

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
