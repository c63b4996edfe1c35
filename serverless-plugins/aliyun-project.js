'use strict';
/**
 * Closes the gaps of serverless-aliyun-function-compute 1.2.6 (docs/platform-notes.md) inside the project:
 *
 * - package: bundles each function's `bundle:` entry with esbuild into aliyun-bundle/ before the
 *   framework zips the service (package.patterns keep only that folder: no node_modules tree), and
 *   makes the API HTTPS-only in the packaged template (the plugin writes `RequestProtocol: HTTP`);
 * - deploy, before the plugin creates anything: checks the required settings, makes the Tablestore
 *   tables equal to the configuration (missing ones created; the events table's stream enabled when an
 *   older deploy left it off), and gives every function its environment in the plugin's own create
 *   and update calls (no window in which a new function runs unconfigured; no secret in the packaged
 *   template);
 * - deploy, after the plugin: makes the RAM policies (a new default version when the document differs;
 *   RAM keeps five, the oldest non-default one is rotated out), the roles' trust policies, the FC
 *   service's role and log settings and the Tablestore and timer triggers equal to the configuration,
 *   binds the custom domain with its certificate (ALIYUN_CUSTOM_DOMAIN) and prints the URL to register;
 *   a deploy that finds everything equal changes nothing of this;
 * - info: prints the URL to register;
 * - remove: deletes the triggers first (FC refuses to delete a function that has triggers) and the
 *   custom domain binding (API Gateway refuses to delete a group with one). Tables are kept, like the
 *   AWS tables' Retain policy: they hold the company's events.
 *
 * The Alibaba Cloud calls go through the plugin's own clients and the `tablestore` SDK, with the
 * credentials file the plugin reads. ALIYUN_API_ENDPOINT (read only here) sends the plugin's FC, API
 * Gateway, RAM, OSS and Log Service calls to one base URL instead: the project's tests run real
 * `sls deploy` / `sls remove` against a loopback stand-in that way (test/e2e/aliyun-deploy.test.ts).
 */
const path = require('node:path');
const fs = require('node:fs');
const { createHash } = require('node:crypto');
const { URL } = require('node:url');
const { assertRequiredSettings } = require('./required-settings');

const BUNDLE_DIR = 'aliyun-bundle';
const STREAM_TRIGGER = 'events-stream';
const TIMER_TRIGGER = 'recover-failed-pushes';
const RETRY_TRIGGER = 'retry-deliveries';

/** The shortest retention accepted, as lib/core/retention.ts states it (MIN_RETENTION_DAYS). */
const MIN_RETENTION_DAYS = 7;

/**
 * A table's time to live in seconds from `custom.tablestore.retentionDays` (days, 0 keeps forever: -1).
 * Tablestore expires each cell by its own write time; every table here is written whole rows at a time
 * (PutRow), so a row's cells expire together.
 */
function timeToLive(retention, kind) {
  const text = String(retention[kind] ?? '').trim();
  const days = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(days === 0 || days >= MIN_RETENTION_DAYS)) {
    throw new Error(
      `custom.tablestore.retentionDays.${kind} must be 0 (keep forever) or at least ${MIN_RETENTION_DAYS} days (got "${text}")`,
    );
  }
  return days === 0 ? -1 : days * 86_400;
}

