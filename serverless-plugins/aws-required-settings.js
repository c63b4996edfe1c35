'use strict';

const { assertRequiredSettings } = require('./required-settings');

/**
 * `sls deploy` (AWS, not the local stage): stops before CloudFormation is called when a required setting
 * is empty (serverless-plugins/required-settings.js). Packaging alone is not checked: CI packages
 * offline without the stage's variables to catch template errors early.
 */
class AwsRequiredSettings {
  constructor(serverless, options) {
    this.hooks = {
      'before:deploy:deploy': () => {
        const stage = (options && options.stage) || serverless.service.provider.stage;
        if (stage === 'local') return;
        const providerEnv = serverless.service.provider.environment || {};
        const functions = Object.entries(serverless.service.functions || {}).map(([key, fn]) => ({
          key,
          environment: { ...providerEnv, ...(fn.environment || {}) },
        }));
        const recovery = serverless.service.functions?.recoverFailedPushes?.events?.[0]?.schedule;
        assertRequiredSettings(
          functions,
          {
            secretsInEnvironment: false,
            recoveryEnabled: !(recovery && recovery.enabled === false),
          },
          serverless.classes.Error,
        );
      },
    };
  }
}

module.exports = AwsRequiredSettings;
