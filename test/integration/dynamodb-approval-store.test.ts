import { DynamoDbApprovalStore } from '../../lib/aws/dynamodb-approval-store';
import { createDynamoDbDocumentClient } from '../../lib/aws/dynamodb-client';
import { DynamoDbSuiteState } from '../../lib/aws/dynamodb-suite-state';
import { LOCAL_APPROVALS_TABLE, LOCAL_SUITE_STATE_TABLE } from '../../local-dev/dev-credentials';
import { approvalStoreContract } from '../contract/approval-store.contract';
import { suiteStateContract } from '../contract/suite-state.contract';
import { sharedLocalStack } from '../support/local-stack';

describe('DynamoDbApprovalStore against DynamoDB Local', function () {
  this.timeout(120_000);

  approvalStoreContract('DynamoDB (DynamoDB Local)', async () => {
    const stack = await sharedLocalStack();
    return new DynamoDbApprovalStore(
      createDynamoDbDocumentClient({ region: 'us-east-1', endpoint: stack.dynamoDbEndpoint }),
      LOCAL_APPROVALS_TABLE,
    );
  });
});

describe('DynamoDbSuiteState against DynamoDB Local', function () {
  this.timeout(120_000);

  suiteStateContract('DynamoDB (DynamoDB Local)', async () => {
    const stack = await sharedLocalStack();
    return new DynamoDbSuiteState(
      createDynamoDbDocumentClient({ region: 'us-east-1', endpoint: stack.dynamoDbEndpoint }),
      LOCAL_SUITE_STATE_TABLE,
    );
  });
});
