import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT, SERVERLESS_BIN } from '../../local-dev/serverless-config';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { throttlingPatch } = require('../../serverless-plugins/aws-stage-throttling.js') as {
  throttlingPatch: (settings: {
    rateLimit: unknown;
    burstLimit: unknown;
  }) => Array<{ op: string; path: string; value: string }>;
};

type Resource = {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};

const SECRETS = {
  DINGTALK_TOKEN: 'SENTINEL-token-value',
  DINGTALK_AES_KEY: 'SENTINELaesKeyValue0000000000000000000000000',
  DINGTALK_APP_SECRET: 'SENTINEL-app-secret-value',
  FORWARD_SECRET: 'whsec_SENTINELforwardSecretValue000000000000',
};

/** Every IAM statement in the template, with where it came from. */
function statements(resources: Record<string, Resource>) {
  const found: Array<{ role: string; Action: string[]; Resource: unknown[]; Condition?: unknown }> = [];
  for (const [role, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    const policies = (resource.Properties?.Policies ?? []) as Array<{
      PolicyDocument: {
        Statement: Array<{ Action: string | string[]; Resource: unknown; Condition?: unknown }>;
      };
    }>;
    for (const policy of policies) {
      for (const statement of policy.PolicyDocument.Statement) {
        found.push({
          role,
          Action: ([] as string[]).concat(statement.Action),
          Resource: ([] as unknown[]).concat(statement.Resource),
          ...(statement.Condition === undefined ? {} : { Condition: statement.Condition }),
        });
      }
    }
  }
  return found;
}

describe('AWS production template (`sls package --config serverless.aws.yml --stage prod`, offline, no AWS credentials)', function () {
  this.timeout(120_000);
  let resources: Record<string, Resource>;
  let packageDir: string;

  before(() => {
    packageDir = mkdtempSync(join(tmpdir(), 'aws-prod-package-'));
    const env: NodeJS.ProcessEnv = { ...process.env, ...SECRETS, SLS_TELEMETRY_DISABLED: '1', CI: '1' };
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'])
      delete env[name];
    env.AWS_SHARED_CREDENTIALS_FILE = join(packageDir, 'none');
    execFileSync(
      process.execPath,
      [
        SERVERLESS_BIN,
        'package',
        '--config',
        'serverless.aws.yml',
        '--stage',
        'prod',
        '--package',
        packageDir,
      ],
      {
        cwd: PROJECT_ROOT,
        env,
        stdio: 'pipe',
      },
    );
    const template = JSON.parse(
      readFileSync(join(packageDir, 'cloudformation-template-update-stack.json'), 'utf8'),
    ) as {
      Resources: Record<string, Resource>;
    };
    resources = template.Resources;
  });

  it('GIVEN secrets in the deploying shell WHEN packaged THEN no file of the package holds any of them', () => {
    for (const file of readdirSync(packageDir).filter((name) => name.endsWith('.json'))) {
      const text = readFileSync(join(packageDir, file), 'utf8');
      for (const value of Object.values(SECRETS)) expect(text, file).not.to.contain(value);
    }
  });

  it('GIVEN the functions WHEN their environment is read THEN only SSM parameter names, and each function only the settings it uses', () => {
    const environment = (logicalId: string) =>
      (resources[logicalId]!.Properties!.Environment as { Variables: Record<string, string> }).Variables;
    const callback = environment('CallbackLambdaFunction');
    expect(callback).to.include({
      DINGTALK_TOKEN_PARAM: '/dingtalk-callback/prod/dingtalk-token',
      DINGTALK_AES_KEY_PARAM: '/dingtalk-callback/prod/dingtalk-aes-key',
    });
    expect(callback).not.to.have.any.keys(
      'DINGTALK_TOKEN',
      'DINGTALK_AES_KEY',
      'DINGTALK_APP_SECRET_PARAM',
      'FORWARD_SECRET_PARAM',
    );
    expect(environment('EventStreamLambdaFunction')).to.include({
      FORWARD_SECRET_PARAM: '/dingtalk-callback/prod/forward-secret',
    });
    expect(environment('RecoverFailedPushesLambdaFunction')).to.include({
      DINGTALK_APP_SECRET_PARAM: '/dingtalk-callback/prod/dingtalk-app-secret',
    });
    // Settings only where they are used: the owner keys and body limit in the callback, the
    // projection's table in the stream function, forwarding in the two functions that forward.
    const functions = [
      'CallbackLambdaFunction',
      'EventStreamLambdaFunction',
      'RetryDeliveriesLambdaFunction',
      'RecoverFailedPushesLambdaFunction',
    ];
    const holders = (name: string) => functions.filter((fn) => name in environment(fn));
    expect(holders('DINGTALK_OWNER_KEY')).to.deep.equal(['CallbackLambdaFunction']);
    expect(holders('MAX_BODY_BYTES')).to.deep.equal(['CallbackLambdaFunction']);
    expect(holders('APPROVALS_TABLE')).to.deep.equal(['EventStreamLambdaFunction']);
    expect(holders('FORWARD_URL')).to.deep.equal([
      'EventStreamLambdaFunction',
      'RetryDeliveriesLambdaFunction',
    ]);
    expect(holders('DINGTALK_APP_KEY')).to.deep.equal(['RecoverFailedPushesLambdaFunction']);
  });

  it('GIVEN the IAM roles WHEN read THEN no wildcard resource, one role per function, SSM read only of that function’s parameters', () => {
    const all = statements(resources);
    expect(all.length).to.be.greaterThan(0);
    for (const statement of all) {
      for (const resource of statement.Resource)
        expect(resource, `${statement.role} ${statement.Action.join(',')}`).not.to.equal('*');
      expect(
        statement.Action.some((action) => action.endsWith(':*') || action === '*'),
        statement.role,
      ).to.equal(false);
    }
    const ssm = (role: string) =>
      all
        .filter((s) => s.role === role && s.Action.includes('ssm:GetParameters'))
        .flatMap((s) => s.Resource)
        .map((r) => JSON.stringify(r));
    // The single app's token and AES key, and with DINGTALK_APPS each app's (never its app secret).
    expect(ssm('CallbackRole')).to.have.length(4);
    expect(ssm('CallbackRole').join())
      .to.contain('parameter/dingtalk-callback/prod/dingtalk-token')
      .and.contain('parameter/dingtalk-callback/prod/dingtalk-aes-key')
      .and.contain('parameter/dingtalk-callback/prod/apps/*/dingtalk-token')
      .and.contain('parameter/dingtalk-callback/prod/apps/*/dingtalk-aes-key')
      .and.not.contain('app-secret');
    expect(ssm('EventStreamRole').join())
      .to.contain('parameter/dingtalk-callback/prod/forward-secret')
      .and.not.contain('dingtalk-token');
    expect(ssm('RecoveryRole').join())
      .to.contain('parameter/dingtalk-callback/prod/dingtalk-app-secret')
      .and.not.contain('dingtalk-token');
    const actions = (role: string) =>
      all
        .filter((s) => s.role === role)
        .flatMap((s) => s.Action)
        .sort();
    expect(actions('CallbackRole')).to.deep.equal([
      'dynamodb:PutItem',
      'dynamodb:PutItem', // the note of its own failures only (LeadingKeys), below
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'ssm:GetParameters',
    ]);
    const note = all.find(
      (s) => s.role === 'CallbackRole' && JSON.stringify(s.Resource).includes('RecoveryJournalTable'),
    );
    expect(JSON.stringify(note?.Condition)).to.equal(
      JSON.stringify({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['note#own-failure'] } }),
    );
    for (const fn of [
      'CallbackLambdaFunction',
      'EventStreamLambdaFunction',
      'RecoverFailedPushesLambdaFunction',
    ]) {
      expect(JSON.stringify(resources[fn]!.Properties!.Role)).to.match(
        /CallbackRole|EventStreamRole|RecoveryRole/,
      );
    }
  });

  it('GIVEN the stream mapping WHEN read THEN partial failures, bisect, finite retries and age, INSERT filter, SQS on failure', () => {
    const mapping = Object.values(resources).find(
      (r) => r.Type === 'AWS::Lambda::EventSourceMapping',
    )!.Properties!;
    expect(mapping).to.deep.include({
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
      MaximumRecordAgeInSeconds: 21600,
    });
    expect(JSON.stringify(mapping.DestinationConfig)).to.contain('EventStreamFailures');
    expect(JSON.stringify(mapping.FilterCriteria)).to.contain('INSERT');
  });

  it('GIVEN the tables WHEN read THEN retained on delete and replacement, with point-in-time recovery', () => {
    for (const name of ['EventsTable', 'ApprovalsTable']) {
      const table = resources[name]!;
      expect(table.DeletionPolicy, name).to.equal('Retain');
      expect(table.UpdateReplacePolicy, name).to.equal('Retain');
      expect(table.Properties!.PointInTimeRecoverySpecification).to.deep.equal({
        PointInTimeRecoveryEnabled: true,
      });
    }
  });

  it('GIVEN the tables that grow WHEN read THEN each has DynamoDB time to live on `ttl` (the suite state, which is not history, none), and every function is told the retention', () => {
    for (const name of ['EventsTable', 'ApprovalsTable', 'DeliveriesTable', 'RecoveryJournalTable']) {
      expect(resources[name]!.Properties!.TimeToLiveSpecification, name).to.deep.equal({
        AttributeName: 'ttl',
        Enabled: true,
      });
    }
    const tables = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::DynamoDB::Table');
    expect(tables.map(([name]) => name).sort()).to.deep.equal([
      'ApprovalsTable',
      'DeliveriesTable',
      'EventsTable',
      'RecoveryJournalTable',
      'SuiteStateTable',
    ]);
    expect(resources.SuiteStateTable!.Properties!.TimeToLiveSpecification).to.equal(undefined);
    for (const fn of Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function')) {
      const variables = (fn.Properties!.Environment as { Variables: Record<string, string> }).Variables;
      expect(variables).to.include({
        RETENTION_EVENTS_DAYS: '90',
        RETENTION_APPROVALS_DAYS: '365',
        RETENTION_JOURNAL_DAYS: '30',
      });
    }
  });

  it('GIVEN the API WHEN read THEN the nonce is required and validated before the function runs', () => {
    const method = resources.ApiGatewayMethodDingtalkPost!.Properties!;
    expect(method.RequestParameters).to.deep.equal({ 'method.request.querystring.nonce': true });
    const validator = resources[(method.RequestValidatorId as { Ref: string }).Ref]!;
    expect(validator.Properties).to.include({ ValidateRequestParameters: true });
  });

  it('GIVEN logs and alarms WHEN read THEN 30-day retention, and alarms on DLQ depth, iterator age, 5xx, recovery errors, the recovery fallback queue, failed deliveries and stale suite tickets', () => {
    const logGroups = Object.values(resources).filter((r) => r.Type === 'AWS::Logs::LogGroup');
    expect(logGroups).to.have.length(4);
    for (const group of logGroups) expect(group.Properties!.RetentionInDays).to.equal(30);
    const metrics = Object.values(resources)
      .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
      .map((r) => `${String(r.Properties!.Namespace)}/${String(r.Properties!.MetricName)}`)
      .sort();
    expect(metrics).to.deep.equal([
      'AWS/ApiGateway/5XXError',
      'AWS/Lambda/Errors',
      'AWS/Lambda/Errors',
      'AWS/Lambda/IteratorAge',
      'AWS/SQS/ApproximateNumberOfMessagesVisible',
      'AWS/SQS/ApproximateNumberOfMessagesVisible',
      'dingtalk-callback/prod/DeliveriesFailed',
      'dingtalk-callback/prod/DeliveryErrors',
      'dingtalk-callback/prod/DingTalkLimitReached',
      'dingtalk-callback/prod/OldestDueDeliveryAge',
      'dingtalk-callback/prod/RecoveryItemsSetAside',
      'dingtalk-callback/prod/SuiteTicketStale',
    ]);
    // Failed deliveries are counted from the logs of both functions that attempt them.
    const filters = Object.values(resources).filter(
      (r) =>
        r.Type === 'AWS::Logs::MetricFilter' &&
        JSON.stringify(r.Properties!.MetricTransformations).includes('DeliveriesFailed'),
    );
    expect(filters.map((f) => JSON.stringify(f.Properties!.LogGroupName)).sort()).to.deep.equal([
      '{"Ref":"EventStreamLogGroup"}',
      '{"Ref":"RetryDeliveriesLogGroup"}',
    ]);
    for (const filter of filters)
      expect(filter.Properties!.FilterPattern).to.equal('{ $.outcome = "delivery_failed" }');
    // One of the queue alarms watches the recovery fallback queue: a page there means the store was down.
    const watched = Object.values(resources)
      .filter((r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties!.Namespace === 'AWS/SQS')
      .map((r) => JSON.stringify(r.Properties!.Dimensions));
    expect(watched.some((d) => d.includes('RecoveryFallbackQueue'))).to.equal(true);
  });

  it('GIVEN delivery retries that stop WHEN the template is read THEN alarms on the retry function’s errors, on due deliveries waiting over 15 minutes (no run reporting counts as waiting) and on deliveries that could not be attempted', () => {
    const alarm = (metric: string) =>
      Object.values(resources).find(
        (r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties!.MetricName === metric,
      )?.Properties;
    expect(alarm('OldestDueDeliveryAge')).to.include({
      Statistic: 'Maximum',
      Threshold: 900,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'breaching',
    });
    expect(alarm('DeliveryErrors')).to.include({ Threshold: 1, TreatMissingData: 'notBreaching' });
    const lambdaErrors = Object.values(resources)
      .filter((r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties!.MetricName === 'Errors')
      .map((r) => JSON.stringify(r.Properties!.Dimensions));
    expect(lambdaErrors.some((d) => d.includes('dingtalk-callback-prod-retryDeliveries'))).to.equal(true);
    const filters = Object.values(resources).filter((r) => r.Type === 'AWS::Logs::MetricFilter');
    const age = filters.find((f) =>
      JSON.stringify(f.Properties!.MetricTransformations).includes('OldestDue'),
    );
    expect(age?.Properties).to.deep.include({
      LogGroupName: { Ref: 'RetryDeliveriesLogGroup' },
      FilterPattern: '{ $.outcome = "retry_run" }',
    });
    expect(JSON.stringify(age?.Properties!.MetricTransformations)).to.contain('$.oldestDueAgeSeconds');
  });

  it('GIVEN the alarm key WHEN read THEN CloudWatch may use it only for this account’s alarms in this region (no confused deputy)', () => {
    const statements = (
      resources.AlarmTopicKey!.Properties!.KeyPolicy as { Statement: Array<Record<string, unknown>> }
    ).Statement;
    const cloudwatch = statements.find(
      (statement) =>
        (statement.Principal as { Service?: string } | undefined)?.Service === 'cloudwatch.amazonaws.com',
    )!;
    const condition = JSON.stringify(cloudwatch.Condition);
    expect(condition).to.contain('aws:SourceAccount');
    expect(condition).to.contain('aws:SourceArn');
    expect(condition).to.contain(':alarm:*');
  });

  it('GIVEN the alarm topic WHEN read THEN encrypted with a customer-managed key whose policy lets CloudWatch publish, and every alarm targets it', () => {
    const topic = resources.AlarmTopic!.Properties!;
    // CloudWatch cannot publish to a topic under the AWS-managed alias/aws/sns key: no alarm would notify.
    expect(topic.KmsMasterKeyId).to.deep.equal({ Ref: 'AlarmTopicKey' });
    const key = resources.AlarmTopicKey!;
    expect(key.Type).to.equal('AWS::KMS::Key');
    expect(key.Properties!.EnableKeyRotation).to.equal(true);
    const statements = (key.Properties!.KeyPolicy as { Statement: Array<Record<string, unknown>> }).Statement;
    const cloudwatch = statements.find(
      (statement) =>
        (statement.Principal as { Service?: string } | undefined)?.Service === 'cloudwatch.amazonaws.com',
    );
    expect(cloudwatch?.Effect).to.equal('Allow');
    expect(cloudwatch?.Action).to.include.members(['kms:Decrypt', 'kms:GenerateDataKey*']);
    for (const alarm of Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm')) {
      expect(alarm.Properties!.AlarmActions).to.deep.equal([{ Ref: 'AlarmTopic' }]);
    }
  });

  it('GIVEN the recovery function WHEN read THEN one run at a time, every 5 minutes (asking DingTalk only with reason), no immediate re-run, its journal and fallback queue wired', () => {
    const fn = resources.RecoverFailedPushesLambdaFunction!.Properties!;
    expect(fn.ReservedConcurrentExecutions).to.equal(1);
    const invokeConfig = Object.values(resources).find(
      (r) =>
        r.Type === 'AWS::Lambda::EventInvokeConfig' &&
        JSON.stringify(r.Properties!.FunctionName).includes('RecoverFailedPushes'),
    );
    expect(invokeConfig?.Properties?.MaximumRetryAttempts).to.equal(0);
    const variables = (fn.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables.RECOVERY_JOURNAL_TABLE).to.equal('dingtalk-callback-recovery-journal-prod');
    expect(variables.RECOVERY_FALLBACK_QUEUE_URL).to.deep.equal({ Ref: 'RecoveryFallbackQueue' });
    expect(resources.RecoveryJournalTable!.DeletionPolicy).to.equal('Retain');
    const rule = Object.values(resources).find(
      (r) =>
        r.Type === 'AWS::Events::Rule' &&
        JSON.stringify(r.Properties!.Targets).includes('RecoverFailedPushes'),
    )!;
    expect(rule.Properties).to.include({ ScheduleExpression: 'rate(5 minutes)', State: 'ENABLED' });
  });

  it('GIVEN custom.apiThrottling WHEN turned into UpdateStage operations THEN rate and burst for every method; nonsense refused', () => {
    expect(throttlingPatch({ rateLimit: '50', burstLimit: '200' })).to.deep.equal([
      { op: 'replace', path: '/*/*/throttling/rateLimit', value: '50' },
      { op: 'replace', path: '/*/*/throttling/burstLimit', value: '200' },
    ]);
    expect(() => throttlingPatch({ rateLimit: '0', burstLimit: '10' })).to.throw('positive rateLimit');
    expect(() => throttlingPatch({ rateLimit: '5', burstLimit: '1.5' })).to.throw('burstLimit');
  });
});
