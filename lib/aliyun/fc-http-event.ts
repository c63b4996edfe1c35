import type { CallbackRequest, CallbackResponse } from '../core/ingest';

/**
 * Function Compute HTTP events, both shapes (docs/platform-notes.md): API Gateway → FC
 * `{path, httpMethod, headers, queryParameters, pathParameters, body, isBase64Encoded}` and the FC 3.0
 * HTTP trigger `{version, rawPath, headers, queryParameters, body, isBase64Encoded, requestContext}`.
 * FC hands the event over as a Buffer.
 */
interface ApiGatewayEvent {
  httpMethod?: string;
  path?: string;
  pathParameters?: Record<string, string>;
  queryParameters?: Record<string, string | string[]>;
  body?: string;
  isBase64Encoded?: boolean;
}

interface HttpTriggerEvent {
  rawPath?: string;
  queryParameters?: Record<string, string | string[]>;
  body?: string;
  isBase64Encoded?: boolean;
  requestContext?: { http?: { method?: string } };
}

export interface FcHttpResponse {
  isBase64Encoded: boolean;
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Parses either shape into the provider-neutral request; undefined when it is neither. */
export function callbackRequestFromFcEvent(event: Buffer | string | object): CallbackRequest | undefined {
  let parsed: unknown;
  try {
    parsed =
      Buffer.isBuffer(event) || typeof event === 'string' ? JSON.parse(event.toString()) : (event as unknown);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const shape = parsed as ApiGatewayEvent & HttpTriggerEvent;
  const method = shape.requestContext?.http?.method ?? shape.httpMethod;
  if (typeof method !== 'string') return undefined;
  const query: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(shape.queryParameters ?? {})) {
    // A repeated parameter is ambiguous: take none rather than guess which one was signed.
    query[name] = Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
  }
  const body =
    shape.body === undefined || shape.body === null
      ? undefined
      : shape.isBase64Encoded
        ? Buffer.from(shape.body, 'base64')
        : shape.body;
  const appId = shape.pathParameters?.app ?? appInPath(shape.rawPath ?? shape.path);
  return { method, query, body, ...(appId === undefined ? {} : { appId }) };
}

/** `/dingtalk/{app}`: the app's id, decoded; undefined for `/dingtalk` and any other path. */
function appInPath(path: string | undefined): string | undefined {
  const match = /\/dingtalk\/([^/?#]+)\/?$/.exec(path ?? '');
  if (!match) return undefined;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return match[1];
  }
}

export function fcHttpResponse(response: CallbackResponse): FcHttpResponse {
  return {
    isBase64Encoded: false,
    statusCode: response.statusCode,
    headers: response.headers,
    body: response.body,
  };
}
