// The hCaptcha adapter against its loopback stand-in (test/support/captcha/hcaptcha-stand-in.ts).
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CaptchaVerifier } from '../../shared/auth/captcha/index.js';
import { startHcaptchaStandIn, type HcaptchaStandIn } from '../support/captcha/hcaptcha-stand-in.js';
import { attemptFor, CALLER_IP, refusalOf, verifierFor } from '../support/captcha/verifiers.js';

const SECRET = '0x0000000000hcaptcha-stand-in-secret000000000';
const HOST = 'verify.example.com';

let standIn: HcaptchaStandIn;
let verifier: CaptchaVerifier;
const env = (o: Record<string, string> = {}) => ({
  CAPTCHA_PROVIDER: 'hcaptcha',
  CAPTCHA_SECRET: SECRET,
  CAPTCHA_VERIFY_URL: standIn.url,
  CAPTCHA_HOSTNAMES: HOST,
  HCAPTCHA_SITEKEY: standIn.sitekey,
  ...o,
});

beforeAll(async () => {
  standIn = await startHcaptchaStandIn({ secret: SECRET });
  verifier = verifierFor(env());
});
afterAll(() => standIn.close());
beforeEach(() => {
  standIn.fault = 'none';
  standIn.acceptReplays = false;
});

const solved = (o: { hostname?: string; sitekey?: string; solvedAtMs?: number } = {}) => standIn.issue({ hostname: HOST, ...o });

describe('hCaptcha', () => {
  it('accepts a pass for the stage’s sitekey solved on its page, identified by its token’s hash, redeemable for 120 s', async () => {
    const token = solved();
    const now = Date.now();
    expect(await verifier.verify(attemptFor(token, '+8613612345678', { nowMs: now }))).toEqual({
      outcome: 'passed',
      pass: { jti: `hcaptcha:${createHash('sha256').update(token).digest('base64url')}`, expiresAtMs: now + 120_000 },
    });
  });

  it('asks siteverify as documented: a form POST of secret, response, remoteip and sitekey', async () => {
    const token = solved();
    await verifier.verify(attemptFor(token));
    const req = standIn.requests.at(-1)!;
    expect([req.method, req.path, req.contentType]).toEqual(['POST', '/siteverify', 'application/x-www-form-urlencoded']);
    expect(Object.fromEntries(new URLSearchParams(req.body))).toEqual({
      secret: SECRET,
      response: token,
      remoteip: CALLER_IP,
      sitekey: standIn.sitekey,
    });
  });

  it('refuses what hCaptcha refuses: a forged token, an expired one, one already seen, one of another sitekey', async () => {
    expect(await verifier.verify(attemptFor('P1_forged'))).toEqual({
      outcome: 'refused',
      check: 'invalid',
      facts: { captchaErrors: 'invalid-input-response' },
    });
    expect(await verifier.verify(attemptFor(solved({ solvedAtMs: Date.now() - 121_000 })))).toEqual({
      outcome: 'refused',
      check: 'expired',
      facts: { captchaErrors: 'expired-input-response' },
    });
    const token = solved();
    expect(await verifier.verify(attemptFor(token))).toMatchObject({ outcome: 'passed' });
    expect(await verifier.verify(attemptFor(token))).toEqual({
      outcome: 'refused',
      check: 'reused',
      facts: { captchaErrors: 'already-seen-response' },
    });
    expect(await verifier.verify(attemptFor(solved({ sitekey: randomUUID() })))).toMatchObject({ outcome: 'refused', check: 'invalid' });
  });

  it('refuses a pass solved on another hostname', async () => {
    expect(await verifier.verify(attemptFor(solved({ hostname: 'evil.example.net' })))).toMatchObject({
      outcome: 'refused',
      check: 'hostname',
    });
  });

  it('binds no user: the same pass serves whichever user it is spent on (once)', async () => {
    expect(await verifier.verify(attemptFor(solved(), 'someone@example.com'))).toMatchObject({ outcome: 'passed' });
  });

  it('is a server error when hCaptcha refuses the stage’s secret or sitekey', async () => {
    const wrongSecret = await refusalOf(verifierFor(env({ CAPTCHA_SECRET: 'not-the-secret' })), attemptFor(solved()));
    expect([wrongSecret.code, wrongSecret.audit]).toEqual([
      'USG.000000500',
      { captcha: 'misconfigured', captchaProvider: 'hcaptcha', captchaErrors: 'invalid-input-secret' },
    ]);
    const wrongSitekey = await refusalOf(verifierFor(env({ HCAPTCHA_SITEKEY: randomUUID() })), attemptFor(solved()));
    expect(wrongSitekey.audit).toMatchObject({ captcha: 'misconfigured', captchaErrors: 'sitekey-secret-mismatch' });
  });

  it('(stand-in) reads only a form body, as hCaptcha does: JSON is a request without parameters', async () => {
    const res = await fetch(standIn.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ secret: SECRET, response: solved() }),
    });
    expect(await res.json()).toEqual({ success: false, 'error-codes': ['missing-input-secret'] });
  });
});
