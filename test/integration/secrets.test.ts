import { expect } from 'chai';
import { ConfigError } from '../../lib/startup/settings';
import { PowertoolsParameterSource } from '../../lib/aws/powertools-parameter-source';
import type { ParameterSource } from '../../lib/startup/secrets';
import { withSecretsResolved } from '../../lib/startup/secrets';
import { SignedSsmParameterSource } from '../../lib/aws/ssm-parameter-source';
import type { AwsJsonPeer } from '../support/aws-loopback';
import { signatureIsValid, startAwsJsonPeer, TEST_AWS_CREDENTIALS } from '../support/aws-loopback';
import { runCli } from '../support/cli';

/** SSM's GetParameters as the service answers it: found ones in Parameters, the rest in InvalidParameters. */
const STORED: Record<string, string> = {
  '/dingtalk-callback/prod/dingtalk-token': 'prod-token-value',
  '/dingtalk-callback/prod/dingtalk-aes-key': 'prodAesKey'.padEnd(43, 'k'),
  '/dingtalk-callback/prod/dingtalk-app-secret': 'app-secret-value',
};

describe('Secrets in SSM Parameter Store (a loopback stand-in for SSM GetParameters/PutParameter that checks SigV4)', function () {
  this.timeout(30_000);
  let ssm: AwsJsonPeer;

  before(async () => {
    ssm = await startAwsJsonPeer((target, input) => {
      if (target === 'AmazonSSM.PutParameter') {
        if (input.Type !== 'SecureString' || input.Overwrite !== true) {
          return {
            status: 400,
            body: { __type: 'ValidationException', message: 'SecureString with Overwrite expected' },
          };
        }
        STORED[input.Name as string] = input.Value as string;
        return { status: 200, body: { Version: 2, Tier: 'Standard' } };
      }
      if (target !== 'AmazonSSM.GetParameters')
        return { status: 400, body: { __type: 'UnknownOperationException' } };
      if (input.WithDecryption !== true)
        return { status: 400, body: { __type: 'ValidationException', message: 'decrypt' } };
      const names = input.Names as string[];
      return {
        status: 200,
        body: {
          Parameters: names
            .filter((name) => name in STORED)
            .map((name) => ({ Name: name, Type: 'SecureString', Value: STORED[name], Version: 1 })),
          InvalidParameters: names.filter((name) => !(name in STORED)),
        },
      };
    });
  });

  after(() => ssm.close());

  const env = {
    DINGTALK_TOKEN_PARAM: '/dingtalk-callback/prod/dingtalk-token',
    DINGTALK_AES_KEY_PARAM: '/dingtalk-callback/prod/dingtalk-aes-key',
    DINGTALK_OWNER_KEY: 'dingcorp',
  };

  const sources: Array<[string, () => ParameterSource]> = [
    [
      'the callback’s signed GetParameters',
      () =>
        new SignedSsmParameterSource({
          region: 'ap-southeast-1',
          endpoint: ssm.endpoint,
          credentials: TEST_AWS_CREDENTIALS,
        }),
    ],
    [
      'Powertools Parameters (stream and recovery functions)',
      () => new PowertoolsParameterSource({ region: 'ap-southeast-1', endpoint: ssm.endpoint }),
    ],
  ];

  for (const [name, open] of sources) {
    describe(name, () => {
      let saved: NodeJS.ProcessEnv;
      before(() => {
        // The SDK's credential chain reads these, as in Lambda.
        saved = { ...process.env };
        process.env.AWS_ACCESS_KEY_ID = TEST_AWS_CREDENTIALS.accessKeyId;
        process.env.AWS_SECRET_ACCESS_KEY = TEST_AWS_CREDENTIALS.secretAccessKey;
        process.env.AWS_SESSION_TOKEN = TEST_AWS_CREDENTIALS.sessionToken;
      });
      after(() => {
        process.env = saved;
      });

      it('GIVEN *_PARAM names WHEN resolved THEN the variables hold the decrypted values, fetched with a valid signature', async () => {
        ssm.received.length = 0;
        const resolved = await withSecretsResolved(env, open());
        expect(resolved).to.include({
          DINGTALK_TOKEN: 'prod-token-value',
          DINGTALK_AES_KEY: STORED['/dingtalk-callback/prod/dingtalk-aes-key'],
          DINGTALK_OWNER_KEY: 'dingcorp',
        });
        expect(ssm.received.length).to.be.at.least(1);
        for (const request of ssm.received) expect(await signatureIsValid(request)).to.equal(true);
      });

      it('GIVEN a parameter that does not exist WHEN resolved THEN a configuration error names variable and parameter, no value', async () => {
        const error = await withSecretsResolved(
          { ...env, DINGTALK_APP_SECRET_PARAM: '/dingtalk-callback/prod/missing' },
          open(),
        ).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).to.be.instanceOf(ConfigError);
        expect((error as Error).message)
          .to.contain('DINGTALK_APP_SECRET_PARAM')
          .and.contain('/dingtalk-callback/prod/missing');
        expect((error as Error).message).not.to.contain('prod-token-value');
      });
    });
  }

  it('GIVEN secrets in the environment WHEN `put-secrets --stage staging` runs THEN SecureStrings the functions can read back, names printed, values not', async () => {
    const token = 'staging-token-1';
    const aesKey = 'stagingAesKey'.padEnd(43, 'z');
    const result = await runCli(['put-secrets', '--stage', 'staging', '--region', 'ap-southeast-1'], {
      ...process.env,
      AWS_ACCESS_KEY_ID: TEST_AWS_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_AWS_CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: TEST_AWS_CREDENTIALS.sessionToken,
      SSM_ENDPOINT: ssm.endpoint,
      DINGTALK_TOKEN: token,
      DINGTALK_AES_KEY: aesKey,
      DINGTALK_APP_SECRET: '',
      FORWARD_SECRET: '',
    });
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout)
      .to.contain('/dingtalk-callback/staging/dingtalk-token')
      .and.not.contain(token)
      .and.not.contain(aesKey);
    const resolved = await withSecretsResolved(
      {
        DINGTALK_TOKEN_PARAM: '/dingtalk-callback/staging/dingtalk-token',
        DINGTALK_AES_KEY_PARAM: '/dingtalk-callback/staging/dingtalk-aes-key',
      },
      new SignedSsmParameterSource({
        region: 'ap-southeast-1',
        endpoint: ssm.endpoint,
        credentials: TEST_AWS_CREDENTIALS,
      }),
    );
    expect(resolved).to.include({ DINGTALK_TOKEN: token, DINGTALK_AES_KEY: aesKey });
  });

  it('GIVEN a malformed AES key WHEN `put-secrets` runs THEN refused before anything is stored', async () => {
    const result = await runCli(['put-secrets', '--stage', 'bad'], {
      ...process.env,
      SSM_ENDPOINT: ssm.endpoint,
      DINGTALK_AES_KEY: 'short',
      DINGTALK_TOKEN: 'tok',
    });
    expect(result.code).to.equal(2);
    expect(result.stderr)
      .to.contain('DINGTALK_AES_KEY must be exactly 43 characters')
      .and.not.contain('short');
    expect(Object.keys(STORED).some((name) => name.startsWith('/dingtalk-callback/bad/'))).to.equal(false);
  });

  it('GIVEN FORWARD_SECRET_PARAM but no FORWARD_URL WHEN resolved THEN the (absent) forwarding secret is not read', async () => {
    ssm.received.length = 0;
    const resolved = await withSecretsResolved(
      { FORWARD_SECRET_PARAM: '/dingtalk-callback/prod/forward-secret', FORWARD_URL: '' },
      new SignedSsmParameterSource({
        region: 'ap-southeast-1',
        endpoint: ssm.endpoint,
        credentials: TEST_AWS_CREDENTIALS,
      }),
    );
    expect(resolved.FORWARD_SECRET).to.equal(undefined);
    expect(ssm.received).to.have.length(0);
  });

  it('GIVEN no *_PARAM WHEN resolved THEN nothing is fetched (local runs keep plain variables)', async () => {
    ssm.received.length = 0;
    const plain = { DINGTALK_TOKEN: 'local', DINGTALK_AES_KEY: 'x'.repeat(43) };
    expect(
      await withSecretsResolved(
        plain,
        new SignedSsmParameterSource({
          region: 'ap-southeast-1',
          endpoint: ssm.endpoint,
          credentials: TEST_AWS_CREDENTIALS,
        }),
      ),
    ).to.deep.equal(plain);
    expect(ssm.received).to.have.length(0);
  });
  it('GIVEN DINGTALK_APPS without secrets and each app’s put by `put-secrets --app` WHEN the callback’s environment is resolved THEN each app gets its own token and AES key, and only those fields are read', async () => {
    const ssmSource = () =>
      new SignedSsmParameterSource({
        region: 'ap-southeast-1',
        endpoint: ssm.endpoint,
        credentials: TEST_AWS_CREDENTIALS,
      });
    const keys = { hr: 'hrAesKey'.padEnd(43, 'h'), oa: 'oaAesKey'.padEnd(43, 'o') };
    for (const app of ['hr', 'oa'] as const) {
      const result = await runCli(
        ['put-secrets', '--stage', 'multi', '--app', app, '--region', 'ap-southeast-1'],
        {
          ...process.env,
          AWS_ACCESS_KEY_ID: TEST_AWS_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: TEST_AWS_CREDENTIALS.secretAccessKey,
          AWS_SESSION_TOKEN: TEST_AWS_CREDENTIALS.sessionToken,
          SSM_ENDPOINT: ssm.endpoint,
          DINGTALK_TOKEN: `${app}-token-value`,
          DINGTALK_AES_KEY: keys[app],
          DINGTALK_APP_SECRET: `${app}-app-secret`,
          FORWARD_SECRET: 'whsec_not-per-app',
        },
      );
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stdout)
        .to.contain(`/dingtalk-callback/multi/apps/${app}/dingtalk-token`)
        .and.not.contain('forward-secret');
    }
    const list = [
      { id: 'hr', ownerKey: 'dinghr' },
      { id: 'oa', ownerKey: 'dingoa' },
    ];
    const before = ssm.received.length;
    const resolved = await withSecretsResolved(
      {
        DINGTALK_APPS: JSON.stringify(list),
        DINGTALK_APP_SECRETS_PREFIX: '/dingtalk-callback/multi/apps',
        DINGTALK_APP_SECRET_FIELDS: 'token,aesKey',
        // The single app's parameters are not read when apps are listed.
        DINGTALK_TOKEN_PARAM: '/dingtalk-callback/multi/dingtalk-token',
      },
      ssmSource(),
    );
    expect(JSON.parse(resolved.DINGTALK_APPS!)).to.deep.equal([
      { id: 'hr', ownerKey: 'dinghr', token: 'hr-token-value', aesKey: keys.hr },
      { id: 'oa', ownerKey: 'dingoa', token: 'oa-token-value', aesKey: keys.oa },
    ]);
    const asked = ssm.received
      .slice(before)
      .flatMap((request) => (JSON.parse(request.body) as { Names?: string[] }).Names ?? []);
    expect(asked.sort()).to.deep.equal(
      ['hr', 'oa']
        .flatMap((app) =>
          ['dingtalk-aes-key', 'dingtalk-token'].map((p) => `/dingtalk-callback/multi/apps/${app}/${p}`),
        )
        .sort(),
    );
    try {
      await withSecretsResolved(
        {
          DINGTALK_APPS: JSON.stringify([{ id: 'payroll', ownerKey: 'k' }]),
          DINGTALK_APP_SECRETS_PREFIX: '/dingtalk-callback/multi/apps',
          DINGTALK_APP_SECRET_FIELDS: 'token',
        },
        ssmSource(),
      );
      expect.fail('resolved an app whose secret does not exist');
    } catch (error) {
      expect((error as ConfigError).problems).to.deep.equal([
        'app payroll: its token is read from SSM parameter /dingtalk-callback/multi/apps/payroll/dingtalk-token, which does not exist or cannot be read (put-secrets --app payroll)',
      ]);
    }
  });
});
