// Partner caller authentication on check-identity (SPEC §5): X-Auth-Token JWTs with a partner role, and
// Huawei SDK-HMAC-SHA256 AK/SK signatures made by the official signer, with the 5-failure / 5-minute AK lockout.
import { vi, describe, it, expect, beforeEach } from 'vitest';

vi.hoisted(() => {
  // Read by shared/observability.ts when it is first imported: keep test output quiet.
  process.env.LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { SignJWT } from 'jose';
import { httpEvent } from '../../dev/support/events.js';
import { countRequests } from '../../dev/support/meter.js';
import { createTestRuntime, type TestRuntime } from '../support/runtime.js';
import { createCheckIdentityHandler } from '../../functions/check-identity.js';
import { ServiceError } from '../../shared/errors.js';
import { normalizeEvent } from '../../shared/request/incoming.js';
import { JWT_AUDIENCES, LOCAL_SECRETS } from '../../shared/local-defaults.js';
import { OPERATIONS } from '../../shared/operations.js';
import { akskHeaders, post, tokenHeaders, PARTNER_AK, PARTNER_SK, type Answer } from './partner-auth-support.js';

const CHECK_IDENTITY_PATH = OPERATIONS.checkIdentity.route.path;
const BODY = { search_type: 'name', search_value: 'ceshiyonghu001' };
const OK = { error_code: 'CBC.0000', error_msg: 'success', check_result: 'available' };
const ACCESS_DENIED = { error_code: 'CBC.0151', error_msg: 'Access denied.' };
const BAD_TOKEN = { error_code: 'CBC.0154', error_msg: 'The token is invalid or has expired.' };
const BAD_SIGNATURE = { error_code: 'APIG.0301', error_msg: 'Incorrect IAM authentication information.' };
const MINUTE = 60_000;
/** The partner's own egress address (the default source of every request here) and an attacker's. */
const PARTNER_IP = '203.0.113.10';
const ATTACKER_IP = '198.51.100.7';
const WRONG_SK = 'not-the-secret-key-of-this-access-key';

let t: TestRuntime;
let handler: ReturnType<typeof createCheckIdentityHandler>;

beforeEach(async () => {
  t = await createTestRuntime();
  handler = createCheckIdentityHandler(t.rt);
});

const withToken = async (role: string) => post(handler, BODY, await tokenHeaders(t, role));
/**
 * A request signed by the official SDK signer at the test clock's time (or `date`), with the partner's AK and SK
 * unless told, from the partner's address unless told.
 */
const signed = async (o: { ak?: string; sk?: string; date?: Date; from?: string } = {}) =>
  post(handler, BODY, await akskHeaders(t, BODY, o), o.from ?? PARTNER_IP);
const badlySigned = (o: { ak?: string; date?: Date; from?: string } = {}) => signed({ ...o, sk: WRONG_SK });
const expectAnswer = (res: Answer, status: number, body: Record<string, unknown>) => {
  expect({ status: res.status, body: res.body }).toEqual({ status, body });
};
const LOCKED = (seconds: number) => ({ ...BAD_SIGNATURE, retry_after: seconds });

/** Every (AK, source) lockout item in this test's table. */
async function lockoutItems(): Promise<Array<Record<string, unknown>>> {
  const { Items = [] } = await t.rt.db.doc.send(
    new ScanCommand({
      TableName: t.config.tableName,
      FilterExpression: 'sk = :sk',
      ExpressionAttributeValues: { ':sk': 'LOCKOUT' },
      ConsistentRead: true,
    }),
  );
  return Items;
}

describe('X-Auth-Token', () => {
  it('accepts the partner roles distributor and solution_provider', async () => {
    expectAnswer(await withToken('distributor'), 200, OK);
    expectAnswer(await withToken('solution_provider'), 200, OK);
  });

  it('refuses a valid token without a partner role with 403 CBC.0151', async () => {
    expectAnswer(await withToken('customer'), 403, ACCESS_DENIED);
  });

  it('refuses a request without credentials with 403 CBC.0151', async () => {
    expectAnswer(await post(handler, BODY), 403, ACCESS_DENIED);
  });

  it('takes an Authorization header of another scheme as no credentials (403 CBC.0151), a malformed SDK-HMAC-SHA256 one as a bad signature (401)', async () => {
    expectAnswer(await post(handler, BODY, { Authorization: 'Bearer abc.def.ghi' }), 403, ACCESS_DENIED);
    expectAnswer(await post(handler, BODY, { Authorization: 'Basic dXNlcjpwYXNz' }), 403, ACCESS_DENIED);
    const malformed = await post(handler, BODY, { Authorization: 'SDK-HMAC-SHA256 garbage' });
    expect(malformed.status).toBe(401);
    expect(malformed.body.error_code).toBe('APIG.0301');
  });

  it('refuses a forged token (signed with another secret) with 403 CBC.0154', async () => {
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({ role: 'distributor' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(t.config.jwtIssuer)
      .setAudience(JWT_AUDIENCES.partner)
      .setSubject('intruder')
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(new TextEncoder().encode('some-other-secret-than-the-partner-one-00001'));
    expectAnswer(await post(handler, BODY, { 'X-Auth-Token': forged }), 403, BAD_TOKEN);
  });

  it('refuses an expired token and a token from another issuer with 403 CBC.0154', async () => {
    const issuedAt = Math.floor(Date.now() / 1000) - 2 * 3600;
    expectAnswer(await post(handler, BODY, await tokenHeaders(t, 'distributor', { issuedAt, expiresInSeconds: 3600 })), 403, BAD_TOKEN);
    expectAnswer(await post(handler, BODY, await tokenHeaders(t, 'distributor', { issuer: 'someone-else' })), 403, BAD_TOKEN);
    expectAnswer(await post(handler, BODY, { 'X-Auth-Token': 'not-a-jwt' }), 403, BAD_TOKEN);
  });

  it('refuses a well-signed partner token without exp or iat, expiring in 2500, or living longer than 3600 s with 403 CBC.0154', async () => {
    const now = Math.floor(Date.now() / 1000);
    const partnerToken = (times: { iat?: number; exp?: number }) => {
      const jwt = new SignJWT({ role: 'distributor' })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(t.config.jwtIssuer)
        .setAudience(JWT_AUDIENCES.partner)
        .setSubject('long-lived');
      if (times.iat !== undefined) jwt.setIssuedAt(times.iat);
      if (times.exp !== undefined) jwt.setExpirationTime(times.exp);
      return jwt.sign(new TextEncoder().encode(LOCAL_SECRETS.partnerJwtSecret));
    };
    for (const times of [{ iat: now }, { exp: now + 600 }, { iat: now, exp: Date.UTC(2500, 0, 1) / 1000 }, { iat: now, exp: now + 3601 }]) {
      expectAnswer(await post(handler, BODY, { 'X-Auth-Token': await partnerToken(times) }), 403, BAD_TOKEN);
    }
    expectAnswer(await post(handler, BODY, { 'X-Auth-Token': await partnerToken({ iat: now, exp: now + 3600 }) }), 200, OK);
  });
});

describe('AK/SK signature (official Huawei SDK signer)', () => {
  it('accepts a request signed with the right SK', async () => {
    expectAnswer(await signed(), 200, OK);
  });

  it('refuses a wrong SK, and an X-Sdk-Date 16 minutes off either way, with 401 APIG.0301', async () => {
    expectAnswer(await badlySigned(), 401, BAD_SIGNATURE);
    const now = t.clock.now().getTime();
    expectAnswer(await signed({ date: new Date(now - 16 * MINUTE) }), 401, BAD_SIGNATURE);
    expectAnswer(await signed({ date: new Date(now + 16 * MINUTE) }), 401, BAD_SIGNATURE);
    // 14 minutes off is still within the allowed skew.
    expectAnswer(await signed({ date: new Date(now - 14 * MINUTE) }), 200, OK);
  });

  it('refuses an unknown AK with 401 APIG.0301', async () => {
    expectAnswer(await signed({ ak: 'UNKNOWNACCESSKEY0001', sk: 'whatever' }), 401, BAD_SIGNATURE);
  });
});

describe('AK/SK lockout per (AK, source)', () => {
  it('locks the pair after five consecutive failures from one source: even a correct signature from there gets 401 until 5 minutes later', async () => {
    for (let i = 0; i < 5; i++) expectAnswer(await badlySigned(), 401, BAD_SIGNATURE);

    const locked = await signed();
    expectAnswer(locked, 401, LOCKED(300));
    expect(locked.headers['retry-after']).toBe('300');

    t.clock.advance(5 * MINUTE - 1000);
    expectAnswer(await signed(), 401, LOCKED(1));

    t.clock.advance(1000);
    expectAnswer(await signed(), 200, OK);
  });

  it("never refuses the partner's correct signature because of another source's failures", async () => {
    for (let i = 0; i < 5; i++) expectAnswer(await badlySigned({ from: ATTACKER_IP }), 401, BAD_SIGNATURE);
    expectAnswer(await signed({ from: PARTNER_IP }), 200, OK);

    // The attacker's own source is locked, whatever it sends; the partner keeps working throughout.
    for (let i = 0; i < 20; i++) expectAnswer(await badlySigned({ from: ATTACKER_IP }), 401, LOCKED(300));
    expectAnswer(await signed({ from: ATTACKER_IP }), 401, LOCKED(300));
    expectAnswer(await signed({ from: PARTNER_IP }), 200, OK);
  });

  it('takes an IPv6 source by its /64: failures spread over one /64 lock it, the next /64 is untouched', async () => {
    for (let i = 1; i <= 5; i++) expectAnswer(await badlySigned({ from: `2001:db8:1:2::${i}` }), 401, BAD_SIGNATURE);
    expectAnswer(await signed({ from: '2001:db8:1:2:ffff:ffff:ffff:ffff' }), 401, LOCKED(300));
    expectAnswer(await signed({ from: '2001:db8:1:3::1' }), 200, OK);
  });

  it('refuses clock skew without counting it: five random signatures dated 2001 lock nothing and write nothing', async () => {
    for (let i = 0; i < 5; i++) {
      expectAnswer(await badlySigned({ date: new Date('2001-01-01T00:00:00Z') }), 401, BAD_SIGNATURE);
      expectAnswer(await signed({ date: new Date(t.clock.now().getTime() - 16 * MINUTE) }), 401, BAD_SIGNATURE);
    }
    expect(await lockoutItems()).toEqual([]);
    expectAnswer(await signed(), 200, OK);
  });

  it('neither counts nor extends the lock with failures during it: one failure a minute does not keep the pair locked', async () => {
    const lockedAt = t.clock.now().getTime();
    for (let i = 0; i < 5; i++) await badlySigned();
    for (let minute = 1; minute < 5; minute++) {
      t.clock.set(lockedAt + minute * MINUTE);
      expectAnswer(await badlySigned(), 401, LOCKED(300 - minute * 60));
    }
    // The lock ends on time; this failure is the first of a new run, not the fifth since the lock.
    t.clock.set(lockedAt + 5 * MINUTE);
    expectAnswer(await badlySigned(), 401, BAD_SIGNATURE);
    t.clock.set(lockedAt + 5 * MINUTE + 30_000);
    expectAnswer(await signed(), 200, OK);
  });

  it('resets the count on a success: 4 failures, 1 success, 4 failures do not lock', async () => {
    for (let i = 0; i < 4; i++) expectAnswer(await badlySigned(), 401, BAD_SIGNATURE);
    expectAnswer(await signed(), 200, OK);
    for (let i = 0; i < 4; i++) expectAnswer(await badlySigned(), 401, BAD_SIGNATURE);

    expectAnswer(await signed(), 200, OK);
    const [item] = await lockoutItems();
    expect(item).toMatchObject({ failures: 0 });
    expect(item?.lockedUntil).toBeUndefined();

    // …and the next run of five does lock.
    for (let i = 0; i < 5; i++) await badlySigned();
    expect((await signed()).status).toBe(401);
  });

  it('10 concurrent bad signatures from one source all get 401 (no 500) and lock that pair once, for 5 minutes', async () => {
    // Successful writes of the lock (lockedUntil), observed on the real client.
    let lockWrites = 0;
    t.rt.db.raw.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        const update = (args.input as { UpdateExpression?: string }).UpdateExpression ?? '';
        if (context.commandName === 'UpdateItemCommand' && update.includes('lockedUntil')) lockWrites++;
        return result;
      },
      { step: 'initialize', name: 'lockWriteCounter' },
    );
    const startedAt = t.clock.now().getTime();

    const answers = await Promise.all(Array.from({ length: 10 }, () => badlySigned({ from: ATTACKER_IP })));

    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(401));
    for (const a of answers) expect([BAD_SIGNATURE, LOCKED(300)]).toContainEqual(a.body);
    expect(lockWrites).toBe(1);
    expect(await lockoutItems()).toEqual([expect.objectContaining({ lockedUntil: startedAt + 5 * MINUTE, failures: 0 })]);

    expectAnswer(await signed({ from: ATTACKER_IP }), 401, LOCKED(300));
    expectAnswer(await signed({ from: PARTNER_IP }), 200, OK);
    t.clock.advance(5 * MINUTE);
    expectAnswer(await signed({ from: ATTACKER_IP }), 200, OK);
  });

  it('10 concurrent bad signatures from 10 sources lock none of them', async () => {
    await Promise.all(Array.from({ length: 10 }, (_, i) => badlySigned({ from: `198.51.100.${i + 1}` })));
    for (let i = 0; i < 10; i++) expectAnswer(await signed({ from: `198.51.100.${i + 1}` }), 200, OK);
  });
});

describe('real and unknown AKs answer alike', () => {
  const UNKNOWN_AK = 'UNKNOWNACCESSKEY0001';
  /** What a caller can observe of an answer: everything but the request id, plus the DynamoDB requests it cost. */
  async function observe(send: () => Promise<Answer>) {
    const counter = countRequests(t.rt.db);
    const res = await send();
    const { 'x-request-id': _id, ...headers } = res.headers;
    return { status: res.status, headers, body: res.body, requests: [...counter.operations] };
  }

  it('a bad signature: same status, headers, body and DynamoDB requests', async () => {
    const real = await observe(() => badlySigned({ ak: PARTNER_AK }));
    const unknown = await observe(() => badlySigned({ ak: UNKNOWN_AK }));
    expect(unknown).toEqual(real);
    expect(real.status).toBe(401);
    expect(real.requests).toEqual(['GetItem', 'UpdateItem', 'PutItem']); // the key's read (real or not), the failure, the audit
  });

  it('after five failures: the same lock, Retry-After and DynamoDB requests', async () => {
    for (let i = 0; i < 5; i++) {
      const real = await observe(() => badlySigned({ ak: PARTNER_AK, from: ATTACKER_IP }));
      const unknown = await observe(() => badlySigned({ ak: UNKNOWN_AK, from: ATTACKER_IP }));
      expect(unknown).toEqual(real);
    }
    const real = await observe(() => badlySigned({ ak: PARTNER_AK, from: ATTACKER_IP }));
    const unknown = await observe(() => badlySigned({ ak: UNKNOWN_AK, from: ATTACKER_IP }));
    expect(unknown).toEqual(real);
    expect(real.headers['retry-after']).toBe('300');
    expect(real.body).toEqual(LOCKED(300));
  });

  it('clock skew: same answer, and no lockout request for either (only the key read and the audit record)', async () => {
    const skewed = new Date('2001-01-01T00:00:00Z');
    const real = await observe(() => badlySigned({ ak: PARTNER_AK, date: skewed }));
    const unknown = await observe(() => badlySigned({ ak: UNKNOWN_AK, date: skewed }));
    expect(unknown).toEqual(real);
    expect(real.requests).toEqual(['GetItem', 'PutItem']);
  });
});

describe('the audit facts of a refused AK/SK request', () => {
  /** Calls the partner authenticator on the request API Gateway would deliver, returning what it throws. */
  async function refusal(headers: Record<string, string>, from = PARTNER_IP): Promise<ServiceError> {
    const request = normalizeEvent(httpEvent(CHECK_IDENTITY_PATH, BODY, headers, from));
    const err = await t.rt.partnerAuth(request, { now: t.clock.now(), requestId: 'req-audit' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ServiceError);
    expect((err as ServiceError).code).toBe('APIG.0301');
    return err as ServiceError;
  }
  const signatureOf = (headers: Record<string, string>) => /Signature=([0-9a-f]+)/.exec(headers.Authorization ?? '')![1]!;

  it('records the claimed AK and the reason, never the signature or a secret', async () => {
    const cases: Array<[Record<string, string>, Record<string, string>]> = [
      [await akskHeaders(t, BODY, { sk: WRONG_SK }), { claimedAccessKey: PARTNER_AK, reason: 'bad_signature' }],
      [await akskHeaders(t, BODY, { ak: 'UNKNOWNAK42', sk: WRONG_SK }), { claimedAccessKey: 'UNKNOWNAK42', reason: 'unknown_key' }],
      [await akskHeaders(t, BODY, { date: new Date('2001-01-01T00:00:00Z') }), { claimedAccessKey: PARTNER_AK, reason: 'clock_skew' }],
      [{ Authorization: 'SDK-HMAC-SHA256 garbage' }, { reason: 'malformed' }],
    ];
    for (const [headers, audit] of cases) {
      const err = await refusal(headers);
      expect(err.audit).toEqual(audit);
      const dump = JSON.stringify({ audit: err.audit, detail: err.detail, message: err.message });
      expect(dump).not.toContain(PARTNER_SK);
      expect(dump).not.toContain(WRONG_SK);
      if (headers.Authorization?.includes('Signature=')) expect(dump).not.toContain(signatureOf(headers));
    }
  });

  it('records a refusal of a locked pair as locked', async () => {
    for (let i = 0; i < 5; i++) await badlySigned();
    expect((await refusal(await akskHeaders(t, BODY))).audit).toEqual({ claimedAccessKey: PARTNER_AK, reason: 'locked' });
  });
});
