'use strict';
/**
 * API Gateway stage throttling for the REST API, which serverless 3 cannot declare (it manages the
 * stage through its own SDK calls, not a Stage resource). After `sls deploy`, sets the stage's default
 * method throttling from `custom.apiThrottling` ({ rateLimit, burstLimit }) with the same SDK the
 * framework uses. Skipped for the local stage and for deployments without an http event.
 */

/** The patch operations for UpdateStage. */
function throttlingPatch({ rateLimit, burstLimit }) {
  const rate = Number(rateLimit);
  const burst = Number(burstLimit);
  if (!(rate > 0) || !Number.isInteger(burst) || burst < 1) {
    throw new Error(
      `custom.apiThrottling needs a positive rateLimit and an integer burstLimit >= 1 (got ${rateLimit}, ${burstLimit})`,
    );
  }
  return [
    { op: 'replace', path: '/*/*/throttling/rateLimit', value: String(rate) },
    { op: 'replace', path: '/*/*/throttling/burstLimit', value: String(burst) },
  ];
}

class AwsStageThrottling {
  constructor(serverless, options) {
    this.serverless = serverless;
    this.options = options || {};
    this.hooks = {
      'after:deploy:deploy': () => this.apply(),
    };
  }

  async apply() {
    const service = this.serverless.service;
    if (service.provider.name !== 'aws') return;
    const settings = (service.custom || {}).apiThrottling;
    if (!settings) return;
    const patchOperations = throttlingPatch(settings);
    const provider = this.serverless.getProvider('aws');
    const { StackResourceDetail } = await provider.request('CloudFormation', 'describeStackResource', {
      StackName: provider.naming.getStackName(),
      LogicalResourceId: 'ApiGatewayRestApi',
    });
    await provider.request('APIGateway', 'updateStage', {
      restApiId: StackResourceDetail.PhysicalResourceId,
      stageName: provider.getStage(),
      patchOperations,
    });
    this.serverless.cli.log(
      `[aws-stage-throttling] stage ${provider.getStage()}: ${settings.rateLimit} req/s, burst ${settings.burstLimit}`,
    );
  }
}

module.exports = AwsStageThrottling;
module.exports.throttlingPatch = throttlingPatch;
