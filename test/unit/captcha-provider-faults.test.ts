// Every remote provider's adapter fails closed, within the request's budget, when its provider hangs, is
// down, answers 5xx or answers garbage: 503 USG.000000503 with Retry-After, never a pass.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { turnstileCData } from '../../client/captcha.js';
import type { CaptchaVerifier } from '../../shared/auth/captcha/index.js';
import { withinRequestBudget } from '../../shared/deadline.js';
import { ANSWER_RESERVE_MS, CAPTCHA_VERIFY_TIMEOUT_MS } from '../../shared/policy.js';
import { startGeetestStandIn } from '../support/captcha/geetest-stand-in.js';
import { startHcaptchaStandIn } from '../support/captcha/hcaptcha-stand-in.js';
import { startRecaptchaStandIn } from '../support/captcha/recaptcha-stand-in.js';
import { unreachableOrigin, type StandInFault, type StandInServer } from '../support/captcha/stand-in-server.js';
import { startTurnstileStandIn } from '../support/captcha/turnstile-stand-in.js';
import { attemptFor, refusalOf, verifierFor } from '../support/captcha/verifiers.js';

const SECRET = 'stand-in-secret-of-the-provider-0000000000';
const HOST = 'verify.example.com';
const USER = '+8613612345678';
const GEETEST_ID = '647f5ed2ed8acb4be36784e01556bb71';

interface Case {
  standIn: StandInServer & { url: string };
  env: Record<string, string>;
  /** A pass the provider would accept, were it well. */
  pass(): Promise<string>;
}

const PROVIDERS: Record<string, () => Promise<Case>> = {
  turnstile: async () => {
    const standIn = await startTurnstileStandIn({ secret: SECRET });
    const cdata = await turnstileCData(USER);
    return {
      standIn,
      env: { CAPTCHA_PROVIDER: 'turnstile', CAPTCHA_VERIFY_URL: standIn.url, CAPTCHA_HOSTNAMES: HOST },
      pass: async () => standIn.issue({ hostname: HOST, cdata }),
    };
  },
  hcaptcha: async () => {
    const standIn = await startHcaptchaStandIn({ secret: SECRET });
    return {
      standIn,
      env: { CAPTCHA_PROVIDER: 'hcaptcha', CAPTCHA_VERIFY_URL: standIn.url, CAPTCHA_HOSTNAMES: HOST, HCAPTCHA_SITEKEY: standIn.sitekey },
      pass: async () => standIn.issue({ hostname: HOST }),
    };
  },
  recaptcha: async () => {
    const standIn = await startRecaptchaStandIn({ secret: SECRET, version: 3 });
    return {
      standIn,
      env: {
        CAPTCHA_PROVIDER: 'recaptcha',
        CAPTCHA_VERIFY_URL: standIn.url,
        CAPTCHA_HOSTNAMES: HOST,
        RECAPTCHA_MIN_SCORE: '0.5',
        CAPTCHA_ACTION: 'send_code',
      },
      pass: async () => standIn.issue({ hostname: HOST, action: 'send_code', score: 0.9 }),
    };
  },
  geetest: async () => {
    const standIn = await startGeetestStandIn({ captchaId: GEETEST_ID, captchaKey: SECRET });
    return {
      standIn,
      env: { CAPTCHA_PROVIDER: 'geetest', CAPTCHA_VERIFY_URL: standIn.url, GEETEST_CAPTCHA_ID: GEETEST_ID },
      pass: async () => JSON.stringify(standIn.issue()),
    };
  },
};

/** The budget the hang is given: the check must end within it. */
const BUDGET_MS = 400;

describe.each(Object.keys(PROVIDERS))('%s', (name) => {
  let c: Case;
  let verifier: CaptchaVerifier;
  beforeAll(async () => {
    c = await PROVIDERS[name]!();
    verifier = verifierFor({ CAPTCHA_SECRET: SECRET, ...c.env });
  });
  afterAll(() => c.standIn.close());
  beforeEach(() => {
    c.standIn.fault = 'none';
  });

  it('passes a good pass while the provider is well (the faults below are the only difference)', async () => {
    expect(await verifier.verify(attemptFor(await c.pass(), USER))).toMatchObject({ outcome: 'passed' });
  });

  it(`ends a hanging provider within the request's budget (${BUDGET_MS} ms): 503 with Retry-After, the timeout in the audit`, async () => {
    c.standIn.fault = 'hang';
    const token = await c.pass();
    const started = performance.now();
    const err = await withinRequestBudget(BUDGET_MS + ANSWER_RESERVE_MS, () => refusalOf(verifier, attemptFor(token, USER)));
    // Well before the call's own cap: the budget ended it (the margin is for a loaded machine).
    expect(performance.now() - started).toBeLessThan(Math.min(BUDGET_MS + 1000, CAPTCHA_VERIFY_TIMEOUT_MS));
    expect([err.code, err.status, err.retryAfterSeconds]).toEqual(['USG.000000503', 503, 5]);
    expect(err.audit).toEqual({ captcha: 'timeout', captchaProvider: name });
  });

  it.each([
    ['status-502', { outcome: 'unavailable', check: 'status', facts: { captchaStatus: 502 } }],
    ['status-503', { outcome: 'unavailable', check: 'status', facts: { captchaStatus: 503 } }],
    ['not-json', { outcome: 'unavailable', check: 'malformed-answer', facts: { captchaStatus: 200 } }],
    ['missing-fields', { outcome: 'unavailable', check: 'malformed-answer', facts: { captchaStatus: 200 } }],
    ['huge', { outcome: 'unavailable', check: 'malformed-answer', facts: { captchaStatus: 200 } }],
  ] as [StandInFault, object][])('fails closed on %s', async (fault, verdict) => {
    c.standIn.fault = fault;
    expect(await verifier.verify(attemptFor(await c.pass(), USER))).toEqual(verdict);
  });

  it('fails closed when nothing listens (connection refused)', async () => {
    const down = verifierFor({ CAPTCHA_SECRET: SECRET, ...c.env, CAPTCHA_VERIFY_URL: `${await unreachableOrigin()}/verify` });
    expect(await down.verify(attemptFor(await c.pass(), USER))).toEqual({ outcome: 'unavailable', check: 'unreachable' });
  });
});

describe('a provider call outside any request budget', () => {
  it(`is still capped at CAPTCHA_VERIFY_TIMEOUT_MS (${CAPTCHA_VERIFY_TIMEOUT_MS} ms)`, async () => {
    const c = await PROVIDERS.turnstile!();
    try {
      c.standIn.fault = 'hang';
      const verifier = verifierFor({ CAPTCHA_SECRET: SECRET, ...c.env });
      const started = performance.now();
      expect(await verifier.verify(attemptFor(await c.pass(), USER))).toEqual({ outcome: 'unavailable', check: 'timeout' });
      const elapsed = performance.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(CAPTCHA_VERIFY_TIMEOUT_MS - 50);
      expect(elapsed).toBeLessThan(CAPTCHA_VERIFY_TIMEOUT_MS + 1500);
    } finally {
      await c.standIn.close();
    }
  });
});
