'use strict';

/**
 * Settings a deploy needs, checked from the resolved configuration before anything is created or
 * changed: an empty one stops the deploy, naming the variable and the function that needs it (both
 * clouds' templates default missing variables to '', which would otherwise deploy silently and fail
 * at run time).
 *
 * `functions`: [{ key, environment }] as resolved; `options.secretsInEnvironment`: true on Alibaba Cloud,
 * where the secrets themselves are function variables (on AWS they come from SSM by name);
 * `options.recoveryEnabled`: false when DINGTALK_RECOVERY_ENABLED=false.
 */
function missingSettings(functions, options) {
  const required = {
    callback: [
      'DINGTALK_OWNER_KEY',
      ...(options.secretsInEnvironment ? ['DINGTALK_TOKEN', 'DINGTALK_AES_KEY'] : []),
    ],
    recoverFailedPushes: options.recoveryEnabled
      ? ['DINGTALK_APP_KEY', ...(options.secretsInEnvironment ? ['DINGTALK_APP_SECRET'] : [])]
      : [],
  };
  const problems = [];
  for (const fn of functions) {
    const environment = fn.environment || {};
    const empty = (name) => environment[name] === undefined || String(environment[name]).trim() === '';
    // With DINGTALK_APPS the callback's apps are in the list (lib/startup/app-settings.ts reads it in full
    // at cold start); its shape is checked here so a bad list stops the deploy too.
    const apps = fn.key === 'callback' && !empty('DINGTALK_APPS');
    if (apps) problems.push(...appListProblems(environment.DINGTALK_APPS, options, fn.key));
    for (const name of apps ? [] : required[fn.key] || []) {
      if (empty(name)) problems.push(`${name} is empty (function ${fn.key})`);
    }
    if (options.secretsInEnvironment && !empty('FORWARD_URL') && empty('FORWARD_SECRET')) {
      problems.push(`FORWARD_SECRET is empty while FORWARD_URL is set (function ${fn.key})`);
    }
  }
  return problems;
}

/**
 * The deploy-time check of DINGTALK_APPS: a JSON array of apps, each with a valid, unique id and (where
 * secrets are function variables) its token and 43-character AES key. Names app and field, never a value.
 */
function appListProblems(text, options, key) {
  let list;
  try {
    list = JSON.parse(text);
  } catch {
    return [`DINGTALK_APPS is not JSON (function ${key})`];
  }
  if (!Array.isArray(list) || list.length === 0)
    return [`DINGTALK_APPS must be a non-empty JSON array (function ${key})`];
  const problems = [];
  const seen = new Set();
  list.forEach((app, index) => {
    const id =
      app && typeof app.id === 'string' && /^[A-Za-z0-9][A-Za-z0-9-]{0,31}$/.test(app.id)
        ? app.id
        : undefined;
    const where = `DINGTALK_APPS[${index}]${id ? ` (${id})` : ''}`;
    if (!id) problems.push(`${where}: id must be 1-32 letters, digits or "-" (function ${key})`);
    else if (seen.has(id)) problems.push(`${where}: id is listed twice (function ${key})`);
    if (id) seen.add(id);
    if (options.secretsInEnvironment && app && typeof app === 'object') {
      if (typeof app.token !== 'string' || app.token.trim() === '')
        problems.push(`${where}: token is not set (function ${key})`);
      if (typeof app.aesKey !== 'string' || !/^[A-Za-z0-9]{43}$/.test(app.aesKey.trim()))
        problems.push(`${where}: aesKey must be exactly 43 characters of [A-Za-z0-9] (function ${key})`);
    }
  });
  return problems;
}

/** Throws the error a deploy stops with (the framework's own error class: no stack trace), when something is missing. */
function assertRequiredSettings(functions, options, ErrorClass = Error) {
  const problems = missingSettings(functions, options);
  if (problems.length > 0) {
    throw new ErrorClass(
      `deploy stopped before creating anything: ${problems.join('; ')}. ` +
        'Set them in the deploying shell or the CI/CD variables (docs/configuration.md).',
    );
  }
}

module.exports = { missingSettings, assertRequiredSettings };
