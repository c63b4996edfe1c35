import type { CallbackRequest, CallbackResponse } from '../../core/ingest';
import { createIngest } from '../../core/ingest';
import { DingTalkApps } from '../../dingtalk/apps';
import { initOnce } from '../../startup/init-once';
import { createLogger } from '../../startup/logger';
import { withSecretsResolved } from '../../startup/secrets';
import type { Env } from '../../startup/settings';
import { awsRegion, loadAwsCallbackSettings } from '../aws-settings';
import { OwnFailureMemory } from '../../core/failed-list-asking';
import { DynamoDbEventWriter } from '../dynamodb-event-writer';
import { DynamoDbFailureNotes } from '../dynamodb-failure-notes';
import { SignedSsmParameterSource } from '../ssm-parameter-source';

/**
 * The AWS callback, built once per container and starting in the init phase: secrets from SSM (names in
 * *_PARAM), then the settings (errors name the variable) and the signed PutItem writer
 * (signed-json-client.ts: no AWS SDK in this bundle, for the cold start).
 */
export function awsCallback(env: Env): (request: CallbackRequest) => Promise<CallbackResponse> {
  const logger = createLogger();
  const ready = initOnce(async () => {
    const ssm = new SignedSsmParameterSource({ region: awsRegion(env) });
    const settings = loadAwsCallbackSettings(await withSecretsResolved(env, ssm));
    const where = {
      region: settings.dynamoDb.region,
      ...(settings.dynamoDb.endpoint ? { endpoint: settings.dynamoDb.endpoint } : {}),
    };
    return createIngest({
      apps: DingTalkApps.of(settings.apps),
      store: new DynamoDbEventWriter({
        tableName: settings.eventsTable,
        eventsDays: settings.retention.eventsDays,
        ...where,
      }),
      logger,
      now: Date.now,
      maxBodyBytes: settings.maxBodyBytes,
      ...(settings.journalTable
        ? {
            failures: new OwnFailureMemory(
              new DynamoDbFailureNotes({ journalTable: settings.journalTable, ...where }),
              logger,
            ),
          }
        : {}),
    });
  });
  return async (request) => (await ready())(request);
}
