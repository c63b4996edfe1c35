import { expect } from 'chai';
import { DEV_DINGTALK_ENV } from '../../local-dev/dev-credentials';
import { runCli } from '../support/cli';
import { DingTalkOpenApiStandIn } from '../../local-dev/dingtalk-open-api-standin';
import type { LocalStack } from '../support/local-stack';
import { freePort, sharedLocalStack } from '../support/local-stack';

const APP = { appKey: 'dingstandinappkey', appSecret: 'stand-in-app-secret' };

describe('CLI register/update/show/delete against a loopback stand-in for DingTalk’s open API (real local endpoint)', function () {
  this.timeout(120_000);
  let stack: LocalStack;
  let dingtalk: DingTalkOpenApiStandIn;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    stack = await sharedLocalStack();
    // The legacy API's owner key is the corpId: the local endpoint accepts `dingdevcorp`.
    dingtalk = await new DingTalkOpenApiStandIn({ ...APP, corpId: 'dingdevcorp' }).start();
    env = {
      ...stack.env,
      DINGTALK_APP_KEY: APP.appKey,
      DINGTALK_APP_SECRET: APP.appSecret,
      DINGTALK_API_BASE: dingtalk.baseUrl,
    };
  });

  after(() => dingtalk.stop());

  it('GIVEN the running endpoint WHEN registered THEN DingTalk’s check_url passed and show/update/delete work', async () => {
    const registered = await runCli(['register', '--url', stack.url], env);
    expect(registered.code, registered.stderr).to.equal(0);
    expect(dingtalk.handshakes).to.deep.equal([{ url: stack.url, outcome: 'success' }]);
    expect(dingtalk.registration).to.include({
      url: stack.url,
      token: DEV_DINGTALK_ENV.DINGTALK_TOKEN,
      aes_key: DEV_DINGTALK_ENV.DINGTALK_AES_KEY,
    });
    expect(dingtalk.registration!.call_back_tag).to.include.members(['bpms_instance_change', 'user_add_org']);

    const shown = await runCli(['show', '--json'], env);
    expect(shown.code, shown.stderr).to.equal(0);
    expect(JSON.parse(shown.stdout)).to.deep.include({
      url: stack.url,
      token: 'matches DINGTALK_TOKEN',
      aesKey: 'matches DINGTALK_AES_KEY',
    });
    // The secrets themselves never reach the terminal.
    expect(shown.stdout).not.to.contain(DEV_DINGTALK_ENV.DINGTALK_AES_KEY);
    expect(shown.stdout).not.to.contain(DEV_DINGTALK_ENV.DINGTALK_TOKEN);

    const twice = await runCli(['register', '--url', stack.url], env);
    expect(twice.code).to.equal(1);
    expect(twice.stderr).to.contain('71006');

    const updated = await runCli(
      ['update', '--url', stack.url, '--tags', 'bpms_task_change,user_leave_org'],
      env,
    );
    expect(updated.code, updated.stderr).to.equal(0);
    expect(dingtalk.registration!.call_back_tag).to.deep.equal(['bpms_task_change', 'user_leave_org']);
    expect(dingtalk.handshakes).to.have.length(2); // the refused second register never got that far

    const deleted = await runCli(['delete'], env);
    expect(deleted.code, deleted.stderr).to.equal(0);
    expect(dingtalk.registration).to.equal(undefined);
    const gone = await runCli(['show'], env);
    expect(gone.code).to.equal(1);
    expect(gone.stderr).to.contain('71007');
  });

  it('GIVEN a token the endpoint does not use WHEN registered THEN the handshake fails with 71009 and nothing is registered', async () => {
    const result = await runCli(['register', '--url', stack.url], {
      ...env,
      DINGTALK_TOKEN: 'a-token-the-endpoint-does-not-know',
    });
    expect(result.code).to.equal(1);
    expect(result.stderr, result.stderr).to.contain('71009').and.contain('check_url');
    expect(dingtalk.handshakes.at(-1)).to.deep.equal({ url: stack.url, outcome: 'bad-reply' });
    expect(dingtalk.registration).to.equal(undefined);
  });

  it('GIVEN a URL nobody listens on WHEN registered THEN DingTalk’s 71012 is reported', async () => {
    const url = `http://127.0.0.1:${await freePort()}/dingtalk`;
    const result = await runCli(['register', '--url', url], env);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.contain('71012');
    expect(dingtalk.registration).to.equal(undefined);
  });

  it('GIVEN a wrong app secret WHEN registering THEN gettoken’s error is reported and the secret is not', async () => {
    const result = await runCli(['register', '--url', stack.url], {
      ...env,
      DINGTALK_APP_SECRET: 'wrong-secret',
    });
    expect(result.code).to.equal(1);
    expect(result.stderr).to.contain('40089');
    expect(result.stderr).not.to.contain('wrong-secret');
  });

  it('GIVEN no DINGTALK_* secrets and the real DingTalk as target WHEN registering THEN the dev credentials are refused offline', async () => {
    const {
      DINGTALK_TOKEN: _t,
      DINGTALK_AES_KEY: _a,
      DINGTALK_OWNER_KEY: _o,
      DINGTALK_API_BASE: _b,
      ...bare
    } = env;
    const result = await runCli(['register', '--url', 'https://example.invalid/dingtalk'], bare);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.contain('refusing to register the public development credentials');
  });

  it('GIVEN no --url WHEN registering THEN usage, exit 2', async () => {
    const result = await runCli(['register'], env);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('register needs --url');
  });
});
