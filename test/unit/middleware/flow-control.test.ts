import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServiceError } from '../../../shared/errors.js';
import { callerAuth } from '../../../shared/middleware/caller-auth.js';
import { familyResponse } from '../../../shared/middleware/family-response.js';
import { flowControl } from '../../../shared/middleware/flow-control.js';
import { jsonBody } from '../../../shared/middleware/json-body.js';
import { metrics } from '../../../shared/observability.js';
import type { AuthenticatedCaller, Authenticator, CallerRateLimit } from '../../../shared/request/operation-context.js';
import { asHttp, bodyJson, chain, httpPost, NOW, serviceErrorOf } from './support.js';

/** The rate port in memory: at most `perSecond` requests of a caller in each whole second of the clock. */
function perSecondLimit(perSecond: number, refusal: CallerRateLimit['refusal'] = 'CBC.0250') {
  const windows = new Map<string, { second: number; count: number }>();
  const admitted: string[] = [];
  const limit: CallerRateLimit = {
    refusal,
    admit: async (caller, now) => {
      const key = `${caller.kind}:${caller.subject}`;
      const second = Math.floor(now.getTime() / 1000);
      const window = windows.get(key);
      const current = window && window.second === second ? window : { second, count: 0 };
      current.count++;
      windows.set(key, current);
      if (current.count > perSecond) return (second + 1) * 1000 - now.getTime();
      admitted.push(key);
      return undefined;
    },
  };
  return { limit, admitted };
}

/** Each token names a partner of its own. */
const partners: Authenticator = async (request) => {
  const token = request.headers['x-auth-token'];
  if (!token) throw new ServiceError('CBC.0151');
  return { kind: 'partner-token', subject: token } satisfies AuthenticatedCaller;
};

afterEach(() => vi.restoreAllMocks());

describe('flowControl', () => {
  it('admits a caller up to its rate, then refuses with the configured 429 and when to come back', async () => {
    const rate = perSecondLimit(2);
    const c = chain([callerAuth(partners), flowControl(rate.limit)]);
    const call = () => c.invoke(httpPost('{}', { 'X-Auth-Token': 'partner-a' }));
    await call();
    await call();
    const refused = await serviceErrorOf(call());
    expect(refused).toMatchObject({ code: 'CBC.0250', status: 429, fields: { retry_after: 1 } });
    expect(refused.retryAfterSeconds).toBe(1);
    expect(c.states).toHaveLength(2);
  });

  it("counts per caller: one partner's refusals leave another's rate alone", async () => {
    const rate = perSecondLimit(1);
    const c = chain([callerAuth(partners), flowControl(rate.limit)]);
    await c.invoke(httpPost('{}', { 'X-Auth-Token': 'partner-a' }));
    await expect(c.invoke(httpPost('{}', { 'X-Auth-Token': 'partner-a' }))).rejects.toMatchObject({ code: 'CBC.0250' });
    await c.invoke(httpPost('{}', { 'X-Auth-Token': 'partner-b' }));
    expect(rate.admitted).toEqual(['partner-token:partner-a', 'partner-token:partner-b']);
  });

  it('rounds the wait up to whole seconds, never 0', async () => {
    const cases: Array<[number, number]> = [
      [1, 1],
      [999, 1],
      [1000, 1],
      [1001, 2],
      [2500, 3],
    ];
    for (const [retryMs, seconds] of cases) {
      const c = chain([callerAuth(partners), flowControl({ refusal: 'CBC.0250', admit: async () => retryMs })]);
      await expect(c.invoke(httpPost('{}', { 'X-Auth-Token': 'p' })), `${retryMs} ms`).rejects.toMatchObject({
        retryAfterSeconds: seconds,
        fields: { retry_after: seconds },
      });
    }
  });

  it('answers a refusal over HTTP as 429 with Retry-After, and counts it as FlowControlled', async () => {
    const added = vi.spyOn(metrics, 'addMetric');
    const c = chain([callerAuth(partners), flowControl({ refusal: 'CBC.0250', admit: async () => 400 })], undefined, {
      outer: [familyResponse({ family: 'CBC' })],
      defaultLanguage: 'en-US',
    });
    const result = asHttp(await c.invoke(httpPost('{}', { 'X-Auth-Token': 'p' })));
    expect(result.statusCode).toBe(429);
    expect(result.headers['retry-after']).toBe('1');
    expect(bodyJson(result)).toEqual({ error_code: 'CBC.0250', error_msg: 'Flow control. Try again later.', retry_after: 1 });
    expect(added).toHaveBeenCalledWith('FlowControlled', 'Count', 1);
  });

  it('is asked with the request’s clock reading', async () => {
    const asked: Date[] = [];
    const c = chain([callerAuth(partners), flowControl({ refusal: 'CBC.0250', admit: async (_caller, now) => void asked.push(now) })]);
    await c.invoke(httpPost('{}', { 'X-Auth-Token': 'p' }));
    expect(asked).toEqual([NOW]);
  });

  it('runs before the body is read: a refused request costs no parsing', async () => {
    const c = chain([callerAuth(partners), flowControl({ refusal: 'CBC.0250', admit: async () => 1000 }), jsonBody({ family: 'CBC' })]);
    await expect(c.invoke(httpPost('not json', { 'X-Auth-Token': 'p' }))).rejects.toMatchObject({ code: 'CBC.0250' });
  });

  it('does not limit a request without a caller: a direct invocation, or an operation without caller auth', async () => {
    const rate = perSecondLimit(0);
    const direct = chain([callerAuth(partners), flowControl(rate.limit)]);
    await direct.invoke({ search_type: 'name', search_value: 'x' });
    const unauthenticated = chain([flowControl(rate.limit)]);
    await unauthenticated.invoke(httpPost('{}'));
    expect(direct.states).toHaveLength(1);
    expect(unauthenticated.states).toHaveLength(1);
    expect(rate.admitted).toEqual([]);
  });

  it('never counts a refused forger: only an authenticated caller reaches the limit', async () => {
    const rate = perSecondLimit(1);
    const c = chain([callerAuth(partners), flowControl(rate.limit)]);
    for (let i = 0; i < 5; i++) await expect(c.invoke(httpPost('{}'))).rejects.toMatchObject({ code: 'CBC.0151' });
    await c.invoke(httpPost('{}', { 'X-Auth-Token': 'partner-a' }));
    expect(rate.admitted).toEqual(['partner-token:partner-a']);
  });
});
