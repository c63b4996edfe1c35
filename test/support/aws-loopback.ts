import { SignatureV4 } from '@smithy/signature-v4';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NodeSha256 } from '../../lib/aws/signed-json-client';

/**
 * Loopback peers for AWS JSON-protocol services that cannot run here (SSM) or whose signature
 * checking DynamoDB Local skips: they record requests as they crossed the wire and check SigV4 the way
 * AWS does.
 */
export const TEST_AWS_CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session-token-example',
};
const CREDENTIALS = TEST_AWS_CREDENTIALS;

export interface WireRequest {
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
export async function signatureIsValid(request: WireRequest): Promise<boolean> {
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

export interface AwsJsonPeer {
  endpoint: string;
  received: WireRequest[];
  close(): Promise<void>;
}

/**
 * A loopback HTTP peer answering AWS JSON-protocol requests: `answer(target, input)` returns the
 * status and JSON body; requests whose SigV4 does not verify get 403 InvalidSignatureException, as AWS
 * answers them.
 */
export async function startAwsJsonPeer(
  answer: (target: string, input: Record<string, unknown>) => { status: number; body: unknown },
): Promise<AwsJsonPeer> {
  const received: WireRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        method: req.method!,
        path: req.url!,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(request);
      void signatureIsValid(request).then((valid) => {
        const { status, body } = valid
          ? answer(
              String(req.headers['x-amz-target'] ?? ''),
              JSON.parse(request.body || '{}') as Record<string, unknown>,
            )
          : {
              status: 403,
              body: {
                __type: 'InvalidSignatureException',
                message: 'The request signature we calculated does not match',
              },
            };
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(body));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