/** What a deploy must make true, from the resolved service configuration. */
function planAliyunDeployment(service, { stage, region, accountId }) {
  const custom = service.custom || {};
  const tablestore = custom.tablestore || {};
  const tables = tablestore.tables || {};
  const retention = tablestore.retentionDays || {};
  const providerEnv = service.provider.environment || {};
  const fcService = `${service.service}-${stage}`;
  const functions = Object.entries(service.functions || {}).map(([key, fn]) => ({
    key,
    name: fn.name || `${service.service}-${stage}-${key}`,
    bundle: fn.bundle,
    handler: fn.handler,
    environment: Object.fromEntries(
      Object.entries({ ...providerEnv, ...(fn.environment || {}) })
        .filter(([, value]) => value !== undefined && value !== null)
        .map(([name, value]) => [name, String(value)]),
    ),
  }));
  const byKey = Object.fromEntries(functions.map((fn) => [fn.key, fn]));
  const triggers = [];
  if (byKey.eventStream) {
    triggers.push({
      functionName: byKey.eventStream.name,
      triggerName: STREAM_TRIGGER,
      triggerType: 'tablestore',
      sourceArn: `acs:ots:${region}:${accountId}:instance/${tablestore.instance}/table/${tables.events}`,
      invocationRole: `acs:ram::${accountId}:role/${tablestore.triggerRole}`,
      triggerConfig: {},
    });
  }
  if (byKey.recoverFailedPushes) {
    const recovery = custom.recovery || {};
    triggers.push({
      functionName: byKey.recoverFailedPushes.name,
      triggerName: TIMER_TRIGGER,
      triggerType: 'timer',
      triggerConfig: {
        cronExpression: recovery.schedule || '@every 10m',
        enable: recovery.enabled !== false,
      },
    });
  }
  if (byKey.retryDeliveries) {
    triggers.push({
      functionName: byKey.retryDeliveries.name,
      triggerName: RETRY_TRIGGER,
      triggerType: 'timer',
      // Returns at once without FORWARD_URL; due delivery attempts otherwise (docs/stream-processing.md).
      triggerConfig: { cronExpression: (custom.forwarding || {}).retrySchedule || '@every 1m', enable: true },
    });
  }
  const domain = custom.domain || {};
  return {
    fcService,
    functions,
    triggers,
    customDomain: domain.name
      ? { name: String(domain.name).trim(), certificateFile: domain.certificateFile, keyFile: domain.keyFile }
      : undefined,
    tablestore: {
      endpoint: tablestore.endpoint,
      instance: tablestore.instance,
      tables: [
        {
          name: tables.events,
          primaryKey: 'eventId',
          streamHours: tablestore.streamExpirationHours || 168,
          timeToLive: timeToLive(retention, 'events'),
        },
        {
          name: tables.approvals,
          primaryKey: 'processInstanceId',
          timeToLive: timeToLive(retention, 'approvals'),
        },
        { name: tables.parked, primaryKey: 'eventId', timeToLive: timeToLive(retention, 'events') },
        { name: tables.recoveryJournal, primaryKey: 'rowId', timeToLive: timeToLive(retention, 'journal') },
        { name: tables.deliveries, primaryKey: 'eventId', timeToLive: timeToLive(retention, 'events') },
        // State, not history: a suite's ticket and corp authorisations last while the suite does.
        { name: tables.suiteState, primaryKey: 'stateKey', timeToLive: -1 },
      ].filter((table) => table.name),
    },
  };
}

/** esbuild, as the AWS side gets it from serverless-esbuild: one minified CommonJS file per handler. */
async function bundleFunctions(servicePath, functions) {
  const esbuild = require('esbuild');
  const outdir = path.join(servicePath, BUNDLE_DIR);
  const entryPoints = {};
  for (const fn of functions) {
    if (!fn.bundle) continue;
    const expected = `${BUNDLE_DIR}/${path.basename(fn.bundle).replace(/\.ts$/, '')}.handler`;
    if (fn.handler !== expected) {
      throw new Error(`function ${fn.key}: handler must be "${expected}" for bundle ${fn.bundle}`);
    }
    entryPoints[path.basename(fn.bundle).replace(/\.ts$/, '')] = path.join(servicePath, fn.bundle);
  }
  require('node:fs').rmSync(outdir, { recursive: true, force: true });
  for (const [name, file] of Object.entries(entryPoints)) {
    // The entry is a sloppy-mode CommonJS shim: with the TypeScript module itself as entry, esbuild puts
    // "use strict" atop the whole file, and the tablestore SDK assigns undeclared variables (`pro`).
    await esbuild.build({
      stdin: {
        contents: `module.exports = require(${JSON.stringify(file)});`,
        resolveDir: servicePath,
        loader: 'js',
      },
      outfile: path.join(outdir, `${name}.js`),
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      mainFields: ['module', 'main'],
      legalComments: 'none',
      logLevel: 'warning',
    });
  }
  return Object.keys(entryPoints);
}

