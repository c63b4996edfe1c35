import type { FcContext } from '../../lib/aliyun/fc-context';
import type { FcHttpResponse } from '../../lib/aliyun/fc-http-event';
import { callbackRequestFromFcEvent, fcHttpResponse } from '../../lib/aliyun/fc-http-event';
import { aliyunCallback } from '../../lib/aliyun/functions/callback';

const callback = aliyunCallback(process.env);

/** API Gateway → FC, or the FC 3.0 HTTP trigger: POST /dingtalk. */
export async function handler(event: Buffer, context?: FcContext): Promise<FcHttpResponse> {
  return fcHttpResponse(await callback(callbackRequestFromFcEvent(event), context));
}
