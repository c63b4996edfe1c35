import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import type { ParameterSource } from '../startup/secrets';

/** Powertools Parameters (SSM, decrypted, cached for the container's life by default). */
export class PowertoolsParameterSource implements ParameterSource {
  private readonly provider: SSMProvider;

  constructor(options: { endpoint?: string; region?: string } = {}) {
    this.provider = new SSMProvider({
      clientConfig: {
        ...(options.region ? { region: options.region } : {}),
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      },
    });
  }

  async get(names: readonly string[]): Promise<Record<string, string>> {
    const request = Object.fromEntries(names.map((name) => [name, { decrypt: true, maxAge: 300 }]));
    const result = (await this.provider.getParametersByName(request, { throwOnError: false })) as Record<
      string,
      unknown
    >;
    const values: Record<string, string> = {};
    for (const name of names) if (typeof result[name] === 'string') values[name] = result[name] as string;
    return values;
  }
}
