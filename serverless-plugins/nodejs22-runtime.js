'use strict';

/**
 * Serverless Framework v3 (pinned: v4 needs a vendor login and has no Alibaba provider) predates
 * Lambda's nodejs22.x and nodejs24.x runtimes; its config schema rejects the names although
 * CloudFormation accepts them. This plugin adds them to the schema so validation can stay in `error`
 * mode (serverless.aws.yml declares nodejs24.x).
 */
class Nodejs22RuntimePlugin {
  constructor(serverless) {
    const runtimes = serverless.configSchemaHandler?.schema?.definitions?.awsLambdaRuntime?.enum;
    if (Array.isArray(runtimes)) {
      for (const runtime of ['nodejs22.x', 'nodejs24.x']) {
        if (!runtimes.includes(runtime)) runtimes.push(runtime);
      }
    }
  }
}

module.exports = Nodejs22RuntimePlugin;
