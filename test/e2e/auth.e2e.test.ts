// Caller authentication of the three routes: partner tokens and AK/SK signatures (official Huawei signer),
// CAPTCHA passes for send, app tokens for verify. Every request, refused or not, leaves one audit record.
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { LOCAL_PARTNER_DEFAULTS } from '../../shared/local-defaults.js';
import { signRequestWithHuaweiSdk } from '../../dev/support/huawei-sign.js';
import { maskedCnMobile, uniqueMobile, uniqueName } from '../../dev/support/identities.js';
import { OPERATIONS } from '../../shared/operations.js';
import {
  apiUrl,
  appToken,
  call,
  captchaToken,
  config,
  expectAudited,
  expectError,
  expectOk,
  newRequestId,
  partnerToken,
  toApiResponse,
} from './helpers.js';

const CHECK = { search_type: 'name', search_value: 'ceshiyonghu001' };
const hour = 3600;
const now = () => Math.floor(Date.now() / 1000);

describe('check-identity: X-Auth-Token', () => {
  const withToken = async (token: string | undefined) =>
    call('checkIdentity', CHECK, token === undefined ? {} : { headers: { 'X-Auth-Token': token } });

  it('no credentials at all → 403 CBC.0151', async () => {
    const res = await withToken(undefined);
    await expectError(res, 403, 'CBC.0151');
    expect(res.json).toEqual({ error_code: 'CBC.0151', error_msg: 'Access denied.' });
  });

  it('token signed with another secret → 403 CBC.0154', async () => {
    const forged = await new SignJWT({ role: 'solution_provider' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(config.jwtIssuer)
      .setAudience('verigate-partner')
      .setSubject('forger')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('not-the-partner-secret-000000000000000'));
    const res = await withToken(forged);
    await expectError(res, 403, 'CBC.0154');
    expect(res.json).toEqual({ error_code: 'CBC.0154', error_msg: 'The token is invalid or has expired.' });
  });

  it('expired token → 403 CBC.0154', async () => {
    await expectError(
      await withToken(await partnerToken('solution_provider', { issuedAt: now() - 2 * hour, expiresInSeconds: hour })),
      403,
      'CBC.0154',
    );
  });

  it('garbage, an app token (wrong audience) and a token of another issuer → 403 CBC.0154', async () => {
    await expectError(await withToken('not-a-jwt'), 403, 'CBC.0154');
    await expectError(await withToken(await appToken()), 403, 'CBC.0154');
    await expectError(await withToken(await partnerToken('solution_provider', { issuer: 'someone-else' })), 403, 'CBC.0154');
  });

  it('valid token without a partner role (--role customer) → 403 CBC.0151', async () => {
    await expectError(await withToken(await partnerToken('customer')), 403, 'CBC.0151');
  });

  it('role solution_provider and role distributor → 200', async () => {
    for (const role of ['solution_provider', 'distributor']) {
      const res = await withToken(await partnerToken(role, { subject: 'local-partner' }));
      await expectOk(res);
      const record = await expectAudited(res);
      expect(record.caller).toBe('partner-token:local-partner');
      expect(res.json).toEqual({ error_code: 'CBC.0000', error_msg: 'success', check_result: 'available' });
    }
  });
});

describe('check-identity: AK/SK signed by the official Huawei SDK signer', () => {
  const url = () => `${apiUrl()}${OPERATIONS.checkIdentity.route.path}`;

  async function signedCall(options: {
    sk?: string;
    body?: Record<string, unknown>;
    date?: Date;
    url?: string;
    tamper?: (body: string) => string;
  }) {
    const requestId = newRequestId();
    const signed = await signRequestWithHuaweiSdk({
      ak: LOCAL_PARTNER_DEFAULTS.accessKey,
      sk: options.sk ?? LOCAL_PARTNER_DEFAULTS.secretKey,
      method: 'POST',
      url: options.url ?? url(),
      headers: { 'Content-Type': 'application/json', 'X-Request-Id': requestId },
      body: options.body ?? CHECK,
      ...(options.date ? { date: options.date } : {}),
    });
    const body = options.tamper ? options.tamper(signed.body ?? '') : signed.body;
    const res = await fetch(signed.url, { method: signed.method, headers: signed.headers, body });
    return toApiResponse('checkIdentity', res, requestId);
  }

  // Five consecutive failures would lock the shared local AK: every refusal here is followed by a success.
  it('a correctly signed request is accepted (200); the same signed with a wrong SK → 401 APIG.0301', async () => {
    const ok = await signedCall({});
    await expectOk(ok);
    expect(ok.text).toBe('{"error_code":"CBC.0000","error_msg":"success","check_result":"available"}');
    expect((await expectAudited(ok)).caller).toBe(`partner-ak:${LOCAL_PARTNER_DEFAULTS.accessKey}`);

    const wrong = await signedCall({ sk: 'vglocalpartnersk0000000000000000000000002' });
    await expectError(wrong, 401, 'APIG.0301');
    expect(wrong.json).toEqual({ error_code: 'APIG.0301', error_msg: 'Incorrect IAM authentication information.' });
    // no secret ever in the audit
    expect(JSON.stringify(await expectAudited(wrong))).not.toContain(LOCAL_PARTNER_DEFAULTS.secretKey);

    await expectOk(await signedCall({ body: { search_type: 'mobile', search_value: uniqueMobile().dashed } }));
  });

  it('a body changed after signing and a signature 20 minutes old → 401 APIG.0301', async () => {
    await expectError(await signedCall({ tamper: (b) => b.replace('ceshiyonghu001', 'ceshiyonghu002') }), 401, 'APIG.0301');
    await expectError(await signedCall({ date: new Date(Date.now() - 20 * 60_000) }), 401, 'APIG.0301');
    await expectOk(await signedCall({ body: { search_type: 'name', search_value: uniqueName() } }));
  });

  it('a signed body with non-ASCII text passes the signature check and reaches validation (400 CBC.0100)', async () => {
    const res = await signedCall({ body: { search_type: 'name', search_value: '测试用户名称' } });
    await expectOk(await signedCall({})); // resets the AK's consecutive-failure count either way
    await expectError(res, 400, 'CBC.0100');
  });

  it('an unknown AK → 401 APIG.0301', async () => {
    const requestId = newRequestId();
    const signed = await signRequestWithHuaweiSdk({
      ak: 'VGUNKNOWNPARTNERAK99',
      sk: LOCAL_PARTNER_DEFAULTS.secretKey,
      method: 'POST',
      url: url(),
      headers: { 'Content-Type': 'application/json', 'X-Request-Id': requestId },
      body: CHECK,
    });
    const res = await toApiResponse(
      'checkIdentity',
      await fetch(signed.url, { method: 'POST', headers: signed.headers, body: signed.body }),
      requestId,
    );
    await expectError(res, 401, 'APIG.0301');
  });

  it('a signed request with a query string is accepted', async () => {
    const res = await signedCall({ url: `${url()}?lang=en&note=a%20b` });
    await expectOk(res);
  });

  // queryStringParameters keeps one value of a repeated key (REST 1.0) or joins them with commas (HTTP API
  // 2.0, "tag=b,a"); the signature covers "tag=a&tag=b", so the query must come from all of its values.
  it('accepts a signed request with a repeated query parameter', async () => {
    const res = await signedCall({ url: `${url()}?tag=b&tag=a` });
    await expectOk(await signedCall({})); // resets the AK's consecutive-failure count either way
    await expectOk(res);
  });
});

describe('check-identity: AK lockout (last use of the local AK in this run)', () => {
  // Locks the shared local AK for 5 minutes of this run's private DynamoDB Local: no other file signs with it.
  it('five consecutive bad signatures lock the AK: even a correct signature then gets 401 APIG.0301 with Retry-After', async () => {
    const sign = async (sk: string) => {
      const requestId = newRequestId();
      const signed = await signRequestWithHuaweiSdk({
        ak: LOCAL_PARTNER_DEFAULTS.accessKey,
        sk,
        method: 'POST',
        url: `${apiUrl()}${OPERATIONS.checkIdentity.route.path}`,
        headers: { 'Content-Type': 'application/json', 'X-Request-Id': requestId },
        body: CHECK,
      });
      return toApiResponse(
        'checkIdentity',
        await fetch(signed.url, { method: 'POST', headers: signed.headers, body: signed.body }),
        requestId,
      );
    };
    await expectOk(await sign(LOCAL_PARTNER_DEFAULTS.secretKey)); // failure count starts at zero
    for (let i = 0; i < 5; i++) await expectError(await sign(`wrong-secret-${i}`), 401, 'APIG.0301');
    const locked = await sign(LOCAL_PARTNER_DEFAULTS.secretKey);
    await expectError(locked, 401, 'APIG.0301');
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(240);
    expect(retryAfter).toBeLessThanOrEqual(300);
    // Tokens are unaffected by the AK's lockout.
    await expectOk(await call('checkIdentity', CHECK, { headers: { 'X-Auth-Token': await partnerToken() } }));
  });
});

describe('send: CAPTCHA pass bound to user, single use', () => {
  it('missing, forged, expired and other-user passes → 403 USG.000000006', async () => {
    const { e164 } = uniqueMobile();
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(config.jwtIssuer)
      .setAudience('verigate-captcha')
      .setSubject(e164)
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .setExpirationTime('2m')
      .sign(new TextEncoder().encode('not-the-captcha-secret-00000000000000'));
    const tokens: Array<string | undefined> = [
      undefined,
      forged,
      await captchaToken(e164, { issuedAt: now() - 600, expiresInSeconds: 120 }),
      await captchaToken(uniqueMobile().e164),
      await captchaToken(e164, { expiresInSeconds: 3600 }), // longer-lived than any real pass
      'garbage',
    ];
    for (const token of tokens) {
      const res = await call('sendVerificationCode', token === undefined ? { user: e164 } : { user: e164, token });
      await expectError(res, 403, 'USG.000000006');
    }
  });

  it('a replayed CAPTCHA pass → 403 USG.000000006', async () => {
    const mobile = uniqueMobile();
    const token = await captchaToken(mobile.e164);
    const first = await call('sendVerificationCode', { user: mobile.e164, token });
    await expectOk(first);
    expect(first.json).toEqual({
      expire: 180,
      bindPhone: maskedCnMobile(mobile.e164),
      bindEmail: null,
    });
    const replay = await call('sendVerificationCode', { user: mobile.e164, token });
    await expectError(replay, 403, 'USG.000000006');
  });
});

describe('verify: X-Access-Token', () => {
  const body = () => ({ contact: uniqueMobile().e164, verificationCode: '123456' });

  it('missing, forged, expired, garbage and a partner token → 401 USG.000000004', async () => {
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(config.jwtIssuer)
      .setAudience('verigate-app')
      .setSubject('forger')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('not-the-app-secret-000000000000000000'));
    const tokens: Array<string | undefined> = [
      undefined,
      forged,
      await appToken({ issuedAt: now() - 2 * hour, expiresInSeconds: hour }),
      'a.b.c',
      await partnerToken(),
    ];
    for (const token of tokens) {
      const res = await call('verifyVerificationCode', body(), token === undefined ? {} : { headers: { 'X-Access-Token': token } });
      await expectError(res, 401, 'USG.000000004');
    }
  });

  it('a token whose scope lacks verification-code → 403 USG.000000005', async () => {
    const scoped = await new SignJWT({ scope: 'profile email' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(config.jwtIssuer)
      .setAudience('verigate-app')
      .setSubject('scoped-app')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(config.appTokenKey.kind === 'secret' ? config.appTokenKey.secret : ''));
    await expectError(await call('verifyVerificationCode', body(), { headers: { 'X-Access-Token': scoped } }), 403, 'USG.000000005');
  });

  it('a valid app token reaches the domain (no code pending → 400 USG.201050002)', async () => {
    const res = await call('verifyVerificationCode', body(), { headers: { 'X-Access-Token': await appToken() } });
    await expectError(res, 400, 'USG.201050002');
    expect((await expectAudited(res)).caller).toBe('app:local-app');
  });
});
