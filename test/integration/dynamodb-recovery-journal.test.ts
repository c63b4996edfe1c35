import { DynamoDbRecoveryJournal } from '../../lib/aws/dynamodb-recovery-journal';
import { createDynamoDbDocumentClient } from '../../lib/aws/dynamodb-client';
import { LOCAL_RECOVERY_JOURNAL_TABLE } from '../../local-dev/dev-credentials';
import { DynamoDbFailureNotes } from '../../lib/aws/dynamodb-failure-notes';
import { recoveryJournalContract } from '../contract/recovery-journal.contract';
import { RecordingLogger } from '../support/recording-logger';
import { sharedLocalStack } from '../support/local-stack';

describe('DynamoDbRecoveryJournal against DynamoDB Local', function () {
  this.timeout(120_000);

  recoveryJournalContract(
    'DynamoDB (DynamoDB Local)',
    async () => {
      const stack = await sharedLocalStack();
      return new DynamoDbRecoveryJournal(
        createDynamoDbDocumentClient({
          region: 'us-east-1',
          endpoint: stack.dynamoDbEndpoint,
          requestTimeoutMs: 10_000,
        }),
        LOCAL_RECOVERY_JOURNAL_TABLE,
        new RecordingLogger(),
      );
    },
    async () => {
      const stack = await sharedLocalStack();
      // The callback's own signed PutItem, as the callback writes the note.
      return new DynamoDbFailureNotes({
        journalTable: LOCAL_RECOVERY_JOURNAL_TABLE,
        region: 'us-east-1',
        endpoint: stack.dynamoDbEndpoint,
      });
    },
  );
});
