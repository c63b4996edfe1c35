import { expect } from 'chai';
import {
  ConfigError,
  DEFAULT_MAX_BODY_BYTES,
  loadCallbackConfig,
  loadStreamConfig,
} from '../../lib/startup/config';

const valid = {
  DINGTALK_TOKEN: 'token123',
  DINGTALK_AES_KEY: '4g5j64qlyl3zvetqxz5jiocdr586fn2zvjpa8zls3ij',
  DINGTALK_OWNER_KEY: 'dingappkey, dingcorp ,',
  EVENTS_TABLE: 'dingtalk-callback-events-dev',
};

function problems(env: Record<string, string | undefined>): string[] {
  try {
    loadCallbackConfig(env);
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  return [];
}

describe('loadCallbackConfig', () => {
  it('GIVEN a complete environment WHEN loaded THEN owner keys are split and trimmed, defaults applied', () => {
    expect(loadCallbackConfig(valid)).to.deep.equal({
      dingtalk: { token: 'token123', aesKey: valid.DINGTALK_AES_KEY, ownerKeys: ['dingappkey', 'dingcorp'] },
      eventsTable: 'dingtalk-callback-events-dev',
      maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
    });
  });

  it('GIVEN an endpoint and a body limit WHEN loaded THEN both are used', () => {
    const config = loadCallbackConfig({
      ...valid,
      DYNAMODB_ENDPOINT: 'http://localhost:8000',
      MAX_BODY_BYTES: '2048',
    });
    expect(config).to.include({ dynamoDbEndpoint: 'http://localhost:8000', maxBodyBytes: 2048 });
  });

  it('GIVEN nothing WHEN loaded THEN every missing variable is named at once', () => {
    expect(problems({})).to.deep.equal([
      'DINGTALK_TOKEN is not set',
      'DINGTALK_AES_KEY is not set',
      'DINGTALK_OWNER_KEY is not set',
      'EVENTS_TABLE is not set',
    ]);
  });

  it('GIVEN a 42-character AES key WHEN loaded THEN the error names the variable and the length, not the key', () => {
    const [problem] = problems({ ...valid, DINGTALK_AES_KEY: valid.DINGTALK_AES_KEY.slice(1) });
    expect(problem).to.equal(
      'DINGTALK_AES_KEY must be exactly 43 characters of [A-Za-z0-9] (got 42 characters)',
    );
    expect(problem).not.to.contain(valid.DINGTALK_AES_KEY.slice(1));
  });

  it('GIVEN malformed values WHEN loaded THEN each is reported', () => {
    expect(
      problems({
        ...valid,
        DINGTALK_TOKEN: 'a b',
        DINGTALK_OWNER_KEY: ' , ',
        DYNAMODB_ENDPOINT: 'not a url',
        MAX_BODY_BYTES: '-1',
      }),
    ).to.have.length(4);
    expect(problems({ ...valid, EVENTS_TABLE: 'ab' })).to.deep.equal([
      'EVENTS_TABLE must be a table name (3-255 of [A-Za-z0-9_.-])',
    ]);
  });

  it('GIVEN a value that could be a misplaced secret in every checked variable WHEN rejected THEN no message holds the value', () => {
    const leaked = 'whsec_Sup3rS3cr3t-value';
    const env: Record<string, string> = {
      ...valid,
      DINGTALK_TOKEN: `${leaked} with spaces`,
      DINGTALK_AES_KEY: leaked,
      DYNAMODB_ENDPOINT: leaked,
      MAX_BODY_BYTES: leaked,
      EVENTS_TABLE: `${leaked}!`,
    };
    const found = problems(env);
    expect(found).to.have.length(5);
    for (const problem of found) expect(problem).not.to.contain('Sup3rS3cr3t');
    const error = (() => {
      try {
        loadStreamConfig({ APPROVALS_TABLE: 'approvals', FORWARD_URL: leaked, FORWARD_SECRET: leaked });
      } catch (caught) {
        return caught as Error;
      }
      return undefined;
    })();
    expect(error?.message).to.contain('FORWARD_URL');
    expect(error?.message).not.to.contain('Sup3rS3cr3t');
  });
});
