import type { DingTalkSettings } from '../lib/startup/settings';
import { loadDingTalkApiSettings } from '../lib/startup/settings';
import type { CallbackRegistration } from '../lib/dingtalk/open-api';
import { DEFAULT_CALLBACK_TAGS, DingTalkApi } from '../lib/dingtalk/open-api';
import { cliDingTalkSettings } from './cli-config';

export interface RegisterOptions {
  url: string;
  tags?: string[];
}

type Env = NodeJS.ProcessEnv;

/** The open-API client the CLI uses: DINGTALK_APP_KEY / DINGTALK_APP_SECRET / DINGTALK_API_BASE. */
export function cliDingTalkApi(env: Env): DingTalkApi {
  return new DingTalkApi(loadDingTalkApiSettings(env));
}

/** `register` and `update`: DingTalk checks the URL with an encrypted check_url before it says ok. */
export async function registerCallback(
  mode: 'register' | 'update',
  options: RegisterOptions,
  env: Env,
): Promise<number> {
  const api = cliDingTalkApi(env);
  const settings = registrationSecrets(env);
  const registration: CallbackRegistration = {
    url: options.url,
    token: settings.token,
    aesKey: settings.aesKey,
    tags: options.tags ?? [...DEFAULT_CALLBACK_TAGS],
  };
  await (mode === 'register' ? api.register(registration) : api.update(registration));
  console.log(
    `${mode === 'register' ? 'registered' : 'updated'} ${options.url} for ${registration.tags.length} event types` +
      ' (DingTalk verified the URL with check_url)',
  );
  return 0;
}

/** `show`: the registration as DingTalk has it; token and AES key are compared, never printed. */
export async function showCallback(options: { json: boolean }, env: Env): Promise<number> {
  const current = await cliDingTalkApi(env).show();
  const configured = cliDingTalkSettings(env).settings;
  const view = {
    url: current.url,
    tags: current.tags,
    token: current.token === configured.token ? 'matches DINGTALK_TOKEN' : 'differs from DINGTALK_TOKEN',
    aesKey:
      current.aesKey === configured.aesKey ? 'matches DINGTALK_AES_KEY' : 'differs from DINGTALK_AES_KEY',
  };
  if (options.json) {
    console.log(JSON.stringify(view));
  } else {
    console.log(`url:     ${view.url}`);
    console.log(`token:   ${view.token}`);
    console.log(`aes key: ${view.aesKey}`);
    console.log(`tags:    ${view.tags.join(', ')}`);
  }
  return 0;
}

export async function deleteCallback(env: Env): Promise<number> {
  await cliDingTalkApi(env).delete();
  console.log('deleted the callback registration');
  return 0;
}

/**
 * The token and AES key to register. The development pair of `npm start` is public: it may be registered
 * with a stand-in (DINGTALK_API_BASE set), never with DingTalk itself.
 */
function registrationSecrets(env: Env): DingTalkSettings {
  const { settings, usedDevCredentials } = cliDingTalkSettings(env);
  if (usedDevCredentials && !env.DINGTALK_API_BASE) {
    throw new Error(
      'DINGTALK_TOKEN and DINGTALK_AES_KEY are not set: refusing to register the public development ' +
        'credentials with DingTalk. Set the values your callback runs with.',
    );
  }
  return settings;
}
