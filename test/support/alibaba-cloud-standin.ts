import { createHash, createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A LOOPBACK STAND-IN of the Alibaba Cloud APIs `sls deploy` / `sls remove` call through
 * serverless-aliyun-function-compute and serverless-plugins/aliyun-project.js: Function Compute
 * (REST, 2016-08-15), API Gateway (CloudAPI, RPC 2016-07-14), RAM (RPC 2015-05-01), OSS and Log Service.
 * (Tablestore is the wire-level fake in tablestore-wire-fake.ts.) One HTTP server tells them apart the
 * way their requests differ: FC by its /2016-08-15 path, RPC calls by Action and Version, OSS and Log
 * Service by their Authorization scheme.
 *
 * Each request's signature is checked the way the service does (recomputed from the request with the
 * account's secret): FC HMAC-SHA256 over method, Content-MD5, Content-Type, Date, x-fc-* headers and path;
 * RPC HMAC-SHA1 over the percent-encoded sorted parameters; OSS and Log Service HMAC-SHA1 over verb,
 * Content-MD5, Content-Type, date, their x-oss-* / x-log-* headers and the resource. Body digests are
 * checked too. A mismatch is answered as the service answers it (403 with its error code).
 *
 * What it keeps is the state a deploy makes (services, functions with their configuration, triggers,
 * roles, policy versions and attachments, API groups, APIs, deployments, custom domains and
 * certificates, buckets and objects, log projects and stores), so a test can assert the result and
 * that a second deploy changes nothing. What it cannot show: Alibaba's propagation delays, quotas,
 * ICP filing and DNS checks on custom domains, and any behaviour of the real services not listed here.
 */

export interface StandinAccount {
  accountId: string;
  accessKeyId: string;
  accessKeySecret: string;
}

interface FcFunction {
  config: Record<string, unknown>;
  triggers: Map<string, Record<string, unknown>>;
}
interface PolicyVersion {
  VersionId: string;
  PolicyDocument: string;
  IsDefaultVersion: boolean;
}
interface Policy {
  PolicyName: string;
  Description: string;
  versions: PolicyVersion[];
  nextVersion: number;
}
interface ApiGroup {
  GroupId: string;
  GroupName: string;
  SubDomain: string;
  Description: string;
  domains: Map<
    string,
    { CertificateName?: string; CertificateBody?: string; CertificatePrivateKey?: string }
  >;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** RPC percent-encoding (RFC 3986), as Alibaba's RPC signature defines it. */
const rpcEncode = (value: string) =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export class AlibabaCloudStandin {
  /** Every call, in order: "FC POST /services", "RAM CreatePolicyVersion", "OSS PUT /bucket/key", … */
  readonly calls: string[] = [];
  readonly fc = new Map<string, { config: Record<string, unknown>; functions: Map<string, FcFunction> }>();
  readonly roles = new Map<string, Record<string, string>>();
  readonly policies = new Map<string, Policy>();
  /** Role name → attached "Type:Name". */
  readonly attachments = new Map<string, Set<string>>();
  readonly groups = new Map<string, ApiGroup>();
  readonly apis = new Map<string, Record<string, string>>();
  /** ApiId → deployed stage names. */
  readonly deployments = new Map<string, Set<string>>();
  readonly buckets = new Map<string, Map<string, Buffer>>();
  /** Function name → the environment its create call carried (an unconfigured window shows as {}). */
  readonly environmentAtCreate = new Map<string, Record<string, string>>();
  readonly logProjects = new Map<string, { stores: Map<string, { index?: unknown; config: unknown }> }>();
  private server: Server | undefined;
  private ids = 0;

  constructor(private readonly account: StandinAccount) {}

  /** Base URL for FC, RPC and OSS clients (an IP, so OSS addresses buckets by path). */
  get endpoint(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** Log Service puts the project in the host name: `<project>.localhost:<port>` (see resolve-localhost.cjs). */
  get logEndpoint(): string {
    return `http://localhost:${(this.server!.address() as AddressInfo).port}`;
  }

  /** Calls that change state (everything but reads), for "a second deploy changes nothing". */
  mutations(): string[] {
    return this.calls.filter(
      (call) =>
        !/^(FC GET|OSS GET|SLS GET|RAM (Get|List)|APIGW Describe)/.test(call) && !call.startsWith('OSS HEAD'),
    );
  }

  async start(): Promise<this> {
    this.server = createServer((request, response) => void this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server?.closeAllConnections();
      this.server?.close(() => resolve());
    });
  }

  private nextId(prefix: string): string {
    return `${prefix}${(++this.ids).toString(16).padStart(8, '0')}`;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(request.url ?? '/', 'http://standin');
    const authorization = String(request.headers.authorization ?? '');
    try {
      if (url.pathname.startsWith('/2016-08-15/'))
        return this.json(response, 200, this.functionCompute(request, url, body));
      if (authorization.startsWith('OSS ')) return this.oss(request, url, body, response);
      if (authorization.startsWith('LOG '))
        return this.json(response, 200, this.logService(request, url, body));
      const params = new URLSearchParams(request.method === 'POST' ? body.toString('utf8') : url.search);
      if (params.get('Action')) return this.json(response, 200, this.rpc(request.method ?? 'GET', params));
      throw new ApiError(400, 'UnknownService', `no stand-in for ${request.method} ${url.pathname}`);
    } catch (error) {
      const failure = error instanceof ApiError ? error : new ApiError(500, 'InternalError', String(error));
      if (url.pathname.startsWith('/2016-08-15/'))
        return this.json(response, failure.status, {
          ErrorCode: failure.code,
          ErrorMessage: failure.message,
        });
      if (authorization.startsWith('OSS ')) {
        response.writeHead(failure.status, {
          'content-type': 'application/xml',
          'x-oss-request-id': 'standin',
        });
        return void response.end(
          `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${failure.code}</Code><Message>${failure.message}</Message><RequestId>standin</RequestId><HostId>standin</HostId></Error>`,
        );
      }
      if (authorization.startsWith('LOG '))
        return this.json(response, failure.status, {
          errorCode: failure.code,
          errorMessage: failure.message,
        });
      return this.json(response, failure.status, {
        Code: failure.code,
        Message: failure.message,
        RequestId: 'standin',
      });
    }
  }

  private json(response: ServerResponse, status: number, body: unknown): void {
    response.writeHead(status, { 'content-type': 'application/json', 'x-fc-request-id': 'standin' });
    response.end(JSON.stringify(body ?? {}));
  }

  private hmac(algorithm: 'sha1' | 'sha256', key: string, text: string): string {
    return createHmac(algorithm, key).update(text, 'utf8').digest('base64');
  }

  // --- Function Compute 2016-08-15 -----------------------------------------------------------------

  private functionCompute(request: IncomingMessage, url: URL, body: Buffer): unknown {
    const header = (name: string) => String(request.headers[name] ?? '');
    if (body.length > 0) {
      const md5 = Buffer.from(createHash('md5').update(body).digest('hex'), 'utf8').toString('base64');
      if (header('content-md5') !== md5) throw new ApiError(400, 'InvalidArgument', 'Content-MD5 mismatch');
    }
    const fcHeaders = Object.keys(request.headers)
      .filter((name) => name.startsWith('x-fc'))
      .sort()
      .map((name) => `${name}:${header(name)}\n`)
      .join('');
    const stringToSign = `${request.method}\n${header('content-md5')}\n${header('content-type')}\n${header('date')}\n${fcHeaders}${url.pathname}`;
    const expected = `FC ${this.account.accessKeyId}:${this.hmac('sha256', this.account.accessKeySecret, stringToSign)}`;
    if (header('authorization') !== expected)
      throw new ApiError(403, 'SignatureNotMatch', 'The request signature we calculated does not match');
    if (header('x-fc-account-id') !== this.account.accountId)
      throw new ApiError(403, 'InvalidAccessKeyId', 'account id does not match the key');

    const path = url.pathname.slice('/2016-08-15'.length).split('/').filter(Boolean).map(decodeURIComponent);
    const method = request.method ?? 'GET';
    this.calls.push(`FC ${method} /${path.join('/')}`);
    const input = body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
    const [, serviceName, , functionName, , triggerName] = path;

    if (path.length === 1 && method === 'GET')
      return { services: [...this.fc.values()].map((service) => service.config) };
    if (path.length === 1 && method === 'POST') {
      const name = String(input.serviceName);
      if (this.fc.has(name)) throw new ApiError(409, 'ServiceAlreadyExists', `service ${name} exists`);
      this.fc.set(name, { config: { ...input }, functions: new Map() });
      return this.fc.get(name)!.config;
    }
    const service = this.fc.get(serviceName!);
    if (!service) throw new ApiError(404, 'ServiceNotFound', `service ${serviceName} not found`);
    if (path.length === 2) {
      if (method === 'GET') return service.config;
      if (method === 'PUT') return Object.assign(service.config, input);
      if (method === 'DELETE') {
        if (service.functions.size > 0) throw new ApiError(412, 'ServiceNotEmpty', 'service has functions');
        this.fc.delete(serviceName!);
        return {};
      }
    }
    if (path.length === 3) {
      if (method === 'GET') return { functions: [...service.functions.values()].map((fn) => fn.config) };
      if (method === 'POST') {
        const name = String(input.functionName);
        if (service.functions.has(name))
          throw new ApiError(409, 'FunctionAlreadyExists', `function ${name} exists`);
        this.checkCode(input.code);
        this.environmentAtCreate.set(name, {
          ...((input.environmentVariables as Record<string, string>) ?? {}),
        });
        service.functions.set(name, { config: this.functionConfig(input), triggers: new Map() });
        return service.functions.get(name)!.config;
      }
    }
    const fn = service.functions.get(functionName!);
    if (!fn) throw new ApiError(404, 'FunctionNotFound', `function ${functionName} not found`);
    if (path.length === 4) {
      if (method === 'GET') return fn.config;
      if (method === 'PUT') {
        if (input.code) this.checkCode(input.code);
        fn.config = this.functionConfig({ ...fn.config, ...input });
        return fn.config;
      }
      if (method === 'DELETE') {
        if (fn.triggers.size > 0) throw new ApiError(412, 'FunctionNotEmpty', 'function has triggers');
        service.functions.delete(functionName!);
        return {};
      }
    }
    if (path.length === 5) {
      if (method === 'GET') return { triggers: [...fn.triggers.values()] };
      if (method === 'POST') {
        const name = String(input.triggerName);
        if (fn.triggers.has(name)) throw new ApiError(409, 'TriggerAlreadyExists', `trigger ${name} exists`);
        fn.triggers.set(name, { ...input });
        return fn.triggers.get(name);
      }
    }
    const trigger = fn.triggers.get(triggerName!);
    if (!trigger) throw new ApiError(404, 'TriggerNotFound', `trigger ${triggerName} not found`);
    if (method === 'GET') return trigger;
    if (method === 'PUT') {
      if (input.sourceArn !== undefined && input.sourceArn !== trigger.sourceArn)
        throw new ApiError(400, 'InvalidArgument', 'sourceArn cannot be changed');
      return Object.assign(trigger, input);
    }
    if (method === 'DELETE') {
      fn.triggers.delete(triggerName!);
      return {};
    }
    throw new ApiError(405, 'MethodNotAllowed', `${method} ${url.pathname}`);
  }

  /** What FC keeps of a function: the code object is fetched at once, and its checksum kept. */
  private functionConfig(input: Record<string, unknown>): Record<string, unknown> {
    const { code, ...config } = input;
    const { ossBucketName, ossObjectName } = (code ?? {}) as Record<string, string>;
    if (ossBucketName) {
      const bytes = this.buckets.get(ossBucketName)?.get(ossObjectName!);
      config.codeChecksum = createHash('sha256').update(bytes!).digest('hex');
      config.codeSize = bytes!.length;
    }
    config.environmentVariables ??= {};
    return config;
  }

  private checkCode(code: unknown): void {
    const { ossBucketName, ossObjectName } = (code ?? {}) as Record<string, string>;
    if (!ossBucketName || !this.buckets.get(ossBucketName)?.has(ossObjectName!))
      throw new ApiError(
        400,
        'InvalidArgument',
        `code object oss://${ossBucketName}/${ossObjectName} not found`,
      );
  }

  // --- RPC: RAM 2015-05-01 and API Gateway 2016-07-14 --------------------------------------------------

  private rpc(method: string, params: URLSearchParams): unknown {
    const signature = params.get('Signature') ?? '';
    const canonical = [...params.entries()]
      .filter(([key]) => key !== 'Signature')
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, value]) => `${rpcEncode(key)}=${rpcEncode(value)}`)
      .join('&');
    const expected = this.hmac(
      'sha1',
      `${this.account.accessKeySecret}&`,
      `${method}&${rpcEncode('/')}&${rpcEncode(canonical)}`,
    );
    if (params.get('AccessKeyId') !== this.account.accessKeyId)
      throw new ApiError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
    if (signature !== expected)
      throw new ApiError(
        400,
        'SignatureDoesNotMatch',
        'Specified signature is not matched with our calculation.',
      );
    const action = params.get('Action')!;
    const p = (name: string) => params.get(name) ?? '';
    if (params.get('Version') === '2015-05-01') {
      this.calls.push(`RAM ${action}`);
      return this.ram(action, p);
    }
    if (params.get('Version') === '2016-07-14') {
      this.calls.push(`APIGW ${action}`);
      return this.apiGateway(action, p);
    }
    throw new ApiError(400, 'InvalidVersion', `no stand-in for version ${params.get('Version')}`);
  }

  private ram(action: string, p: (name: string) => string): unknown {
    const role = () => {
      const found = this.roles.get(p('RoleName'));
      if (!found) throw new ApiError(404, 'EntityNotExist.Role', `The role not exists: ${p('RoleName')}`);
      return found;
    };
    const customPolicy = () => {
      const found = this.policies.get(p('PolicyName'));
      if (!found)
        throw new ApiError(404, 'EntityNotExist.Policy', `The policy not exists: ${p('PolicyName')}`);
      return found;
    };
    const summary = (policy: Policy) => ({
      PolicyName: policy.PolicyName,
      PolicyType: 'Custom',
      Description: policy.Description,
      DefaultVersion: policy.versions.find((v) => v.IsDefaultVersion)!.VersionId,
    });
    switch (action) {
      case 'GetRole':
        return { Role: role() };
      case 'CreateRole': {
        if (this.roles.has(p('RoleName'))) throw new ApiError(409, 'EntityAlreadyExists.Role', 'role exists');
        JSON.parse(p('AssumeRolePolicyDocument'));
        const created = {
          RoleName: p('RoleName'),
          RoleId: this.nextId('3'),
          Arn: `acs:ram::${this.account.accountId}:role/${p('RoleName').toLowerCase()}`,
          Description: p('Description'),
          AssumeRolePolicyDocument: p('AssumeRolePolicyDocument'),
        };
        this.roles.set(created.RoleName, created);
        return { Role: created };
      }
      case 'UpdateRole': {
        const found = role();
        JSON.parse(p('NewAssumeRolePolicyDocument'));
        found.AssumeRolePolicyDocument = p('NewAssumeRolePolicyDocument');
        return { Role: found };
      }
      case 'DeleteRole':
        role();
        if ((this.attachments.get(p('RoleName'))?.size ?? 0) > 0)
          throw new ApiError(409, 'DeleteConflict.Role.Policy', 'The role still has policies attached');
        this.roles.delete(p('RoleName'));
        return {};
      case 'GetPolicy': {
        if (p('PolicyType') === 'System')
          return { Policy: { PolicyName: p('PolicyName'), PolicyType: 'System' } };
        const policy = customPolicy();
        const current = policy.versions.find((v) => v.IsDefaultVersion)!;
        return { Policy: summary(policy), DefaultPolicyVersion: { ...current } };
      }
      case 'CreatePolicy': {
        if (this.policies.has(p('PolicyName')))
          throw new ApiError(409, 'EntityAlreadyExists.Policy', 'policy exists');
        JSON.parse(p('PolicyDocument'));
        const policy: Policy = {
          PolicyName: p('PolicyName'),
          Description: p('Description'),
          versions: [{ VersionId: 'v1', PolicyDocument: p('PolicyDocument'), IsDefaultVersion: true }],
          nextVersion: 2,
        };
        this.policies.set(policy.PolicyName, policy);
        return { Policy: summary(policy) };
      }
      case 'GetPolicyVersion': {
        const version = customPolicy().versions.find((v) => v.VersionId === p('VersionId'));
        if (!version) throw new ApiError(404, 'EntityNotExist.Policy.Version', 'no such version');
        return { PolicyVersion: { ...version } };
      }
      case 'ListPolicyVersions':
        return { PolicyVersions: { PolicyVersion: customPolicy().versions.map((v) => ({ ...v })) } };
      case 'CreatePolicyVersion': {
        const policy = customPolicy();
        JSON.parse(p('PolicyDocument'));
        // RAM keeps at most 5 versions of a policy.
        if (policy.versions.length >= 5) {
          if (p('RotateStrategy') !== 'DeleteOldestNonDefaultVersionWhenLimitExceeded')
            throw new ApiError(409, 'LimitExceeded.Policy.Version', 'at most 5 versions');
          policy.versions.splice(
            policy.versions.findIndex((v) => !v.IsDefaultVersion),
            1,
          );
        }
        const version = {
          VersionId: `v${policy.nextVersion++}`,
          PolicyDocument: p('PolicyDocument'),
          IsDefaultVersion: p('SetAsDefault') === 'true',
        };
        if (version.IsDefaultVersion) for (const v of policy.versions) v.IsDefaultVersion = false;
        policy.versions.push(version);
        return { PolicyVersion: { ...version } };
      }
      case 'ListPoliciesForRole':
        role();
        return {
          Policies: {
            Policy: [...(this.attachments.get(p('RoleName')) ?? [])].map((entry) => {
              const [PolicyType, PolicyName] = entry.split(':');
              return { PolicyName, PolicyType };
            }),
          },
        };
      case 'AttachPolicyToRole': {
        role();
        if (p('PolicyType') !== 'System') customPolicy();
        const set = this.attachments.get(p('RoleName')) ?? new Set<string>();
        set.add(`${p('PolicyType')}:${p('PolicyName')}`);
        this.attachments.set(p('RoleName'), set);
        return {};
      }
      case 'DetachPolicyFromRole':
        this.attachments.get(p('RoleName'))?.delete(`${p('PolicyType')}:${p('PolicyName')}`);
        return {};
      default:
        throw new ApiError(400, 'InvalidAction.NotFound', `RAM ${action} not in this stand-in`);
    }
  }

  private apiGateway(action: string, p: (name: string) => string): unknown {
    const group = () => {
      const found = this.groups.get(p('GroupId'));
      if (!found) throw new ApiError(404, 'NotFoundApiGroup', `group ${p('GroupId')} not found`);
      return found;
    };
    const api = () => {
      const found = this.apis.get(p('ApiId'));
      if (!found || found.GroupId !== p('GroupId'))
        throw new ApiError(404, 'NotFoundApi', `api ${p('ApiId')} not found`);
      return found;
    };
    const view = (g: ApiGroup) => ({
      GroupId: g.GroupId,
      GroupName: g.GroupName,
      SubDomain: g.SubDomain,
      Description: g.Description,
    });
    switch (action) {
      case 'DescribeApiGroups': {
        const found = [...this.groups.values()].filter(
          (g) => !p('GroupName') || g.GroupName === p('GroupName'),
        );
        return { TotalCount: found.length, ApiGroupAttributes: { ApiGroupAttribute: found.map(view) } };
      }
      case 'CreateApiGroup': {
        const GroupId = this.nextId('g');
        const created: ApiGroup = {
          GroupId,
          GroupName: p('GroupName'),
          Description: p('Description'),
          SubDomain: `${GroupId}-cn-hangzhou.alicloudapi.com`,
          domains: new Map(),
        };
        this.groups.set(GroupId, created);
        return view(created);
      }
      case 'DescribeApiGroup': {
        const g = group();
        return {
          ...view(g),
          CustomDomains: {
            DomainItem: [...g.domains.entries()].map(([DomainName, d]) => ({
              DomainName,
              CertificateName: d.CertificateName,
              DomainBindingStatus: 'BINDING',
            })),
          },
        };
      }
      case 'DeleteApiGroup': {
        const g = group();
        if ([...this.apis.values()].some((a) => a.GroupId === g.GroupId))
          throw new ApiError(400, 'ApiGroupNotEmpty', 'group still has APIs');
        if (g.domains.size > 0) throw new ApiError(400, 'DomainBound', 'group still has custom domains');
        this.groups.delete(g.GroupId);
        return {};
      }
      case 'DescribeApis': {
        const found = [...this.apis.values()].filter((a) => a.GroupId === p('GroupId'));
        return {
          TotalCount: found.length,
          ApiSummarys: {
            ApiSummary: found.map(({ ApiId, ApiName, GroupId }) => ({ ApiId, ApiName, GroupId })),
          },
        };
      }
      case 'DescribeApi': {
        // As the service answers: configurations as objects, and the deployment per stage.
        const found = api();
        const deployed = this.deployments.get(found.ApiId!) ?? new Set<string>();
        return {
          ...found,
          RequestConfig: JSON.parse(found.RequestConfig!),
          ServiceConfig: JSON.parse(found.ServiceConfig!),
          DeployedInfos: {
            DeployedInfo: ['RELEASE', 'PRE', 'TEST'].map((StageName) => ({
              StageName,
              DeployedStatus: deployed.has(StageName) ? 'DEPLOYED' : 'NONDEPLOYED',
            })),
          },
        };
      }
      case 'CreateApi':
      case 'ModifyApi': {
        group();
        const fields = [
          'ApiName',
          'Visibility',
          'AuthType',
          'RequestConfig',
          'ServiceConfig',
          'ResultType',
          'Description',
        ];
        const config = JSON.parse(p('RequestConfig')) as { RequestProtocol?: string };
        if (!/^(HTTP|HTTPS|HTTP,HTTPS)$/.test(config.RequestProtocol ?? ''))
          throw new ApiError(400, 'InvalidRequestConfig', `RequestProtocol ${config.RequestProtocol}`);
        const ApiId = action === 'CreateApi' ? this.nextId('a') : api().ApiId!;
        const stored: Record<string, string> = { ApiId, GroupId: p('GroupId') };
        for (const field of fields) stored[field] = p(field);
        this.apis.set(ApiId, stored);
        return { ApiId };
      }
      case 'DeployApi': {
        api();
        const stages = this.deployments.get(p('ApiId')) ?? new Set<string>();
        stages.add(p('StageName'));
        this.deployments.set(p('ApiId'), stages);
        return {};
      }
      case 'DescribeDeployedApis': {
        const found = [...this.apis.values()].filter(
          (a) => a.GroupId === p('GroupId') && this.deployments.get(a.ApiId!)?.has(p('StageName')),
        );
        return {
          TotalCount: found.length,
          DeployedApis: {
            DeployedApiItem: found.map((a) => ({ ...a, RegionId: 'cn-hangzhou', StageName: p('StageName') })),
          },
        };
      }
      case 'AbolishApi':
        api();
        this.deployments.get(p('ApiId'))?.delete(p('StageName'));
        return {};
      case 'DeleteApi':
        api();
        if ((this.deployments.get(p('ApiId'))?.size ?? 0) > 0)
          throw new ApiError(400, 'ApiDeployed', 'abolish the API first');
        this.apis.delete(p('ApiId'));
        return {};
      case 'SetDomain': {
        const g = group();
        if (!/^[a-z0-9.-]+\.[a-z]{2,}$/i.test(p('DomainName')))
          throw new ApiError(400, 'InvalidDomainName', `not a domain name: ${p('DomainName')}`);
        if (!g.domains.has(p('DomainName'))) g.domains.set(p('DomainName'), {});
        return { GroupId: g.GroupId, DomainName: p('DomainName'), DomainBindingStatus: 'BINDING' };
      }
      case 'DescribeDomain': {
        const d = group().domains.get(p('DomainName'));
        if (!d) throw new ApiError(404, 'NotFoundDomain', `domain ${p('DomainName')} not bound`);
        return {
          GroupId: p('GroupId'),
          DomainName: p('DomainName'),
          CertificateName: d.CertificateName,
          CertificateBody: d.CertificateBody,
          DomainBindingStatus: 'BINDING',
        };
      }
      case 'SetDomainCertificate': {
        const d = group().domains.get(p('DomainName'));
        if (!d) throw new ApiError(404, 'NotFoundDomain', `domain ${p('DomainName')} not bound`);
        if (
          !p('CertificateBody').includes('BEGIN CERTIFICATE') ||
          !p('CertificatePrivateKey').includes('PRIVATE KEY')
        )
          throw new ApiError(400, 'InvalidCertificate', 'certificate or key is not PEM');
        Object.assign(d, {
          CertificateName: p('CertificateName'),
          CertificateBody: p('CertificateBody'),
          CertificatePrivateKey: p('CertificatePrivateKey'),
        });
        return {};
      }
      case 'DeleteDomain':
        group().domains.delete(p('DomainName'));
        return {};
      default:
        throw new ApiError(400, 'InvalidAction.NotFound', `API Gateway ${action} not in this stand-in`);
    }
  }

  // --- OSS -------------------------------------------------------------------------------------------

  private oss(request: IncomingMessage, url: URL, body: Buffer, response: ServerResponse): void {
    const header = (name: string) => String(request.headers[name] ?? '');
    const method = request.method ?? 'GET';
    if (header('content-md5') && header('content-md5') !== createHash('md5').update(body).digest('base64'))
      throw new ApiError(400, 'InvalidDigest', 'Content-MD5 mismatch');
    const ossHeaders = Object.keys(request.headers)
      .filter((name) => name.startsWith('x-oss-'))
      .sort()
      .map((name) => `${name}:${header(name).trim()}`);
    const [bucket, ...keyParts] = url.pathname.slice(1).split('/');
    const key = decodeURIComponent(keyParts.join('/'));
    const subresources = ['delete', 'acl', 'location'].filter((name) => url.searchParams.has(name));
    const resource = `/${bucket ? `${bucket}/` : ''}${key}${subresources.length ? `?${subresources.join('&')}` : ''}`;
    const stringToSign = [
      method,
      header('content-md5'),
      header('content-type'),
      header('x-oss-date'),
      ...ossHeaders,
      resource,
    ].join('\n');
    const expected = `OSS ${this.account.accessKeyId}:${this.hmac('sha1', this.account.accessKeySecret, stringToSign)}`;
    if (header('authorization') !== expected)
      throw new ApiError(403, 'SignatureDoesNotMatch', 'signature mismatch');
    this.calls.push(
      `OSS ${method} /${bucket ?? ''}${key ? `/${key}` : ''}${subresources.length ? `?${subresources.join('&')}` : ''}`,
    );
    const xml = (status: number, text: string, headers: Record<string, string> = {}) => {
      response.writeHead(status, {
        'content-type': 'application/xml',
        'x-oss-request-id': 'standin',
        ...headers,
      });
      response.end(text ? `<?xml version="1.0" encoding="UTF-8"?>${text}` : '');
    };
    if (!bucket) {
      const prefix = url.searchParams.get('prefix') ?? '';
      const names = [...this.buckets.keys()].filter((name) => name.startsWith(prefix));
      return xml(
        200,
        `<ListAllMyBucketsResult><Owner><ID>${this.account.accountId}</ID><DisplayName>${this.account.accountId}</DisplayName></Owner><Buckets>${names
          .map(
            (name) =>
              `<Bucket><CreationDate>2026-11-27T00:00:00.000Z</CreationDate><ExtranetEndpoint>oss-cn-hangzhou.aliyuncs.com</ExtranetEndpoint><IntranetEndpoint>oss-cn-hangzhou-internal.aliyuncs.com</IntranetEndpoint><Location>oss-cn-hangzhou</Location><Name>${name}</Name><StorageClass>Standard</StorageClass></Bucket>`,
          )
          .join('')}</Buckets></ListAllMyBucketsResult>`,
      );
    }
    const objects = this.buckets.get(bucket);
    if (!key && method === 'PUT') {
      if (!objects) this.buckets.set(bucket, new Map());
      return xml(200, '');
    }
    if (!objects) throw new ApiError(404, 'NoSuchBucket', `bucket ${bucket} does not exist`);
    if (!key && method === 'DELETE') {
      if (objects.size > 0) throw new ApiError(409, 'BucketNotEmpty', 'bucket is not empty');
      this.buckets.delete(bucket);
      return xml(204, '');
    }
    if (!key && method === 'GET') {
      const prefix = url.searchParams.get('prefix') ?? '';
      const keys = [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
      return xml(
        200,
        `<ListBucketResult><Name>${bucket}</Name><Prefix>${prefix}</Prefix><MaxKeys>999</MaxKeys><IsTruncated>false</IsTruncated>${keys
          .map(
            (k) =>
              `<Contents><Key>${k}</Key><LastModified>2026-11-27T00:00:00.000Z</LastModified><ETag>"${createHash('md5').update(objects.get(k)!).digest('hex').toUpperCase()}"</ETag><Type>Normal</Type><Owner><ID>${this.account.accountId}</ID><DisplayName>${this.account.accountId}</DisplayName></Owner><Size>${objects.get(k)!.length}</Size><StorageClass>Standard</StorageClass></Contents>`,
          )
          .join('')}</ListBucketResult>`,
      );
    }
    if (!key && method === 'POST' && subresources.includes('delete')) {
      const keys = [...body.toString('utf8').matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]!);
      for (const k of keys) objects.delete(k);
      return xml(
        200,
        `<DeleteResult>${keys.map((k) => `<Deleted><Key>${k}</Key></Deleted>`).join('')}</DeleteResult>`,
      );
    }
    if (key && method === 'PUT') {
      objects.set(key, body);
      return xml(200, '', { etag: `"${createHash('md5').update(body).digest('hex').toUpperCase()}"` });
    }
    throw new ApiError(405, 'MethodNotAllowed', `${method} ${url.pathname}`);
  }

  // --- Log Service -----------------------------------------------------------------------------------

  private logService(request: IncomingMessage, url: URL, body: Buffer): unknown {
    const header = (name: string) => String(request.headers[name] ?? '');
    if (
      body.length > 0 &&
      header('content-md5') !== createHash('md5').update(body).digest('hex').toUpperCase()
    )
      throw new ApiError(400, 'InvalidContentMD5', 'Content-MD5 mismatch');
    const logHeaders = Object.keys(request.headers)
      .filter((name) => name.startsWith('x-log-') || name.startsWith('x-acs-'))
      .sort()
      .map((name) => `${name}:${header(name).trim()}\n`)
      .join('');
    const query = [...url.searchParams.entries()]
      .map(([k, v]) => `${k}=${v}`)
      .sort()
      .join('&');
    const resource = `${url.pathname}${query ? `?${query}` : ''}`;
    const stringToSign = `${request.method}\n${header('content-md5')}\n${header('content-type')}\n${header('date')}\n${logHeaders}${resource}`;
    const expected = `LOG ${this.account.accessKeyId}:${this.hmac('sha1', this.account.accessKeySecret, stringToSign)}`;
    if (header('authorization') !== expected)
      throw new ApiError(403, 'SignatureNotMatch', 'signature mismatch');
    const host = header('host').split(':')[0]!;
    const projectName = host.endsWith('.localhost') ? host.slice(0, -'.localhost'.length) : '';
    const method = request.method ?? 'GET';
    this.calls.push(`SLS ${method} ${projectName}${url.pathname}`);
    const input = body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
    if (!projectName && method === 'POST' && url.pathname === '/') {
      const name = String(input.projectName);
      if (this.logProjects.has(name))
        throw new ApiError(400, 'ProjectAlreadyExist', `project ${name} exists`);
      this.logProjects.set(name, { stores: new Map() });
      return {};
    }
    const project = this.logProjects.get(projectName);
    if (!project) throw new ApiError(404, 'ProjectNotExist', `project ${projectName} does not exist`);
    const [, collection, storeName, sub] = url.pathname.split('/');
    if (!collection) return { projectName, status: 'Normal' };
    if (collection === 'logstores' && !storeName && method === 'POST') {
      project.stores.set(String(input.logstoreName), { config: input });
      return {};
    }
    const store = project.stores.get(storeName!);
    if (!store) throw new ApiError(404, 'LogStoreNotExist', `logstore ${storeName} does not exist`);
    if (!sub) return { logstoreName: storeName, ...(store.config as object) };
    if (sub === 'index' && method === 'POST') {
      store.index = input;
      return {};
    }
    if (sub === 'index') {
      if (!store.index) throw new ApiError(404, 'IndexConfigNotExist', 'index config does not exist');
      return store.index;
    }
    throw new ApiError(405, 'MethodNotAllowed', `${method} ${url.pathname}`);
  }
}
