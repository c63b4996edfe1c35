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
    for (const name of required[fn.key] || []) {
      if (empty(name)) problems.push(`${name} is empty (function ${fn.key})`);
    }
    if (options.secretsInEnvironment && !empty('FORWARD_URL') && empty('FORWARD_SECRET')) {
      problems.push(`FORWARD_SECRET is empty while FORWARD_URL is set (function ${fn.key})`);
    }
  }
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
