// Every refused check-identity request (400/401/403) leaves exactly one audit record, found by the
// X-Request-Id of the response, naming the outcome and never holding the raw value, a token or a signature.
import { vi, describe, it, expect, beforeAll, beforeEach } from 'vitest';

vi.hoisted(() => {
  // Read by shared/observability.ts when it is first imported: keep test output quiet.
  process.env.LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

import { SignJWT } from 'jose';
import { createTestRuntime, type TestRuntime } from '../support/runtime.js';
import { createCheckIdentityHandler } from '../../functions/check-identity.js';
import { JWT_AUDIENCES } from '../../shared/local-defaults.js';
import { OPERATIONS } from '../../shared/operations.js';
import { httpEvent } from '../../dev/support/events.js';
import { akskHeaders, post, theAuditOf, tokenHeaders, PARTNER_SK, type Answer } from './partner-auth-support.js';

const BODY = { search_type: 'name', search_value: 'ceshiyonghu001' };
const MINUTE = 60_000;
const RETENTION_SECONDS = 180 * 86_400;

let t: TestRuntime;
let handler: ReturnType<typeof createCheckIdentityHandler>;
let token: string;

beforeAll(async () => {
  t = await createTestRuntime();
  handler = createCheckIdentityHandler(t.rt);
  token = (await tokenHeaders(t, 'distributor'))['X-Auth-Token']!;
});

// Each request a second after the last: one partner's calls stay within its flow control (CBC.0250,
// partner-flow-control.test.ts), which is not what this file is about.
beforeEach(() => t.clock.advance(1000));

interface Refusal {
  name: string;
  status: number;
  code: string;
  caller: 'partner' | 'anonymous';
  send: () => Promise<Answer>;
  /** Raw values the audit record must not contain. */
  secrets: () => string[];
}

const withToken = (body: unknown, headers: Record<string, string> = {}) => post(handler, body, { 'X-Auth-Token': token, ...headers });

const refusals: Refusal[] = [
  // 400 CBC.0100: the caller is authenticated, the parameters are wrong.
  ...(
    [
      ['a reserved name prefix', { search_type: 'name', search_value: 'op_adminuser' }, 'op_adminuser'],
      ['a name of all digits', { search_type: 'name', search_value: '1234567890' }, '1234567890'],
      ['a too short name', { search_type: 'name', search_value: 'abcd' }, 'abcd'],
      ['a mobile without 00 and dash', { search_type: 'mobile', search_value: '13612345678' }, '13612345678'],
      ['an email without @', { search_type: 'email', search_value: 'secret.person.example.com' }, 'secret.person.example.com'],
      ['a 65-character value', { search_type: 'email', search_value: `${'x'.repeat(53)}@example.com` }, 'x'.repeat(53)],
      ['an unknown search_type', { search_type: 'phone', search_value: 'ceshiyonghu001' }, 'ceshiyonghu001'],
      ['an unknown extra field', { ...BODY, extra: 'field' }, 'ceshiyonghu001'],
      ['a missing search_value', { search_type: 'name' }, 'ceshiyonghu001'],
      ['a JSON array body', [BODY], 'ceshiyonghu001'],
    ] as const
  ).map(([name, body, raw]): Refusal => ({
    name,
    status: 400,
    code: 'CBC.0100',
    caller: 'partner',
    send: () => withToken(body),
    secrets: () => [raw, token],
  })),
  {
    name: 'malformed JSON',
    status: 400,
    code: 'CBC.0100',
    caller: 'partner',
    send: () => withToken('{"search_type":"name","search_value":"ceshiyonghu001"'),
    secrets: () => ['ceshiyonghu001', token],
  },
  {
    name: 'a wrong content type',
    status: 400,
    code: 'CBC.0100',
    caller: 'partner',
    send: () => withToken(BODY, { 'content-type': 'text/plain' }),
    secrets: () => ['ceshiyonghu001', token],
  },
  {
    name: 'a body over 8 KiB',
    status: 400,
    code: 'CBC.0100',
    caller: 'partner',
    send: () => withToken({ ...BODY, padding: 'p'.repeat(9000) }),
    secrets: () => ['ceshiyonghu001', 'pppppppp', token],
  },
  // 401 APIG.0301: AK/SK refused.
  {
    name: 'a wrong SK',
    status: 401,
    code: 'APIG.0301',
    caller: 'anonymous',
    send: async () => post(handler, BODY, await akskHeaders(t, BODY, { sk: 'wrong-secret-key-000000000000000000000' })),
    secrets: () => ['ceshiyonghu001', PARTNER_SK],
  },
  {
    name: 'an X-Sdk-Date 16 minutes old',
    status: 401,
    code: 'APIG.0301',
    caller: 'anonymous',
    send: async () => post(handler, BODY, await akskHeaders(t, BODY, { date: new Date(t.clock.now().getTime() - 16 * MINUTE) })),
    secrets: () => ['ceshiyonghu001', PARTNER_SK],
  },
  {
    name: 'an unknown AK',
    status: 401,
    code: 'APIG.0301',
    caller: 'anonymous',
    send: async () => post(handler, BODY, await akskHeaders(t, BODY, { ak: 'UNKNOWNACCESSKEY0001', sk: 'unknown-secret' })),
    secrets: () => ['ceshiyonghu001', 'unknown-secret'],
  },
  {
    name: 'a malformed SDK-HMAC-SHA256 Authorization header',
    status: 401,
    code: 'APIG.0301',
    caller: 'anonymous',
    send: () => post(handler, BODY, { Authorization: 'SDK-HMAC-SHA256 Access=x, garbage' }),
    secrets: () => ['ceshiyonghu001'],
  },
  {
    name: 'an Authorization header of another scheme (no credentials of ours)',
    status: 403,
    code: 'CBC.0151',
    caller: 'anonymous',
    send: () => post(handler, BODY, { Authorization: 'Basic dXNlcjpwYXNz' }),
    secrets: () => ['ceshiyonghu001', 'dXNlcjpwYXNz'],
  },
  // 403: no credentials, no partner role, bad token.
  {
    name: 'no credentials',
    status: 403,
    code: 'CBC.0151',
    caller: 'anonymous',
    send: () => post(handler, BODY),
    secrets: () => ['ceshiyonghu001'],
  },
  {
    name: 'a token without a partner role',
    status: 403,
    code: 'CBC.0151',
    caller: 'anonymous',
    send: async () => post(handler, BODY, await tokenHeaders(t, 'customer')),
    secrets: () => ['ceshiyonghu001'],
  },
  {
    name: 'an expired token',
    status: 403,
    code: 'CBC.0154',
    caller: 'anonymous',
    send: async () =>
      post(handler, BODY, await tokenHeaders(t, 'distributor', { issuedAt: Math.floor(Date.now() / 1000) - 7200, expiresInSeconds: 60 })),
    secrets: () => ['ceshiyonghu001'],
  },
  {
    name: 'a forged token',
    status: 403,
    code: 'CBC.0154',
    caller: 'anonymous',
    send: async () => {
      const forged = await new SignJWT({ role: 'distributor' })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(t.config.jwtIssuer)
        .setAudience(JWT_AUDIENCES.partner)
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode('forged-secret-forged-secret-forged-secret'));
      return post(handler, BODY, { 'X-Auth-Token': forged });
    },
    secrets: () => ['ceshiyonghu001'],
  },
];

describe('refused check-identity requests', () => {
  it.each(refusals)('$status $code for $name, with exactly one audit record', async (r) => {
    const res = await r.send();

    expect({ status: res.status, code: res.body.error_code }).toEqual({ status: r.status, code: r.code });
    expect(Object.keys(res.body).sort()).toEqual(['error_code', 'error_msg']);
    const record = await theAuditOf(t, res, r.secrets());
    expect(record).toMatchObject({
      requestId: res.requestId,
      operation: 'checkIdentity',
      caller: r.caller === 'partner' ? 'partner-token:local-partner' : 'anonymous',
      outcome: r.code,
      status: r.status,
      sourceIp: '203.0.113.10',
    });
    // Refused before the identity was understood: no subject.
    expect(record.subjectHash).toBeUndefined();
    expect(record.subjectMasked).toBeUndefined();
    expect(record.ttl).toBe(Math.ceil(Date.parse(String(record.at)) / 1000) + RETENTION_SECONDS);
  });

  it('audits a locked-out AK request once, with the caller still anonymous', async () => {
    const locked = await createTestRuntime();
    const lockedHandler = createCheckIdentityHandler(locked.rt);
    for (let i = 0; i < 5; i++)
      await post(lockedHandler, BODY, await akskHeaders(locked, BODY, { sk: 'wrong-sk-wrong-sk-wrong-sk-wrong-sk' }));

    const res = await post(lockedHandler, BODY, await akskHeaders(locked, BODY));
    expect(res.status).toBe(401);
    expect(await theAuditOf(locked, res, [PARTNER_SK])).toMatchObject({ outcome: 'APIG.0301', status: 401, caller: 'anonymous' });
  });

  it('answers in Chinese on Accept-Language zh-CN, audited the same way', async () => {
    const res = await withToken({ search_type: 'name', search_value: 'op_adminuser' }, { 'Accept-Language': 'zh-CN' });
    expect(res.body).toEqual({ error_code: 'CBC.0100', error_msg: '参数错误。' });
    expect(await theAuditOf(t, res, ['op_adminuser'])).toMatchObject({ outcome: 'CBC.0100', status: 400 });
  });

  it('keys each record by the platform request id: three callers reusing one X-Request-Id leave three records, and a lookup by a platform id finds one', async () => {
    const body = { search_type: 'name', search_value: 'ceshiyonghu001' };
    const reused = 'same-request-id-0001';
    const platformIds = ['lambda-req-a', 'lambda-req-b', 'lambda-req-c'];
    for (const awsRequestId of platformIds) {
      const event = httpEvent(OPERATIONS.checkIdentity.route.path, body, { ...(await tokenHeaders(t)), 'X-Request-Id': reused });
      const res = (await (handler as (e: unknown, c: unknown) => Promise<{ headers: Record<string, string> }>)(event, { awsRequestId })).headers;
      expect(res['x-request-id']).toBe(reused);
    }
    for (const id of platformIds) {
      expect(await t.rt.audit.byRequestId(id)).toMatchObject([{ requestId: id, clientRequestId: reused, outcome: 'CBC.0000' }]);
    }
    expect(await t.rt.audit.byRequestId(reused)).toEqual([]);
  });

  it('audits a refused direct invocation once under the request id it was given', async () => {
    const direct = handler as unknown as (e: unknown, c: unknown) => Promise<unknown>;
    await expect(
      direct({ search_type: 'mobile', search_value: '13612345678', headers: { 'x-request-id': 'sfn-exec-42' } }, {}),
    ).rejects.toMatchObject({
      name: 'CBC.0100',
    });
    const records = await t.auditRecords('sfn-exec-42');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ caller: 'direct', outcome: 'CBC.0100', status: 400 });
    expect(JSON.stringify(records)).not.toContain('13612345678');
  });
});
