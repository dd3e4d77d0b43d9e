/**
 * One request shape for both ways in: an API Gateway HTTP API event (payload 2.0, or REST 1.0) and a
 * direct invocation whose event is the plain JSON body plus optional `headers` (Step Functions,
 * another Lambda). Header names are lower-cased.
 */
export interface IncomingRequest {
  direct: boolean;
  method: string;
  path: string;
  /** Decoded query parameters; a repeated name keeps every value, in order. */
  query: Record<string, string | string[]>;
  headers: Record<string, string>;
  /** The body exactly as received over HTTP (decoded from base64 if need be); undefined when direct. */
  rawBody: string | undefined;
  /** A direct invocation's body, already an object. */
  directBody: unknown;
  sourceIp: string | undefined;
  /** API Gateway's id of the request (requestContext.requestId, its `x-amzn-RequestId`); none when direct. */
  gatewayRequestId: string | undefined;
}

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === 'object' && v !== null && !Array.isArray(v);

function lowerCaseHeaders(h: unknown): Record<string, string> {
  // No prototype: a header or parameter named `__proto__` or `toString` is data like any other.
  const out: Record<string, string> = Object.create(null);
  if (!isDict(h)) return out;
  for (const [k, v] of Object.entries(h)) {
    if (typeof v === 'string') out[k.toLowerCase()] = v;
    else if (typeof v === 'number') out[k.toLowerCase()] = String(v);
  }
  return out;
}

/**
 * Query parameters from the raw query string when there is one: payload 2.0 joins a repeated name's
 * values with commas in `queryStringParameters`, which would change what an AK/SK signature covers.
 */
function queryOf(event: Dict): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  if (typeof event.rawQueryString === 'string') {
    for (const [k, v] of new URLSearchParams(event.rawQueryString)) {
      const prev = out[k];
      out[k] = prev === undefined ? v : [prev, v].flat();
    }
    return out;
  }
  const multi = isDict(event.multiValueQueryStringParameters) ? event.multiValueQueryStringParameters : undefined;
  const single = isDict(event.queryStringParameters) ? event.queryStringParameters : {};
  for (const [k, v] of Object.entries(multi ?? single)) {
    if (typeof v === 'string') out[k] = v;
    else if (Array.isArray(v)) out[k] = v.filter((x): x is string => typeof x === 'string');
  }
  return out;
}

export function isHttpEvent(event: unknown): event is Dict {
  return isDict(event) && isDict(event.requestContext) && ('rawPath' in event || 'httpMethod' in event);
}

export function normalizeEvent(event: unknown): IncomingRequest {
  if (isHttpEvent(event)) {
    const rc = event.requestContext as Dict;
    const http = isDict(rc.http) ? rc.http : undefined;
    const identity = isDict(rc.identity) ? rc.identity : undefined;
    const body = typeof event.body === 'string' ? event.body : undefined;
    return {
      direct: false,
      method: String(http?.method ?? event.httpMethod ?? 'POST'),
      // The path the client asked for, which an AK/SK signature covers: a REST API's requestContext.path keeps
      // the stage of an execute-api URL (`/prod/v2/...`) and a custom domain's base path; its `path` drops them.
      path: String(event.rawPath ?? rc.path ?? event.path ?? '/'),
      query: queryOf(event),
      headers: lowerCaseHeaders(event.headers),
      rawBody: body !== undefined && event.isBase64Encoded === true ? Buffer.from(body, 'base64').toString('utf8') : body,
      directBody: undefined,
      sourceIp: typeof http?.sourceIp === 'string' ? http.sourceIp : typeof identity?.sourceIp === 'string' ? identity.sourceIp : undefined,
      gatewayRequestId: typeof rc.requestId === 'string' ? rc.requestId : undefined,
    };
  }
  const { headers, ...body } = isDict(event) ? event : {};
  return {
    direct: true,
    method: 'INVOKE',
    path: '',
    query: {},
    headers: lowerCaseHeaders(headers),
    rawBody: undefined,
    directBody: isDict(event) ? body : event,
    sourceIp: undefined,
    gatewayRequestId: undefined,
  };
}
