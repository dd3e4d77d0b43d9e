// API Gateway REST API events (Lambda proxy integration, payload 1.0) as AWS delivers them, and calling a
// handler with one in process: for the integration tests, the e2e suite's invoke-endpoint calls and the bench.
import { randomUUID } from 'node:crypto';

export interface ApiGatewayRequest {
  path: string;
  /** The body exactly as sent; absent when undefined or null. */
  body?: string | null;
  /** Headers exactly as given (a REST API passes the client's names; in-process tests exercise normalisation). */
  headers?: Record<string, string>;
  sourceIp?: string;
}

/** A POST to `path` as API Gateway (REST API, Lambda proxy, payload 1.0) hands it to the function, on a custom domain. */
export function apiGatewayEvent({ path, body, headers = {}, sourceIp = '203.0.113.10' }: ApiGatewayRequest): Record<string, unknown> {
  return {
    resource: path,
    path,
    httpMethod: 'POST',
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: body ?? null,
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      domainName: headers.host ?? 'api.example.com',
      httpMethod: 'POST',
      identity: { sourceIp, userAgent: 'verigate-dev' },
      path,
      protocol: 'HTTP/1.1',
      requestId: randomUUID(),
      requestTime: new Date().toUTCString(),
      requestTimeEpoch: Date.now(),
      resourcePath: path,
      stage: 'local',
    },
  };
}

/** A JSON POST: `content-type: application/json` unless `headers` says otherwise; a string body goes as is. */
export function httpEvent(path: string, body: unknown, headers: Record<string, string> = {}, sourceIp?: string): Record<string, unknown> {
  return apiGatewayEvent({
    path,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
    ...(sourceIp === undefined ? {} : { sourceIp }),
  });
}

/** What an HTTP function returns to API Gateway. */
export interface LambdaHttpResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Calls a handler with an event as Lambda would (the context is not used beyond middy). */
export async function invokeHandler(handler: unknown, event: unknown): Promise<LambdaHttpResult> {
  return (await (handler as (e: unknown, c: unknown) => Promise<LambdaHttpResult>)(event, {})) as LambdaHttpResult;
}
