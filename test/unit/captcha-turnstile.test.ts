// The Turnstile adapter against its loopback stand-in (test/support/captcha/turnstile-stand-in.ts).
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { turnstileCData } from '../../client/captcha.js';
import type { CaptchaVerifier } from '../../shared/auth/captcha/index.js';
import { startTurnstileStandIn, type TurnstileStandIn } from '../support/captcha/turnstile-stand-in.js';
import { attemptFor, CALLER_IP, refusalOf, verifierFor } from '../support/captcha/verifiers.js';

const SECRET = '0x4AAAAAAAturnstile-stand-in-secret-000000';
const HOST = 'verify.example.com';
const USER = '+8613612345678';

let standIn: TurnstileStandIn;
let verifier: CaptchaVerifier;
let cdata: string;

beforeAll(async () => {
  standIn = await startTurnstileStandIn({ secret: SECRET });
  verifier = verifierFor({
    CAPTCHA_PROVIDER: 'turnstile',
    CAPTCHA_SECRET: SECRET,
    CAPTCHA_VERIFY_URL: standIn.url,
    CAPTCHA_HOSTNAMES: `${HOST},www.example.com`,
    CAPTCHA_ACTION: 'send_code',
  });
  cdata = await turnstileCData(USER);
});
afterAll(() => standIn.close());
beforeEach(() => {
  standIn.fault = 'none';
  standIn.acceptReplays = false;
  standIn.internalError = false;
});

const solved = (o: { hostname?: string; action?: string; cdata?: string; solvedAtMs?: number } = {}) =>
  standIn.issue({ hostname: HOST, action: 'send_code', cdata, ...o });

