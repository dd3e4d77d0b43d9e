// A browser on a local page of another port calling the local API: the preflight, then the request itself.
// serverless-offline answers preflights from the http events' `cors`, the configuration API Gateway's OPTIONS
// methods are built from; it grants any origin there, so what the deployed preflights grant and refuse is
// checked in test/unit/template.test.ts. The answers' own CORS headers are the functions' (CORS_ALLOWED_ORIGINS).
import { describe, expect, it } from 'vitest';
import { HTTP_OPERATIONS, type HttpOperationName } from '../../shared/operations.js';
import { apiUrl, call, partnerToken } from './helpers.js';

type Op = HttpOperationName;
const ROUTES = Object.fromEntries(HTTP_OPERATIONS.map((o) => [o.name, o.route.path])) as Record<Op, string>;

const PAGE = 'http://localhost:5173';

const HEADERS_PER_ROUTE: Record<Op, string[]> = {
  checkIdentity: ['content-type', 'x-request-id', 'accept-language', 'x-auth-token', 'authorization', 'x-sdk-date'],
  sendVerificationCode: ['content-type', 'x-request-id', 'accept-language'],
  verifyVerificationCode: ['content-type', 'x-request-id', 'accept-language', 'x-access-token'],
};

const preflight = (op: Op, origin: string, headers: string[]) =>
  fetch(`${apiUrl()}${ROUTES[op]}`, {
    method: 'OPTIONS',
    headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': headers.join(',') },
  });

const listHeader = (res: { headers: Headers }, name: string) =>
  (res.headers.get(name) ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);

describe('a browser page on a local port', () => {
  it.each(Object.keys(ROUTES) as Op[])('passes the preflight of %s with the headers the route reads', async (op) => {
    const res = await preflight(op, PAGE, HEADERS_PER_ROUTE[op]);
    expect(res.status).toBeLessThan(300);
    expect(res.headers.get('access-control-allow-origin')).toBe(PAGE);
    expect(listHeader(res, 'access-control-allow-methods')).toContain('post');
    expect(listHeader(res, 'access-control-allow-headers')).toEqual(expect.arrayContaining(HEADERS_PER_ROUTE[op]));
  });

  // (serverless-offline also echoes any Origin on an answer that names none; API Gateway adds nothing: the
  // function's own headers are what a deployed page gets, and they win here too.)
  it('may read X-Request-Id and Retry-After of the answer', async () => {
    const res = await call(
      'checkIdentity',
      { search_type: 'name', search_value: 'ceshiyonghu001' },
      {
        headers: { Origin: PAGE, 'X-Auth-Token': await partnerToken() },
      },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(PAGE);
    expect(
      res.headers
        .get('access-control-expose-headers')
        ?.toLowerCase()
        .split(',')
        .map((h) => h.trim()),
    ).toEqual(expect.arrayContaining(['x-request-id', 'retry-after']));
  });

  it.each(Object.keys(ROUTES) as Op[])("names the page on %s's refusals too, and varies by Origin", async (op) => {
    const res = await call(op, { not: 'a valid body' }, { headers: { Origin: PAGE } });
    expect([400, 401, 403]).toContain(res.status);
    expect(res.headers.get('access-control-allow-origin')).toBe(PAGE);
    expect(listHeader(res, 'access-control-expose-headers')).toEqual(expect.arrayContaining(['x-request-id', 'retry-after']));
    expect(listHeader(res, 'vary')).toContain('origin');
  });
});
