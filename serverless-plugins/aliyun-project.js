'use strict';
/**
 * Closes the gaps of serverless-aliyun-function-compute 1.2.6 (docs/platform-notes.md) inside the project:
 *
 * - package: bundles each function's `bundle:` entry with esbuild into aliyun-bundle/ before the
 *   framework zips the service (package.patterns keep only that folder: no node_modules tree);
 * - deploy (after the plugin created the FC service, functions and the API Gateway route):
 *   creates the Tablestore tables that are missing (events with a stream, approvals, parked, recovery journal, deliveries),
 *   sets every function's environment variables (provider.environment + function environment),
 *   and creates or updates the Tablestore trigger (events → eventStream) and the timer trigger
 *   (recoverFailedPushes, retryDeliveries);
 * - remove: deletes those triggers first (FC refuses to delete a function that has triggers).
 *   Tables are kept, like the AWS tables' Retain policy: they hold the company's events.
 *
 * The Alibaba Cloud calls go through the plugin's own FC client and the `tablestore` SDK, with the
 * credentials file the plugin reads. `planAliyunDeployment` is pure and tested; the calls are not
 * (no Alibaba Cloud account here) — see docs/deploy-aliyun.md.
 */
const path = require('node:path');
const fs = require('node:fs');
const { assertRequiredSettings } = require('./required-settings');

const BUNDLE_DIR = 'aliyun-bundle';
const STREAM_TRIGGER = 'events-stream';
const TIMER_TRIGGER = 'recover-failed-pushes';
const RETRY_TRIGGER = 'retry-deliveries';

/** What a deploy must make true, from the resolved service configuration. */
function planAliyunDeployment(service, { stage, region, accountId }) {
  const custom = service.custom || {};
  const tablestore = custom.tablestore || {};
  const tables = tablestore.tables || {};
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
  return {
    fcService,
    functions,
    triggers,
    tablestore: {
      endpoint: tablestore.endpoint,
      instance: tablestore.instance,
      tables: [
        { name: tables.events, primaryKey: 'eventId', streamHours: tablestore.streamExpirationHours || 168 },
        { name: tables.approvals, primaryKey: 'processInstanceId' },
        { name: tables.parked, primaryKey: 'eventId' },
        { name: tables.recoveryJournal, primaryKey: 'rowId' },
        { name: tables.deliveries, primaryKey: 'eventId' },
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

class AliyunProject {
  constructor(serverless, options) {
    this.serverless = serverless;
    this.options = options || {};
    const isAliyun = () => serverless.service.provider.name === 'aliyun';
    this.hooks = {
      // `sls deploy --package .serverless` (GitLab's deploy jobs): the Alibaba plugin uploads the zip named
      // in its packaged template by absolute path, which differs when another job restored the artifact.
      initialize: () => isAliyun() && this.options.package && this.relocatePackagedArtifact(),
      'before:package:createDeploymentArtifacts': () => isAliyun() && this.bundle(),
      // After the Alibaba plugin loaded its templates, before its deploy:deploy creates anything.
      'before:deploy:deploy': () => isAliyun() && this.checkRequiredSettings(),
      'after:deploy:deploy': () => isAliyun() && this.afterDeploy(),
      'before:remove:remove': () => isAliyun() && this.beforeRemove(),
    };
  }

  log(message) {
    this.serverless.cli.log(`[aliyun-project] ${message}`);
  }

  plan() {
    const provider = this.serverless.getProvider('aliyun');
    return planAliyunDeployment(this.serverless.service, {
      stage: this.options.stage || provider.options.stage,
      region: this.options.region || provider.options.region,
      accountId: provider.key.aliyun_account_id,
    });
  }

  checkRequiredSettings() {
    const plan = planAliyunDeployment(this.serverless.service, { stage: this.options.stage || 'dev' });
    const recovery = (this.serverless.service.custom || {}).recovery || {};
    assertRequiredSettings(
      plan.functions,
      { secretsInEnvironment: true, recoveryEnabled: recovery.enabled !== false },
      this.serverless.classes.Error,
    );
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
    const provider = this.serverless.getProvider('aliyun');
    await this.ensureTables(plan, provider.key);
    const fc = provider.fcClient;
    for (const fn of plan.functions) {
      await fc.updateFunction(plan.fcService, fn.name, { environmentVariables: fn.environment });
      this.log(`set ${Object.keys(fn.environment).length} environment variables on ${fn.name}`);
    }
    for (const trigger of plan.triggers) {
      const { functionName, ...options } = trigger;
      try {
        await fc.createTrigger(plan.fcService, functionName, options);
        this.log(`created ${trigger.triggerType} trigger ${trigger.triggerName}`);
      } catch (error) {
        if (error.code !== 'TriggerAlreadyExists') throw error;
        const { triggerName, ...update } = options;
        delete update.triggerType;
        delete update.sourceArn;
        await fc.updateTrigger(plan.fcService, functionName, triggerName, update);
        this.log(`updated ${trigger.triggerType} trigger ${trigger.triggerName}`);
      }
    }
  }

  async ensureTables(plan, key) {
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
      if (tableNames.includes(table.name)) continue;
      await client.createTable({
        tableMeta: { tableName: table.name, primaryKey: [{ name: table.primaryKey, type: 'STRING' }] },
        reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
        tableOptions: { timeToLive: -1, maxVersions: 1 },
        ...(table.streamHours
          ? { streamSpecification: { enableStream: true, expirationTime: table.streamHours } }
          : {}),
      });
      this.log(`created Tablestore table ${table.name}${table.streamHours ? ' with a stream' : ''}`);
    }
  }

  async beforeRemove() {
    const plan = this.plan();
    const fc = this.serverless.getProvider('aliyun').fcClient;
    for (const trigger of plan.triggers) {
      try {
        await fc.deleteTrigger(plan.fcService, trigger.functionName, trigger.triggerName);
        this.log(`deleted trigger ${trigger.triggerName}`);
      } catch (error) {
        if (!['TriggerNotFound', 'FunctionNotFound', 'ServiceNotFound'].includes(error.code)) throw error;
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
