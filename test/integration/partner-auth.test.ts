// Partner caller authentication on check-identity (SPEC §5): X-Auth-Token JWTs with a partner role, and
// Huawei SDK-HMAC-SHA256 AK/SK signatures made by the official signer, with the 5-failure / 5-minute AK lockout.
import { vi, describe, it, expect, beforeEach } from 'vitest';

vi.hoisted(() => {
  // Read by shared/observability.ts when it is first imported: keep test output quiet.
  process.env.LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { SignJWT } from 'jose';
import { createTestRuntime, type TestRuntime } from '../support/runtime.js';
import { createCheckIdentityHandler } from '../../functions/check-identity.js';
import { JWT_AUDIENCES, LOCAL_SECRETS } from '../../shared/local-defaults.js';
import { akskHeaders, post, tokenHeaders, PARTNER_AK, type Answer } from './partner-auth-support.js';

const BODY = { search_type: 'name', search_value: 'ceshiyonghu001' };
const OK = { error_code: 'CBC.0000', error_msg: 'success', check_result: 'available' };
const ACCESS_DENIED = { error_code: 'CBC.0151', error_msg: 'Access denied.' };
const BAD_TOKEN = { error_code: 'CBC.0154', error_msg: 'The token is invalid or has expired.' };
const BAD_SIGNATURE = { error_code: 'APIG.0301', error_msg: 'Incorrect IAM authentication information.' };
const MINUTE = 60_000;

let t: TestRuntime;
let handler: ReturnType<typeof createCheckIdentityHandler>;

beforeEach(async () => {
  t = await createTestRuntime();
  handler = createCheckIdentityHandler(t.rt);
});

const withToken = async (role: string) => post(handler, BODY, await tokenHeaders(t, role));
/** A request signed by the official SDK signer at the test clock's time (or `date`), with the right SK unless told. */
const signed = async (o: { sk?: string; date?: Date } = {}) => post(handler, BODY, await akskHeaders(t, BODY, o));
const badlySigned = () => signed({ sk: 'not-the-secret-key-of-this-access-key' });
const expectAnswer = (res: Answer, status: number, body: Record<string, unknown>) => {
  expect({ status: res.status, body: res.body }).toEqual({ status, body });
};

async function lockoutItem(): Promise<Record<string, unknown> | undefined> {
  const { Item } = await t.rt.db.doc.send(
    new GetCommand({ TableName: t.config.tableName, Key: { pk: `AK#${PARTNER_AK}`, sk: 'LOCKOUT' }, ConsistentRead: true }),
  );
  return Item;
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
    const res = await post(handler, BODY, await akskHeaders(t, BODY, { ak: 'UNKNOWNACCESSKEY0001', sk: 'whatever' }));
    expectAnswer(res, 401, BAD_SIGNATURE);
  });

  it('locks the AK after five consecutive failures: even a correct signature gets 401 until 5 minutes later', async () => {
    for (let i = 0; i < 5; i++) expectAnswer(await badlySigned(), 401, BAD_SIGNATURE);

    const locked = await signed();
    expectAnswer(locked, 401, { ...BAD_SIGNATURE, retry_after: 300 });
    expect(locked.headers['retry-after']).toBe('300');

    t.clock.advance(5 * MINUTE - 1000);
    expectAnswer(await signed(), 401, { ...BAD_SIGNATURE, retry_after: 1 });

    t.clock.advance(1000);
    expectAnswer(await signed(), 200, OK);
  });

  it('counts clock-skew failures toward the lock as well', async () => {
    for (let i = 0; i < 5; i++) {
      expectAnswer(await signed({ date: new Date(t.clock.now().getTime() - 16 * MINUTE) }), 401, BAD_SIGNATURE);
    }
    expect((await signed()).status).toBe(401);
  });

  it('resets the count on a success: 4 failures, 1 success, 4 failures do not lock', async () => {
    for (let i = 0; i < 4; i++) expectAnswer(await badlySigned(), 401, BAD_SIGNATURE);
    expectAnswer(await signed(), 200, OK);
    for (let i = 0; i < 4; i++) expectAnswer(await badlySigned(), 401, BAD_SIGNATURE);

    expectAnswer(await signed(), 200, OK);
    expect(await lockoutItem()).toMatchObject({ failures: 0 });
    expect((await lockoutItem())?.lockedUntil).toBeUndefined();

    // …and the next run of five does lock.
    for (let i = 0; i < 5; i++) await badlySigned();
    expect((await signed()).status).toBe(401);
  });

  it('10 concurrent bad signatures all get 401 (no 500), and lock the AK once for 5 minutes', async () => {
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

    const answers = await Promise.all(Array.from({ length: 10 }, () => badlySigned()));

    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(401));
    for (const a of answers) expect(a.body).toEqual(BAD_SIGNATURE);
    expect(lockWrites).toBe(1);
    expect(await lockoutItem()).toMatchObject({ lockedUntil: startedAt + 5 * MINUTE });

    expect((await signed()).status).toBe(401);
    t.clock.advance(5 * MINUTE);
    expectAnswer(await signed(), 200, OK);
  });
});
