import { describe, expect, it } from 'vitest';
import { isHttpEvent, normalizeEvent } from '../../shared/request/incoming.js';

const BODY = '{"search_type":"name","search_value":"ceshiyonghu001"}';

const httpApiV2 = (over: Record<string, unknown> = {}) => ({
  version: '2.0',
  routeKey: 'POST /v2/partners/sub-customers/users/check-identity',
  rawPath: '/v2/partners/sub-customers/users/check-identity',
  rawQueryString: 'a=1',
  headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'req-1', 'X-Count': 3 },
  queryStringParameters: { a: '1' },
  requestContext: { http: { method: 'POST', path: '/v2/partners/sub-customers/users/check-identity', sourceIp: '203.0.113.7' } },
  body: BODY,
  isBase64Encoded: false,
  ...over,
});

const restV1 = (over: Record<string, unknown> = {}) => ({
  resource: '/v1/usg/acs/verifycode/send',
  path: '/v1/usg/acs/verifycode/send',
  httpMethod: 'POST',
  headers: { 'Accept-Language': 'en-US', 'content-type': 'application/json' },
  multiValueHeaders: { 'Accept-Language': ['en-US'] },
  queryStringParameters: null,
  requestContext: { identity: { sourceIp: '198.51.100.9' } },
  body: '{"user":"a@b.com"}',
  isBase64Encoded: false,
  ...over,
});

describe('normalizeEvent with an HTTP API (payload 2.0) event', () => {
  it('reads method, path, query, body and source IP', () => {
    const r = normalizeEvent(httpApiV2());
    expect(r).toMatchObject({
      direct: false,
      method: 'POST',
      path: '/v2/partners/sub-customers/users/check-identity',
      query: { a: '1' },
      rawBody: BODY,
      directBody: undefined,
      sourceIp: '203.0.113.7',
    });
  });

  it('lower-cases header names and keeps numeric values as strings', () => {
    expect(normalizeEvent(httpApiV2()).headers).toEqual({ 'content-type': 'application/json', 'x-request-id': 'req-1', 'x-count': '3' });
  });

  it('decodes a base64 body', () => {
    const r = normalizeEvent(httpApiV2({ body: Buffer.from('{"user":"张三"}').toString('base64'), isBase64Encoded: true }));
    expect(r.rawBody).toBe('{"user":"张三"}');
  });

  it('leaves a body alone when it is not base64-encoded', () => {
    const b64 = Buffer.from(BODY).toString('base64');
    expect(normalizeEvent(httpApiV2({ body: b64, isBase64Encoded: false })).rawBody).toBe(b64);
  });

  it('has no body when the event has none', () => {
    expect(normalizeEvent(httpApiV2({ body: undefined })).rawBody).toBeUndefined();
  });

  it('is not taken for a direct invocation', () => {
    expect(isHttpEvent(httpApiV2())).toBe(true);
  });
});

describe('normalizeEvent with a REST API (payload 1.0) event', () => {
  it('reads httpMethod, path, headers and the identity source IP', () => {
    const r = normalizeEvent(restV1());
    expect(r).toMatchObject({
      direct: false,
      method: 'POST',
      path: '/v1/usg/acs/verifycode/send',
      query: {},
      headers: { 'accept-language': 'en-US', 'content-type': 'application/json' },
      rawBody: '{"user":"a@b.com"}',
      sourceIp: '198.51.100.9',
    });
  });

  it("takes the path the client asked for, the stage of an execute-api URL included, as the one its signature covers", () => {
    const r = normalizeEvent(
      restV1({ requestContext: { path: '/prod/v1/usg/acs/verifycode/send', stage: 'prod', identity: { sourceIp: '198.51.100.9' } } }),
    );
    expect(r.path).toBe('/prod/v1/usg/acs/verifycode/send');
  });

  it('decodes a base64 body', () => {
    const r = normalizeEvent(restV1({ body: Buffer.from('{"x":1}').toString('base64'), isBase64Encoded: true }));
    expect(r.rawBody).toBe('{"x":1}');
  });
});

describe('normalizeEvent with a direct invocation', () => {
  it('takes the event minus headers as the body and marks it direct', () => {
    const r = normalizeEvent({
      user: '+8613612345678',
      sendMethod: 'sms',
      headers: { 'X-Request-Id': 'sfn-42', 'Accept-Language': 'zh-CN' },
    });
    expect(r).toEqual({
      direct: true,
      method: 'INVOKE',
      path: '',
      query: {},
      headers: { 'x-request-id': 'sfn-42', 'accept-language': 'zh-CN' },
      rawBody: undefined,
      directBody: { user: '+8613612345678', sendMethod: 'sms' },
      sourceIp: undefined,
    });
  });

  it('works without headers', () => {
    const r = normalizeEvent({ search_type: 'name', search_value: 'ceshiyonghu001' });
    expect(r.direct).toBe(true);
    expect(r.headers).toEqual({});
    expect(r.directBody).toEqual({ search_type: 'name', search_value: 'ceshiyonghu001' });
  });

  it('ignores headers that are not an object', () => {
    const r = normalizeEvent({ user: 'x', headers: 'X-Request-Id: 1' });
    expect(r.headers).toEqual({});
    expect(r.directBody).toEqual({ user: 'x' });
  });

  it('drops header values that are neither strings nor numbers', () => {
    expect(normalizeEvent({ headers: { A: 'x', B: null, C: { d: 1 }, D: true } }).headers).toEqual({ a: 'x' });
  });

  it.each([[null], ['a string'], [42], [[1, 2]]])('passes a non-object event %j through as the body', (event) => {
    const r = normalizeEvent(event);
    expect(r.direct).toBe(true);
    expect(r.directBody).toEqual(event);
    expect(r.headers).toEqual({});
  });

  it('does not take a body with a requestContext but no path or method for an HTTP event', () => {
    const event = { requestContext: { http: { sourceIp: '1.2.3.4' } }, user: 'x' };
    expect(isHttpEvent(event)).toBe(false);
    expect(normalizeEvent(event)).toMatchObject({ direct: true, sourceIp: undefined });
  });
});
