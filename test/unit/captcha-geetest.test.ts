// The GeeTest v4 adapter against its loopback stand-in (test/support/captcha/geetest-stand-in.ts).
import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CaptchaVerifier } from '../../shared/auth/captcha/index.js';
import { startGeetestStandIn, type GeetestStandIn } from '../support/captcha/geetest-stand-in.js';
import { attemptFor, refusalOf, verifierFor } from '../support/captcha/verifiers.js';

const CAPTCHA_ID = '647f5ed2ed8acb4be36784e01556bb71';
const CAPTCHA_KEY = 'b09a7aafbfd83f73b35a9b530d0337bf-stand-in';

let standIn: GeetestStandIn;
let verifier: CaptchaVerifier;
const env = (o: Record<string, string> = {}) => ({
  CAPTCHA_PROVIDER: 'geetest',
  CAPTCHA_SECRET: CAPTCHA_KEY,
  CAPTCHA_VERIFY_URL: standIn.url,
  GEETEST_CAPTCHA_ID: CAPTCHA_ID,
  ...o,
});

beforeAll(async () => {
  standIn = await startGeetestStandIn({ captchaId: CAPTCHA_ID, captchaKey: CAPTCHA_KEY });
  verifier = verifierFor(env());
});
afterAll(() => standIn.close());
beforeEach(() => {
  standIn.fault = 'none';
  standIn.acceptReplays = false;
});

/** send's `token`: the widget's validate result, JSON-encoded. */
const tokenOf = (o: Parameters<GeetestStandIn['issue']>[0] = {}) => JSON.stringify(standIn.issue(o));

describe('GeeTest v4', () => {
  it('accepts a passed puzzle, identified by its lot number’s hash, held to the pass lifetime from gen_time', async () => {
    const result = standIn.issue();
    expect(await verifier.verify(attemptFor(JSON.stringify(result)))).toEqual({
      outcome: 'passed',
      pass: {
        jti: `geetest:${createHash('sha256').update(result.lot_number).digest('base64url')}`,
        expiresAtMs: (Number(result.gen_time) + 600) * 1000,
      },
    });
  });

  it('asks /validate?captcha_id= as documented: a form POST of the four fields and sign_token = HMAC-SHA256(lot_number) under the key', async () => {
    const result = standIn.issue();
    await verifier.verify(attemptFor(JSON.stringify(result)));
    const req = standIn.requests.at(-1)!;
    expect([req.method, req.path, req.query.get('captcha_id'), req.contentType]).toEqual([
      'POST',
      '/validate',
      CAPTCHA_ID,
      'application/x-www-form-urlencoded',
    ]);
    expect(Object.fromEntries(new URLSearchParams(req.body))).toEqual({
      lot_number: result.lot_number,
      captcha_output: result.captcha_output,
      pass_token: result.pass_token,
      gen_time: result.gen_time,
      sign_token: createHmac('sha256', CAPTCHA_KEY).update(result.lot_number).digest('hex'),
    });
  });

  it('refuses what GeeTest refuses: a forged pass (fail), one validated before (fail), an illegal gen_time (abnormal request)', async () => {
    const forged = { ...standIn.issue(), pass_token: 'f'.repeat(64) };
    expect(await verifier.verify(attemptFor(JSON.stringify(forged)))).toEqual({
      outcome: 'refused',
      check: 'invalid',
      facts: { captchaReason: 'pass_token error' },
    });
    const token = tokenOf();
    expect(await verifier.verify(attemptFor(token))).toMatchObject({ outcome: 'passed' });
    expect(await verifier.verify(attemptFor(token))).toEqual({
      outcome: 'refused',
      check: 'invalid',
      facts: { captchaReason: 'pass_token used' },
    });
  });

  it('refuses a pass older than the pass lifetime, or from the future, without asking', async () => {
    const before = standIn.requests.length;
    const now = Date.now();
    expect(
      await verifier.verify(attemptFor(tokenOf({ genTimeSeconds: Math.floor(now / 1000) - 601 }), undefined, { nowMs: now })),
    ).toMatchObject({
      outcome: 'refused',
      check: 'expired',
    });
    expect(
      await verifier.verify(attemptFor(tokenOf({ genTimeSeconds: Math.floor(now / 1000) + 3600 }), undefined, { nowMs: now })),
    ).toMatchObject({
      outcome: 'refused',
      check: 'invalid',
    });
    expect(standIn.requests.length).toBe(before);
  });

  it('refuses a token that is no validate result (not JSON, a field missing or not text), or one of another captcha id', async () => {
    const { gen_time: _, ...noGenTime } = standIn.issue();
    for (const token of [
      'not json',
      '[]',
      JSON.stringify(noGenTime),
      JSON.stringify({ ...standIn.issue(), pass_token: 42 }),
      JSON.stringify({ ...standIn.issue(), gen_time: '1e9' }),
    ])
      expect(await verifier.verify(attemptFor(token)), token).toEqual({ outcome: 'refused', check: 'format' });
    expect(await verifier.verify(attemptFor(tokenOf({ captchaId: 'e392e1d7fd421dc63325744d5a2b9c73' })))).toEqual({
      outcome: 'refused',
      check: 'captcha-id',
    });
  });

  it('is refused when the captcha key is wrong (GeeTest fails the sign_token)', async () => {
    const err = await refusalOf(verifierFor(env({ CAPTCHA_SECRET: 'not-the-captcha-key' })), attemptFor(tokenOf()));
    expect([err.code, err.audit]).toEqual([
      'USG.000000006',
      { captcha: 'invalid', captchaProvider: 'geetest', captchaReason: 'sign_token error' },
    ]);
  });

  it('refuses the pass on an abnormal-request answer (a captcha id GeeTest does not know), its code in the audit', async () => {
    const err = await refusalOf(
      verifierFor(env({ GEETEST_CAPTCHA_ID: 'e392e1d7fd421dc63325744d5a2b9c73' })),
      attemptFor(JSON.stringify({ ...standIn.issue(), captcha_id: undefined })),
    );
    expect([err.code, err.audit]).toEqual([
      'USG.000000006',
      { captcha: 'invalid', captchaProvider: 'geetest', captchaError: '-50002', captchaReason: 'illegal captcha_id' },
    ]);
  });

  it('(stand-in) answers an illegal gen_time as the documentation’s abnormal request', async () => {
    const res = await fetch(`${standIn.url}?captcha_id=${CAPTCHA_ID}&lot_number=a&captcha_output=b&pass_token=c&gen_time=x&sign_token=d`);
    expect(await res.json()).toEqual({ status: 'error', code: '-50005', msg: 'illegal gen_time', desc: { type: 'defined error' } });
  });
});