describe('Turnstile', () => {
  it('accepts a pass solved on the stage’s page for its action and bound to the user, identified by its token’s hash', async () => {
    const token = solved();
    const now = Date.now();
    expect(await verifier.verify(attemptFor(token, USER, { nowMs: now }))).toEqual({
      outcome: 'passed',
      pass: { jti: `turnstile:${createHash('sha256').update(token).digest('base64url')}`, expiresAtMs: now + 300_000 },
    });
  });

  it('asks Siteverify as documented: a form POST of secret, response, remoteip and a UUID idempotency_key', async () => {
    const token = solved();
    await verifier.verify(attemptFor(token));
    const req = standIn.requests.at(-1)!;
    expect([req.method, req.path, req.contentType]).toEqual(['POST', '/turnstile/v0/siteverify', 'application/x-www-form-urlencoded']);
    const form = new URLSearchParams(req.body);
    expect(form.get('secret')).toBe(SECRET);
    expect(form.get('response')).toBe(token);
    expect(form.get('remoteip')).toBe(CALLER_IP);
    expect(form.get('idempotency_key')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('refuses a pass whose cData binds another user, or none', async () => {
    const other = solved({ cdata: await turnstileCData('+8613600000000') });
    expect(await verifier.verify(attemptFor(other))).toEqual({ outcome: 'refused', check: 'user' });
    expect(await verifier.verify(attemptFor(solved({ cdata: '' })))).toEqual({ outcome: 'refused', check: 'user' });
  });

  it('takes the user as send normalizes it: the same pass serves "+86 136 1234 5678" and "+8613612345678"', async () => {
    expect(await verifier.verify(attemptFor(solved(), '+86 136 1234 5678'))).toMatchObject({ outcome: 'passed' });
    const email = solved({ cdata: await turnstileCData('Someone@Example.COM') });
    expect(await verifier.verify(attemptFor(email, 'someone@example.com'))).toMatchObject({ outcome: 'passed' });
  });

  it('refuses a pass solved on another hostname, or for another action', async () => {
    expect(await verifier.verify(attemptFor(solved({ hostname: 'evil.example.net' })))).toEqual({
      outcome: 'refused',
      check: 'hostname',
      facts: { captchaHostname: 'evil.example.net' },
    });
    expect(await verifier.verify(attemptFor(solved({ hostname: 'WWW.Example.com' })))).toMatchObject({ outcome: 'passed' });
    expect(await verifier.verify(attemptFor(solved({ action: 'login' })))).toEqual({
      outcome: 'refused',
      check: 'action',
      facts: { captchaAction: 'login' },
    });
  });

  it('is refused by Turnstile: a forged token (invalid-input-response), a token older than 300 s (timeout-or-duplicate)', async () => {
    expect(await verifier.verify(attemptFor('0.forged-token'))).toEqual({
      outcome: 'refused',
      check: 'invalid',
      facts: { captchaErrors: 'invalid-input-response' },
    });
    expect(await verifier.verify(attemptFor(solved({ solvedAtMs: Date.now() - 301_000 })))).toEqual({
      outcome: 'refused',
      check: 'expired-or-reused',
      facts: { captchaErrors: 'timeout-or-duplicate' },
    });
  });

  it('asks again with the same idempotency key, so Turnstile answers a retried token as it did first (the claim stops a replay)', async () => {
    const token = solved();
    expect(await verifier.verify(attemptFor(token))).toMatchObject({ outcome: 'passed' });
    expect(await verifier.verify(attemptFor(token))).toMatchObject({ outcome: 'passed' });
    const [first, second] = standIn.requests.slice(-2).map((r) => new URLSearchParams(r.body).get('idempotency_key'));
    expect(second).toBe(first);
  });

  it('refuses a token longer than Turnstile’s 2048 characters without asking', async () => {
    const before = standIn.requests.length;
    expect(await verifier.verify(attemptFor('x'.repeat(2049)))).toEqual({ outcome: 'refused', check: 'format' });
    expect(standIn.requests.length).toBe(before);
  });

  it('answers 503 with Retry-After when Turnstile has an internal error, and 403 with the check in the audit when it refuses', async () => {
    standIn.internalError = true;
    const down = await refusalOf(verifier, attemptFor(solved()));
    expect([down.code, down.status, down.retryAfterSeconds]).toEqual(['USG.000000503', 503, 5]);
    expect(down.audit).toEqual({ captcha: 'provider-error', captchaProvider: 'turnstile', captchaErrors: 'internal-error' });
    standIn.internalError = false;
    const refusal = await refusalOf(verifier, attemptFor(solved({ hostname: 'evil.example.net' })));
    expect([refusal.code, refusal.status]).toEqual(['USG.000000006', 403]);
    expect(refusal.audit).toEqual({ captcha: 'hostname', captchaProvider: 'turnstile', captchaHostname: 'evil.example.net' });
  });

  it('is a server error, not the caller’s, when Turnstile refuses the secret (invalid-input-secret)', async () => {
    const wrong = verifierFor({
      CAPTCHA_PROVIDER: 'turnstile',
      CAPTCHA_SECRET: 'another-secret',
      CAPTCHA_VERIFY_URL: standIn.url,
      CAPTCHA_HOSTNAMES: HOST,
    });
    const err = await refusalOf(wrong, attemptFor(solved()));
    expect([err.code, err.status]).toEqual(['USG.000000500', 500]);
    expect(err.audit).toEqual({ captcha: 'misconfigured', captchaProvider: 'turnstile', captchaErrors: 'invalid-input-secret' });
  });

  it('never puts the token in what it answers or audits', async () => {
    const token = solved({ hostname: 'evil.example.net' });
    const err = await refusalOf(verifier, attemptFor(token));
    expect(JSON.stringify({ message: err.message, detail: err.detail, audit: err.audit, fields: err.fields })).not.toContain(
      token.slice(2, 30),
    );
  });

  it('(stand-in) answers as Turnstile does: JSON bodies too, bad-request for another type, missing-input-secret without one', async () => {
    const post = async (body: string, type: string) =>
      (await (await fetch(standIn.url, { method: 'POST', headers: { 'content-type': type }, body })).json()) as Record<string, unknown>;
    expect(await post(JSON.stringify({ secret: SECRET, response: solved() }), 'application/json')).toMatchObject({
      success: true,
      hostname: HOST,
    });
    expect(await post(`secret=${SECRET}`, 'text/plain')).toEqual({ success: false, 'error-codes': ['bad-request'] });
    expect(await post(`response=${solved()}`, 'application/x-www-form-urlencoded')).toEqual({
      success: false,
      'error-codes': ['missing-input-secret'],
    });
  });
});
