import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT, SERVERLESS_BIN } from '../../local-dev/serverless-config';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { missingSettings } = require('../../serverless-plugins/required-settings.js') as {
  missingSettings: (
    functions: Array<{ key: string; environment: Record<string, string> }>,
    options: { secretsInEnvironment: boolean; recoveryEnabled: boolean },
  ) => string[];
};

/** A real `sls deploy`, in a clean environment; no cloud is reachable from here. */
function deploy(
  config: string,
  stage: string,
  env: Record<string, string>,
): { status: number | null; output: string } {
  const work = mkdtempSync(join(tmpdir(), 'required-settings-'));
  const credentials = join(work, 'aliyun_credentials');
  writeFileSync(
    credentials,
    '[default]\naliyun_account_id = 1234567890123456\naliyun_access_key_id = dummy\naliyun_access_key_secret = dummy\n',
  );
  const result = spawnSync(
    process.execPath,
    [SERVERLESS_BIN, 'deploy', '--config', config, '--stage', stage],
    {
      cwd: PROJECT_ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: work,
        AWS_SHARED_CREDENTIALS_FILE: join(work, 'no-aws-credentials'),
        ALIYUN_CREDENTIALS_FILE: credentials,
        SLS_TELEMETRY_DISABLED: '1',
        SLS_NOTIFICATIONS_MODE: 'off',
        CI: '1',
        ...env,
      },
      encoding: 'utf8',
      timeout: 240_000,
    },
  );
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

describe('required deploy settings (serverless-plugins/required-settings.js)', function () {
  this.timeout(600_000);

  it('GIVEN resolved functions WHEN checked THEN each empty required setting is named with its function', () => {
    const functions: Array<{ key: string; environment: Record<string, string> }> = [
      {
        key: 'callback',
        environment: { DINGTALK_OWNER_KEY: '', DINGTALK_TOKEN: 't', DINGTALK_AES_KEY: ' ' },
      },
      { key: 'recoverFailedPushes', environment: { DINGTALK_APP_KEY: '', DINGTALK_APP_SECRET: '' } },
      { key: 'eventStream', environment: { FORWARD_URL: 'https://h.example.com', FORWARD_SECRET: '' } },
    ];
    expect(missingSettings(functions, { secretsInEnvironment: true, recoveryEnabled: true })).to.deep.equal([
      'DINGTALK_OWNER_KEY is empty (function callback)',
      'DINGTALK_AES_KEY is empty (function callback)',
      'DINGTALK_APP_KEY is empty (function recoverFailedPushes)',
      'DINGTALK_APP_SECRET is empty (function recoverFailedPushes)',
      'FORWARD_SECRET is empty while FORWARD_URL is set (function eventStream)',
    ]);
    // AWS reads the secrets from SSM by name; recovery switched off needs no app key.
    expect(missingSettings(functions, { secretsInEnvironment: false, recoveryEnabled: false })).to.deep.equal(
      ['DINGTALK_OWNER_KEY is empty (function callback)'],
    );
  });

  it('GIVEN DINGTALK_APPS for the callback WHEN checked THEN the single-app variables are not required, and a bad list is named by app and field, never a value', () => {
    const secret = 'TopSecretTokenValue';
    const callback = (apps: unknown) => [
      { key: 'callback', environment: { DINGTALK_OWNER_KEY: '', DINGTALK_APPS: JSON.stringify(apps) } },
    ];
    const good = [{ id: 'hr', token: secret, aesKey: 'a'.repeat(43), ownerKey: 'k' }];
    expect(
      missingSettings(callback(good), { secretsInEnvironment: true, recoveryEnabled: false }),
    ).to.deep.equal([]);
    const bad = [{ id: 'hr', token: secret, aesKey: 'short' }, { id: 'hr' }, { id: 'no spaces' }];
    const problems = missingSettings(callback(bad), { secretsInEnvironment: true, recoveryEnabled: false });
    expect(problems).to.deep.equal([
      'DINGTALK_APPS[0] (hr): aesKey must be exactly 43 characters of [A-Za-z0-9] (function callback)',
      'DINGTALK_APPS[1] (hr): id is listed twice (function callback)',
      'DINGTALK_APPS[1] (hr): token is not set (function callback)',
      'DINGTALK_APPS[1] (hr): aesKey must be exactly 43 characters of [A-Za-z0-9] (function callback)',
      'DINGTALK_APPS[2]: id must be 1-32 letters, digits or "-" (function callback)',
      'DINGTALK_APPS[2]: token is not set (function callback)',
      'DINGTALK_APPS[2]: aesKey must be exactly 43 characters of [A-Za-z0-9] (function callback)',
    ]);
    expect(problems.join()).not.to.contain(secret);
    // On AWS the secrets come from SSM per app: only the ids are checked.
    expect(
      missingSettings(callback([{ id: 'hr' }]), { secretsInEnvironment: false, recoveryEnabled: false }),
    ).to.deep.equal([]);
  });

  it('GIVEN no DINGTALK_OWNER_KEY or DINGTALK_APP_KEY WHEN `sls deploy --config serverless.aws.yml --stage prod` runs THEN it stops naming them, before AWS is asked anything', () => {
    const { status, output } = deploy('serverless.aws.yml', 'prod', {});
    expect(status).to.not.equal(0);
    expect(output).to.contain(
      'deploy stopped before creating anything: DINGTALK_OWNER_KEY is empty (function callback)',
    );
    expect(output).to.contain('DINGTALK_APP_KEY is empty (function recoverFailedPushes)');
    expect(output).not.to.contain('credentials not found');
  });

  it('GIVEN the settings WHEN the same deploy runs THEN the check passes and the deploy goes on (to the missing AWS credentials, here)', () => {
    const { status, output } = deploy('serverless.aws.yml', 'prod', {
      DINGTALK_OWNER_KEY: 'dingcorp',
      DINGTALK_APP_KEY: 'k',
    });
    expect(status).to.not.equal(0);
    expect(output).not.to.contain('deploy stopped before creating anything');
    expect(output).to.contain('AWS provider credentials not found');
  });

  it('GIVEN empty DingTalk secrets WHEN `sls deploy --config serverless.aliyun.yml` runs THEN it stops naming them, before any Alibaba API is called', () => {
    const { status, output } = deploy('serverless.aliyun.yml', 'dev', { DINGTALK_OWNER_KEY: 'dingcorp' });
    expect(status).to.not.equal(0);
    expect(output).to.contain(
      'deploy stopped before creating anything: DINGTALK_TOKEN is empty (function callback)',
    );
    expect(output).to.contain('DINGTALK_APP_SECRET is empty (function recoverFailedPushes)');
    expect(output).not.to.match(/Creating service|Uploading|ENOTFOUND|getaddrinfo/);
  });
});
