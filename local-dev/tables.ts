import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/** A CloudFormation resource as `serverless print` resolves it. */
interface CloudFormationResource {
  Type: string;
  Properties?: Record<string, unknown>;
}

/**
 * Creates, in a local DynamoDB, every AWS::DynamoDB::Table declared in the serverless template,
 * so local tables never drift from what deploys. Existing tables are left alone.
 */
export async function createDeclaredTables(
  endpoint: string,
  resources: Record<string, CloudFormationResource>,
): Promise<string[]> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const created: string[] = [];
  try {
    for (const resource of Object.values(resources)) {
      if (resource.Type !== 'AWS::DynamoDB::Table' || !resource.Properties) continue;
      const input = toCreateTableInput(resource.Properties);
      try {
        await client.send(new CreateTableCommand(input));
        created.push(String(input.TableName));
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
        // A table kept from an earlier run (DYNAMODB_LOCAL_DIR): add the indexes a newer template declares.
        await addMissingIndexes(client, input);
        continue;
      }
      // The template's time to live, as CloudFormation sets it after creating the table.
      const ttl = resource.Properties.TimeToLiveSpecification as
        { AttributeName: string; Enabled: boolean } | undefined;
      if (ttl?.Enabled) {
        await client.send(
          new UpdateTimeToLiveCommand({ TableName: input.TableName, TimeToLiveSpecification: ttl }),
        );
      }
    }
  } finally {
    client.destroy();
  }
  return created;
}

async function addMissingIndexes(client: DynamoDBClient, input: CreateTableCommandInput): Promise<void> {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: input.TableName }));
  const present = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
  for (const index of input.GlobalSecondaryIndexes ?? []) {
    if (present.has(index.IndexName)) continue;
    await client.send(
      new UpdateTableCommand({
        TableName: input.TableName,
        AttributeDefinitions: input.AttributeDefinitions,
        GlobalSecondaryIndexUpdates: [{ Create: { ...index } }],
      }),
    );
  }
}

/** CloudFormation's table properties minus what CreateTable does not take (PITR, tags, TTL, ...). */
export function toCreateTableInput(properties: Record<string, unknown>): CreateTableCommandInput {
  const stream = properties.StreamSpecification as { StreamViewType?: string } | undefined;
  return {
    TableName: properties.TableName as string,
    AttributeDefinitions: properties.AttributeDefinitions as CreateTableCommandInput['AttributeDefinitions'],
    KeySchema: properties.KeySchema as CreateTableCommandInput['KeySchema'],
    GlobalSecondaryIndexes:
      properties.GlobalSecondaryIndexes as CreateTableCommandInput['GlobalSecondaryIndexes'],
    BillingMode: 'PAY_PER_REQUEST',
    ...(stream?.StreamViewType
      ? {
          StreamSpecification: {
            StreamEnabled: true,
            StreamViewType: stream.StreamViewType as 'NEW_IMAGE',
          },
        }
      : {}),
  };
}
