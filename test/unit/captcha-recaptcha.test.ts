// The reCAPTCHA adapter (v2 and v3 keys) against its loopback stand-in (test/support/captcha/recaptcha-stand-in.ts).
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptchaVerifier } from '../../shared/auth/captcha/index.js';
import { startRecaptchaStandIn, type RecaptchaStandIn } from '../support/captcha/recaptcha-stand-in.js';
import { attemptFor, CALLER_IP, refusalOf, verifierFor } from '../support/captcha/verifiers.js';

const SECRET = '6Lc-recaptcha-stand-in-secret-0000000000';
const HOST = 'verify.example.com';

let v2: RecaptchaStandIn;
let v3: RecaptchaStandIn;
let v2Verifier: CaptchaVerifier;
let v3Verifier: CaptchaVerifier;
const v2Env = () => ({ CAPTCHA_PROVIDER: 'recaptcha', CAPTCHA_SECRET: SECRET, CAPTCHA_VERIFY_URL: v2.url, CAPTCHA_HOSTNAMES: HOST });
const v3Env = () => ({ ...v2Env(), CAPTCHA_VERIFY_URL: v3.url, RECAPTCHA_MIN_SCORE: '0.5', CAPTCHA_ACTION: 'send_code' });

beforeAll(async () => {
  [v2, v3] = await Promise.all([
    startRecaptchaStandIn({ secret: SECRET, version: 2 }),
    startRecaptchaStandIn({ secret: SECRET, version: 3 }),
  ]);
  v2Verifier = verifierFor(v2Env());
  v3Verifier = verifierFor(v3Env());
});
afterAll(() => Promise.all([v2.close(), v3.close()]));

describe('reCAPTCHA v2', () => {
  it('accepts a pass solved on the stage’s page, identified by its token’s hash, redeemable for two minutes', async () => {
    const token = v2.issue({ hostname: HOST });
    const now = Date.now();
    expect(await v2Verifier.verify(attemptFor(token, '+8613612345678', { nowMs: now }))).toEqual({
      outcome: 'passed',
      pass: { jti: `recaptcha:${createHash('sha256').update(token).digest('base64url')}`, expiresAtMs: now + 120_000 },
    });
  });

  it('asks siteverify as documented: a form POST of secret, response and remoteip', async () => {
    const token = v2.issue({ hostname: HOST });
    await v2Verifier.verify(attemptFor(token));
    const req = v2.requests.at(-1)!;
    expect([req.method, req.path, req.contentType]).toEqual(['POST', '/recaptcha/api/siteverify', 'application/x-www-form-urlencoded']);
    expect(Object.fromEntries(new URLSearchParams(req.body))).toEqual({ secret: SECRET, response: token, remoteip: CALLER_IP });
  });

  it('refuses what reCAPTCHA refuses: a forged token, a token older than two minutes or verified before', async () => {
    expect(await v2Verifier.verify(attemptFor('03Aforged'))).toEqual({
      outcome: 'refused',
      check: 'invalid',
      facts: { captchaErrors: 'invalid-input-response' },
    });
    expect(await v2Verifier.verify(attemptFor(v2.issue({ hostname: HOST, solvedAtMs: Date.now() - 121_000 })))).toMatchObject({
      outcome: 'refused',
      check: 'expired-or-reused',
    });
    const token = v2.issue({ hostname: HOST });
    await v2Verifier.verify(attemptFor(token));
    expect(await v2Verifier.verify(attemptFor(token))).toEqual({
      outcome: 'refused',
      check: 'expired-or-reused',
      facts: { captchaErrors: 'timeout-or-duplicate' },
    });
  });

  it('refuses a pass solved on another hostname', async () => {
    expect(await v2Verifier.verify(attemptFor(v2.issue({ hostname: 'evil.example.net' })))).toMatchObject({
      outcome: 'refused',
      check: 'hostname',
    });
  });

  it('is a server error when reCAPTCHA refuses the secret, or answers with a score (a v3 key under v2 settings)', async () => {
    const wrong = await refusalOf(verifierFor({ ...v2Env(), CAPTCHA_SECRET: 'not-the-secret' }), attemptFor(v2.issue({ hostname: HOST })));
    expect([wrong.code, wrong.audit?.captchaErrors]).toEqual(['USG.000000500', 'invalid-input-secret']);
    const v3KeyAsV2 = await refusalOf(
      verifierFor({ ...v2Env(), CAPTCHA_VERIFY_URL: v3.url }),
      attemptFor(v3.issue({ hostname: HOST, action: 'send_code' })),
    );
    expect([v3KeyAsV2.code, v3KeyAsV2.audit?.captcha]).toEqual(['USG.000000500', 'misconfigured']);
  });

  it('(stand-in) reads POST parameters only from a form body, as siteverify does', async () => {
    const res = await fetch(v2.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ secret: SECRET }),
    });
    expect(await res.json()).toEqual({ success: false, 'error-codes': ['missing-input-secret', 'missing-input-response'] });
  });
});

describe('reCAPTCHA v3', () => {
  it('accepts a pass scored at least RECAPTCHA_MIN_SCORE for the stage’s action', async () => {
    expect(await v3Verifier.verify(attemptFor(v3.issue({ hostname: HOST, action: 'send_code', score: 0.5 })))).toMatchObject({
      outcome: 'passed',
    });
  });

  it('refuses a pass scored below the minimum, and one for another action', async () => {
    expect(await v3Verifier.verify(attemptFor(v3.issue({ hostname: HOST, action: 'send_code', score: 0.3 })))).toEqual({
      outcome: 'refused',
      check: 'score',
      facts: { captchaScore: 0.3 },
    });
    expect(await v3Verifier.verify(attemptFor(v3.issue({ hostname: HOST, action: 'login', score: 0.9 })))).toEqual({
      outcome: 'refused',
      check: 'action',
      facts: { captchaAction: 'login' },
    });
  });

  it('is a server error when the answer has no score (a v2 key under v3 settings)', async () => {
    const err = await refusalOf(verifierFor({ ...v3Env(), CAPTCHA_VERIFY_URL: v2.url }), attemptFor(v2.issue({ hostname: HOST })));
    expect([err.code, err.audit?.captcha]).toEqual(['USG.000000500', 'misconfigured']);
  });
});
