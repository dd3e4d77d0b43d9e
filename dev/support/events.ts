// API Gateway HTTP API (payload 2.0) events as AWS delivers them, and calling a handler with one in
// process: for the integration tests, the e2e suite's invoke-endpoint calls and the bench.
import { randomUUID } from 'node:crypto';

export interface ApiGatewayRequest {
  path: string;
  /** The body exactly as sent; absent when undefined or null. */
  body?: string | null;
  /** Headers exactly as given (AWS lower-cases them; in-process tests may not, to exercise normalisation). */
  headers?: Record<string, string>;
  sourceIp?: string;
}

/** A POST to `path` as API Gateway (HTTP API, payload 2.0) hands it to the function. */
export function apiGatewayEvent({ path, body, headers = {}, sourceIp = '203.0.113.10' }: ApiGatewayRequest): Record<string, unknown> {
  const routeKey = `POST ${path}`;
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers,
    ...(body === undefined || body === null ? {} : { body }),
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      domainName: headers.host ?? 'api.example.com',
      http: { method: 'POST', path, protocol: 'HTTP/1.1', sourceIp, userAgent: 'verigate-dev' },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
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