const DEFAULT_DOMAIN_CAP =
  "API Gateway's default domain takes 1,000 calls a day in mainland China regions (100 elsewhere): " +
  'set ALIYUN_CUSTOM_DOMAIN and its certificate before registering this URL for production traffic ' +
  '(docs/deploy-aliyun.md)';

/** JSON with object keys sorted: equal documents compare equal whatever their key order. */
function canonicalJson(value) {
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return value;
    }
  }
  const sort = (v) =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort(v[k])]),
          )
        : v;
  return JSON.stringify(sort(value));
}

class AliyunProject {
  constructor(serverless, options) {
    this.serverless = serverless;
    this.options = options || {};
    const isAliyun = () => serverless.service.provider.name === 'aliyun';
    this.hooks = {
      initialize: () => {
        if (!isAliyun()) return;
        // `sls deploy --package .serverless` (GitLab's deploy jobs): the Alibaba plugin uploads the zip named
        // in its packaged template by absolute path, which differs when another job restored the artifact.
        if (this.options.package) this.relocatePackagedArtifact();
        if (process.env.ALIYUN_API_ENDPOINT) this.routeTo(process.env.ALIYUN_API_ENDPOINT);
      },
      'before:package:createDeploymentArtifacts': () => isAliyun() && this.bundle(),
      'before:package:finalize': () => isAliyun() && (this.perAppRoute(), this.httpsOnly()),
      // After the Alibaba plugin loaded its templates, before its deploy:deploy creates anything.
      'before:deploy:deploy': () => isAliyun() && this.beforeDeploy(),
      'after:deploy:deploy': () => isAliyun() && this.afterDeploy(),
      'after:info:info': () => isAliyun() && this.printUrl(),
      'before:remove:remove': () => isAliyun() && this.beforeRemove(),
    };
  }

  log(message) {
    this.serverless.cli.log(`[aliyun-project] ${message}`);
  }

  get provider() {
    return this.serverless.getProvider('aliyun');
  }

  plan() {
    const provider = this.provider;
    return planAliyunDeployment(this.serverless.service, {
      stage: this.options.stage || provider.options.stage,
      region: this.options.region || provider.options.region,
      accountId: provider.key.aliyun_account_id,
    });
  }

  /**
   * ALIYUN_API_ENDPOINT: every FC, API Gateway, RAM, OSS and Log Service call to one base URL (the
   * test's loopback stand-in; Log Service as <project>.localhost on its port). The stand-in applies
   * every change at once, so the plugin's waits for Alibaba's propagation (45 s each) are skipped.
   */
  routeTo(endpoint) {
    const base = new URL(endpoint);
    const provider = this.provider;
    // The plugin fills in the region in its own hooks, after this one; its clients need it now.
    provider.options.region = provider.options.region || this.serverless.service.provider.region;
    provider.fcClient.endpoint = base.origin;
    provider.agClient.endpoint = base.origin;
    provider.ramClient.endpoint = base.origin;
    // pop-core picks its keep-alive agent from the endpoint it was built with (RAM's is https).
    const agentModule = base.protocol === 'https:' ? require('node:https') : require('node:http');
    for (const client of [provider.agClient, provider.ramClient]) {
      client.keepAliveAgent = new agentModule.Agent({ keepAlive: true });
    }
    provider.slsClient.endpoint = `localhost:${base.port}`;
    provider.slsClient.use_https = base.protocol === 'https:';
    const pluginDir = path.dirname(require.resolve('serverless-aliyun-function-compute/package.json'));
    const OSS = require(require.resolve('ali-oss', { paths: [pluginDir] }));
    const oss = (bucket) =>
      OSS({
        accessKeyId: provider.key.aliyun_access_key_id,
        accessKeySecret: provider.key.aliyun_access_key_secret,
        endpoint: base.origin,
        ...(bucket ? { bucket } : {}),
      });
    let ossClient = oss();
    Object.defineProperty(provider, 'ossClient', { get: () => ossClient, configurable: true });
    provider.resetOssClient = (bucket) => (ossClient = oss(bucket));
    provider.sleep = async () => {};
    this.log(`Alibaba Cloud API calls go to ${base.origin} (ALIYUN_API_ENDPOINT)`);
  }

