import { expect } from 'chai';
import { callbackRequestFromFcEvent } from '../../lib/aliyun/fc-http-event';
import { fcHttpEvent } from '../support/aliyun-events';

const push = { query: { signature: 'a'.repeat(40), timestamp: '1', nonce: 'n' }, body: '{"encrypt":"abc="}' };

describe('Function Compute HTTP events (fixtures of both shapes)', () => {
  it('GIVEN the API Gateway shape with a base64 body WHEN parsed THEN method, query and the decoded body', () => {
    const request = callbackRequestFromFcEvent(fcHttpEvent('api-gateway', push));
    expect(request?.method).to.equal('POST');
    expect(request?.query).to.deep.equal(push.query);
    expect(Buffer.from(request!.body as Buffer).toString()).to.equal(push.body);
  });

  it('GIVEN the FC 3.0 HTTP trigger shape WHEN parsed THEN the method comes from requestContext.http', () => {
    const request = callbackRequestFromFcEvent(fcHttpEvent('fc3-http-trigger', push));
    expect(request).to.deep.equal({ method: 'POST', query: push.query, body: push.body });
  });

  it('GIVEN a repeated query parameter WHEN parsed THEN it is dropped rather than guessed', () => {
    const event = Buffer.from(
      JSON.stringify({
        httpMethod: 'POST',
        queryParameters: { nonce: ['a', 'b'], timestamp: ['1'] },
        body: '',
      }),
    );
    expect(callbackRequestFromFcEvent(event)?.query).to.deep.equal({ nonce: undefined, timestamp: '1' });
  });

  for (const bad of ['not json', '[]', '{"no":"method"}', 'null']) {
    it(`GIVEN ${bad} WHEN parsed THEN it is not an HTTP event`, () => {
      expect(callbackRequestFromFcEvent(Buffer.from(bad))).to.equal(undefined);
    });
  }
});
