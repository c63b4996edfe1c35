import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { awsCallback } from '../../lib/aws/functions/callback';
import { callbackRequestFromApiGateway } from '../../lib/aws/lambda-events';

const callback = awsCallback(process.env);

/** API Gateway REST proxy integration: POST /dingtalk. */
export async function handler(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
  // The callback's response is API Gateway's proxy result shape: statusCode, headers, body.
  return callback(callbackRequestFromApiGateway(event));
}