  /**
   * `POST /dingtalk/[app]` beside `POST /dingtalk`, to the same function: one callback URL per DingTalk
   * app (DINGTALK_APPS). The plugin names an API after its function and merges two http events of one
   * function into one API, so the second is added here, a copy of the first with its own name and path.
   */
  perAppRoute() {
    const template = this.serverless.service.provider.compiledConfigurationTemplate;
    const resources = (template && template.Resources) || {};
    const [name, api] =
      Object.entries(resources).find(
        ([, resource]) =>
          resource.Type === 'ALIYUN::API::HTTP' &&
          resource.Properties.RequestConfig.RequestPath.replace(/\/$/, '') === '/dingtalk',
      ) || [];
    if (!api) return;
    const perApp = JSON.parse(JSON.stringify(api));
    perApp.Properties.ApiName = `${api.Properties.ApiName}_app`;
    perApp.Properties.Description = `${api.Properties.Description} (one DingTalk app: /dingtalk/[app])`;
    perApp.Properties.RequestConfig.RequestPath = '/dingtalk/[app]';
    const parameter = { name: 'app', type: 'String', location: 'Path' };
    perApp.Properties.RequestParameters = [
      ...perApp.Properties.RequestParameters,
      {
        ApiParameterName: parameter.name,
        ParameterType: parameter.type,
        Location: parameter.location,
        Required: 'REQUIRED',
        isHide: false,
        Description: 'the app id (DINGTALK_APPS)',
      },
    ];
    perApp.Properties.ServiceParameters = [
      ...perApp.Properties.ServiceParameters,
      {
        ServiceParameterName: parameter.name,
        Type: parameter.type,
        Location: parameter.location,
        ParameterCatalog: 'REQUEST',
      },
    ];
    perApp.Properties.ServiceParametersMap = [
      ...perApp.Properties.ServiceParametersMap,
      { ServiceParameterName: parameter.name, RequestParameterName: parameter.name },
    ];
    resources[`${name}_app`] = perApp;
  }

  /** The packaged API: HTTPS only (DingTalk calls HTTPS; the plugin can only write HTTP). */
  httpsOnly() {
    const template = this.serverless.service.provider.compiledConfigurationTemplate;
    for (const resource of Object.values((template && template.Resources) || {})) {
      if (resource.Type === 'ALIYUN::API::HTTP') resource.Properties.RequestConfig.RequestProtocol = 'HTTPS';
    }
  }

  deployPlugin() {
    const plugin = this.serverless.pluginManager.plugins.find(
      (candidate) => candidate.constructor && candidate.constructor.name === 'AliyunDeploy',
    );
    if (!plugin || !plugin.templates)
      throw new Error('serverless-aliyun-function-compute did not load its templates');
    return plugin;
  }

  checkRequiredSettings() {
    const plan = planAliyunDeployment(this.serverless.service, { stage: this.options.stage || 'dev' });
    const recovery = (this.serverless.service.custom || {}).recovery || {};
    assertRequiredSettings(
      plan.functions,
      { secretsInEnvironment: true, recoveryEnabled: recovery.enabled !== false },
      this.serverless.classes.Error,
    );
    if (plan.customDomain) {
      const problems = ['certificateFile', 'keyFile']
        .filter((key) => !plan.customDomain[key] || !fs.existsSync(plan.customDomain[key]))
        .map((key) =>
          key === 'certificateFile' ? 'ALIYUN_CUSTOM_DOMAIN_CERT_FILE' : 'ALIYUN_CUSTOM_DOMAIN_KEY_FILE',
        );
      if (problems.length > 0) {
        throw new this.serverless.classes.Error(
          `deploy stopped before creating anything: ALIYUN_CUSTOM_DOMAIN is set but ${problems.join(' and ')} ` +
            'does not name a readable PEM file (docs/deploy-aliyun.md).',
        );
      }
    }
  }

