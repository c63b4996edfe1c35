import type { AwsJsonClientOptions } from './signed-json-client';
import { AwsJsonClient } from './signed-json-client';
import type { ParameterSource } from '../startup/secrets';

/**
 * SSM GetParameters (WithDecryption) as one signed request: the callback's source, where loading the
 * SDK's SSM client would cost what the DynamoDB client did (signed-json-client.ts). The other functions
 * use Powertools Parameters (powertools-parameter-source.ts).
 */
export class SignedSsmParameterSource implements ParameterSource {
  private clientInstance: AwsJsonClient | undefined;

  constructor(private readonly options: Pick<AwsJsonClientOptions, 'region' | 'endpoint' | 'credentials'>) {}

  /** Created on first use: with no parameters to read, no AWS credentials are needed (local runs). */
  private get client(): AwsJsonClient {
    return (this.clientInstance ??= new AwsJsonClient({
      ...this.options,
      service: 'ssm',
      targetPrefix: 'AmazonSSM',
      contentType: 'application/x-amz-json-1.1',
      // Fetched in the init phase, not on DingTalk's clock per request: allow a little more.
      maxAttempts: 3,
      connectionTimeoutMs: 1_000,
      requestTimeoutMs: 2_000,
    }));
  }

  async get(names: readonly string[]): Promise<Record<string, string>> {
    const values: Record<string, string> = {};
    // GetParameters takes at most 10 names.
    for (let i = 0; i < names.length; i += 10) {
      const answer = await this.client.call<{ Parameters?: Array<{ Name: string; Value: string }> }>(
        'GetParameters',
        { Names: names.slice(i, i + 10), WithDecryption: true },
      );
      for (const parameter of answer.Parameters ?? []) values[parameter.Name] = parameter.Value;
    }
    return values;
  }
}