  async beforeDeploy() {
    this.checkRequiredSettings();
    const plan = this.plan();
    await this.convergeTables(plan, this.provider.key);
    // Each function is created (or updated) by the plugin with its environment: no unconfigured window.
    const { templates } = this.deployPlugin();
    const byName = Object.fromEntries(plan.functions.map((fn) => [fn.name, fn]));
    for (const resource of Object.values(templates.update.Resources)) {
      if (resource.Type !== 'ALIYUN::FC::Function') continue;
      const fn = byName[resource.Properties.name];
      if (fn) resource.Properties.environmentVariables = fn.environment;
    }
  }

  relocatePackagedArtifact() {
    const file = path.join(
      this.serverless.config.servicePath,
      '.serverless',
      'configuration-template-update.json',
    );
    if (!fs.existsSync(file)) return;
    const template = JSON.parse(fs.readFileSync(file, 'utf8'));
    const moved = relocateArtifacts(template, path.dirname(file));
    if (moved > 0) {
      fs.writeFileSync(file, JSON.stringify(template, null, 2));
      this.log(`using the packaged artifact in ${path.dirname(file)}`);
    }
  }

  async bundle() {
    const { functions } = planAliyunDeployment(this.serverless.service, {
      stage: this.options.stage || 'dev',
    });
    const built = await bundleFunctions(this.serverless.config.servicePath, functions);
    this.log(`bundled ${built.join(', ')} into ${BUNDLE_DIR}/`);
  }

  async afterDeploy() {
    const plan = this.plan();
    const { templates } = this.deployPlugin();
    const provider = this.provider;
    const roles = [
      templates.create.Resources[provider.getExecRoleLogicalId()],
      templates.update.Resources[provider.getInvokeRoleLogicalId()],
    ].filter(Boolean);
    for (const role of roles) await this.convergeRole(role.Properties);
    await this.convergeService(templates.create.Resources[provider.getServiceId()].Properties);
    for (const fn of plan.functions) {
      const deployed = await provider.getFunction(plan.fcService, fn.name);
      if (canonicalJson(deployed.environmentVariables || {}) !== canonicalJson(fn.environment)) {
        throw new Error(`function ${fn.name} does not carry its configured environment after deploy`);
      }
    }
    for (const trigger of plan.triggers) await this.convergeTrigger(plan.fcService, trigger);
    await this.convergeDomain(plan);
    await this.printUrl(plan);
  }

  /** The role's trust policy and its custom policies' default versions equal the template's. */
  async convergeRole(role) {
    const provider = this.provider;
    const ram = provider.ramClient;
    const found = await provider.getRole(role.RoleName);
    if (
      found &&
      canonicalJson(found.AssumeRolePolicyDocument) !== canonicalJson(role.AssumeRolePolicyDocument)
    ) {
      await ram.updateRole({
        RoleName: role.RoleName,
        NewAssumeRolePolicyDocument: JSON.stringify(role.AssumeRolePolicyDocument),
      });
      this.log(`updated the trust policy of RAM role ${role.RoleName}`);
    }
    for (const policy of role.Policies || []) {
      if (policy.PolicyType === 'System') continue;
      const current = await ram.getPolicy({ PolicyName: policy.PolicyName, PolicyType: 'Custom' });
      const document = current.DefaultPolicyVersion && current.DefaultPolicyVersion.PolicyDocument;
      if (canonicalJson(document) === canonicalJson(policy.PolicyDocument)) continue;
      const created = await ram.createPolicyVersion({
        PolicyName: policy.PolicyName,
        PolicyDocument: JSON.stringify(policy.PolicyDocument),
        SetAsDefault: 'true',
        RotateStrategy: 'DeleteOldestNonDefaultVersionWhenLimitExceeded',
      });
      this.log(
        `RAM policy ${policy.PolicyName}: new default version ${created.PolicyVersion.VersionId} (the document changed)`,
      );
    }
  }

  /** The FC service's role and log settings equal the template's (the plugin only creates services). */
  async convergeService(service) {
    const provider = this.provider;
    const execRole = await provider.getRole(provider.getExecRoleName());
    const wanted = { role: execRole.Arn, logConfig: service.logConfig };
    const found = await provider.getService(service.name);
    const current = { role: found.role, logConfig: found.logConfig };
    if (canonicalJson(current) === canonicalJson(wanted)) return;
    await provider.updateService(service.name, wanted);
    this.log(`updated FC service ${service.name} (role, log settings)`);
  }

  async convergeTrigger(serviceName, trigger) {
    const fc = this.provider.fcClient;
    const { functionName, ...wanted } = trigger;
    let found;
    try {
      found = await fc.getTrigger(serviceName, functionName, trigger.triggerName);
    } catch (error) {
      if (error.code !== 'TriggerNotFound') throw error;
    }
    const same = (key) =>
      canonicalJson(found[key] === undefined ? null : found[key]) ===
      canonicalJson(wanted[key] === undefined ? null : wanted[key]);
    if (found && ['triggerType', 'sourceArn'].every(same)) {
      if (['triggerConfig', 'invocationRole'].every(same)) return;
      const { triggerConfig, invocationRole } = wanted;
      await fc.updateTrigger(serviceName, functionName, trigger.triggerName, {
        triggerConfig,
        ...(invocationRole ? { invocationRole } : {}),
      });
      this.log(`updated ${trigger.triggerType} trigger ${trigger.triggerName}`);
      return;
    }
    if (found) {
      // Type and source cannot be changed in place.
      await fc.deleteTrigger(serviceName, functionName, trigger.triggerName);
    }
    await fc.createTrigger(serviceName, functionName, wanted);
    this.log(`created ${trigger.triggerType} trigger ${trigger.triggerName}`);
  }

  /**
   * Tables the configuration names: missing ones created, each table's time to live set to its retention,
   * the events table's stream turned on.
   */
  async convergeTables(plan, key) {
    const TableStore = require('tablestore');
    const client = new TableStore.Client({
      accessKeyId: key.aliyun_access_key_id,
      secretAccessKey: key.aliyun_access_key_secret,
      endpoint: plan.tablestore.endpoint,
      instancename: plan.tablestore.instance,
      maxRetries: 3,
    });
    const { tableNames } = await client.listTable({});
    for (const table of plan.tablestore.tables) {
      if (!tableNames.includes(table.name)) {
        await client.createTable({
          tableMeta: { tableName: table.name, primaryKey: [{ name: table.primaryKey, type: 'STRING' }] },
          reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
          tableOptions: { timeToLive: table.timeToLive, maxVersions: 1 },
          ...(table.streamHours
            ? { streamSpecification: { enableStream: true, expirationTime: table.streamHours } }
            : {}),
        });
        this.log(`created Tablestore table ${table.name}${table.streamHours ? ' with a stream' : ''}`);
        continue;
      }
      const described = await client.describeTable({ tableName: table.name });
      if (Number((described.tableOptions || {}).timeToLive) !== table.timeToLive) {
        await client.updateTable({
          tableName: table.name,
          tableOptions: { timeToLive: table.timeToLive, maxVersions: 1 },
        });
        this.log(`Tablestore table ${table.name}: time to live ${table.timeToLive} s`);
      }
      if (!table.streamHours) continue;
      const stream = described.streamDetails || {};
      if (stream.enableStream && Number(stream.expirationTime) === table.streamHours) continue;
      await client.updateTable({
        tableName: table.name,
        // The SDK reads tableOptions unconditionally; empty, it changes none of them.
        tableOptions: {},
        streamSpecification: { enableStream: true, expirationTime: table.streamHours },
      });
      this.log(`Tablestore table ${table.name}: stream enabled, kept ${table.streamHours} h`);
    }
  }

  async apiGroup() {
    return this.provider.getApiGroup(this.provider.getApiGroupName());
  }

  /** The custom domains bound to an API group. */
  async boundDomains(group) {
    const described = await this.provider.agClient.describeApiGroup({ GroupId: group.GroupId });
    return ((described.CustomDomains || {}).DomainItem || []).map((domain) => domain.DomainName);
  }

  /** ALIYUN_CUSTOM_DOMAIN bound to the API group with the certificate from the given PEM files. */
  async convergeDomain(plan) {
    if (!plan.customDomain) return;
    const ag = this.provider.agClient;
    const group = await this.apiGroup();
    const domainName = plan.customDomain.name;
    if (!(await this.boundDomains(group)).includes(domainName)) {
      await ag.setDomain({ GroupId: group.GroupId, DomainName: domainName });
      this.log(`bound ${domainName} to API group ${group.GroupName} (CNAME it to ${group.SubDomain})`);
    }
    const certificate = fs.readFileSync(plan.customDomain.certificateFile, 'utf8').trim();
    const domain = await ag.describeDomain({ GroupId: group.GroupId, DomainName: domainName });
    if ((domain.CertificateBody || '').trim() === certificate) return;
    const fingerprint = createHash('sha256').update(certificate).digest('hex').slice(0, 12);
    await ag.setDomainCertificate({
      GroupId: group.GroupId,
      DomainName: domainName,
      CertificateName: `${domainName}-${fingerprint}`,
      CertificateBody: certificate,
      CertificatePrivateKey: fs.readFileSync(plan.customDomain.keyFile, 'utf8').trim(),
    });
    this.log(`installed certificate ${domainName}-${fingerprint} on ${domainName}`);
  }

  async printUrl(plan = this.plan()) {
    const group = await this.apiGroup();
    const event = ((this.serverless.service.functions.callback || {}).events || []).find((e) => e.http);
    if (!group || !event) return;
    const route = event.http.path.startsWith('/') ? event.http.path : `/${event.http.path}`;
    if (plan.customDomain) {
      this.log(`URL to register with DingTalk: https://${plan.customDomain.name}${route}`);
      return;
    }
    this.log(`URL to register with DingTalk: https://${group.SubDomain}${route}`);
    this.log(`WARNING: ${DEFAULT_DOMAIN_CAP}`);
  }

  async beforeRemove() {
    const plan = this.plan();
    const fc = this.provider.fcClient;
    for (const trigger of plan.triggers) {
      try {
        await fc.deleteTrigger(plan.fcService, trigger.functionName, trigger.triggerName);
        this.log(`deleted trigger ${trigger.triggerName}`);
      } catch (error) {
        if (!['TriggerNotFound', 'FunctionNotFound', 'ServiceNotFound'].includes(error.code)) throw error;
      }
    }
    const group = await this.apiGroup();
    if (group) {
      for (const domainName of await this.boundDomains(group)) {
        await this.provider.agClient.deleteDomain({ GroupId: group.GroupId, DomainName: domainName });
        this.log(`unbound ${domainName} from API group ${group.GroupName}`);
      }
    }
    this.log(
      `kept Tablestore tables ${plan.tablestore.tables.map((t) => t.name).join(', ')} (delete them by hand)`,
    );
  }
}

/** Points every `LocalPath` of a packaged template at the file of the same name in `dir`; the count changed. */
function relocateArtifacts(template, dir) {
  let moved = 0;
  for (const resource of Object.values(template.Resources || {})) {
    const properties = resource && resource.Properties;
    if (!properties || typeof properties.LocalPath !== 'string') continue;
    const relocated = path.join(dir, path.basename(properties.LocalPath));
    if (relocated !== properties.LocalPath) {
      properties.LocalPath = relocated;
      moved++;
    }
  }
  return moved;
}

module.exports = AliyunProject;
module.exports.relocateArtifacts = relocateArtifacts;
module.exports.planAliyunDeployment = planAliyunDeployment;
