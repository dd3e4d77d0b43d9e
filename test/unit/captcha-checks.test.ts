// What send makes of a CAPTCHA check whatever the provider (requireCaptchaPass): the signed pass, a missing
// token, the metric per outcome; and the user binding the page computes (client/captcha.ts) against send's.
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { normalizedUser, turnstileCData } from '../../client/captcha.js';
import { passAlreadyUsed, requireCaptchaPass } from '../../shared/auth/captcha/index.js';
import { userBinding } from '../../shared/auth/captcha/user-binding.js';
import { loadConfig } from '../../shared/config.js';
import { identifyUser } from '../../shared/domain/destination.js';
import { metrics } from '../../shared/observability.js';
import { mintCaptchaToken } from '../../scripts/tokens.js';
import { attemptFor, refusalOf, verifierFor } from '../support/captcha/verifiers.js';

const config = loadConfig({});
const signedPass = verifierFor({});
const USER = '+8613612345678';

describe('the signed pass (CAPTCHA_PROVIDER=signed-pass, the local default)', () => {
  it('passes a pass minted for the user, claimed by its jti until its exp', async () => {
    const token = await mintCaptchaToken(config, USER, { jti: 'pass-1', issuedAt: 1_900_000_000, expiresInSeconds: 120 });
    expect(await requireCaptchaPass(signedPass, attemptFor(token, USER, { nowMs: 1_900_000_010_000 }))).toEqual({
      jti: 'pass-1',
      expiresAtMs: 1_900_000_120_000,
    });
  });

  it('says which check failed: another user, expired, not a pass', async () => {
    const other = await mintCaptchaToken(config, '+8613600000000');
    expect((await refusalOf(signedPass, attemptFor(other, USER))).audit).toEqual({ captcha: 'user', captchaProvider: 'signed-pass' });
    const expired = await mintCaptchaToken(config, USER, { issuedAt: Math.floor(Date.now() / 1000) - 300, expiresInSeconds: 120 });
    expect((await refusalOf(signedPass, attemptFor(expired, USER))).audit).toEqual({ captcha: 'expired', captchaProvider: 'signed-pass' });
    expect((await refusalOf(signedPass, attemptFor('not.a.pass', USER))).audit).toEqual({
      captcha: 'invalid',
      captchaProvider: 'signed-pass',
    });
  });

  it('refuses a send without a token: 403 USG.000000006, `missing` in the audit', async () => {
    const err = await refusalOf(signedPass, { ...attemptFor('unused', USER), token: undefined } as never);
    expect([err.code, err.status, err.audit]).toEqual(['USG.000000006', 403, { captcha: 'missing', captchaProvider: 'signed-pass' }]);
  });
});

describe('CaptchaChecks, the metric per outcome', () => {
  afterEach(() => vi.restoreAllMocks());

  /** The dimension sets and metrics of every single-metric record published while `run` runs. */
  async function published(run: () => Promise<unknown>) {
    const records: { dimensions: Record<string, string>[]; names: string[] }[] = [];
    const single = metrics.singleMetric.bind(metrics);
    const spy = vi.spyOn(metrics, 'singleMetric').mockImplementation(() => {
      const m = single();
      const record = { dimensions: [] as Record<string, string>[], names: [] as string[] };
      records.push(record);
      vi.spyOn(m, 'addDimensions').mockImplementation(function (this: typeof m, d) {
        record.dimensions.push(d as Record<string, string>);
        return this;
      });
      vi.spyOn(m, 'addMetric').mockImplementation(function (this: typeof m, name) {
        record.names.push(name);
        return this;
      });
      return m;
    });
    await run().catch(() => undefined); // a refusal throws: its metric is what is looked at
    spy.mockRestore();
    return records;
  }

  it('counts a pass by provider and outcome, a refusal also by the check that failed', async () => {
    const ok = await mintCaptchaToken(config, USER);
    expect(await published(() => requireCaptchaPass(signedPass, attemptFor(ok, USER)))).toEqual([
      { dimensions: [{ provider: 'signed-pass', outcome: 'passed' }], names: ['CaptchaChecks'] },
    ]);
    const other = await mintCaptchaToken(config, '+8613600000000');
    expect(await published(() => requireCaptchaPass(signedPass, attemptFor(other, USER)))).toEqual([
      {
        dimensions: [
          { provider: 'signed-pass', outcome: 'refused' },
          { provider: 'signed-pass', check: 'user' },
        ],
        names: ['CaptchaChecks'],
      },
    ]);
  });

  it('counts a pass another send already claimed as refused, reused', async () => {
    let err: unknown;
    expect(await published(async () => (err = passAlreadyUsed(signedPass)))).toEqual([
      {
        dimensions: [
          { provider: 'signed-pass', outcome: 'refused' },
          { provider: 'signed-pass', check: 'reused' },
        ],
        names: ['CaptchaChecks'],
      },
    ]);
    expect(err).toMatchObject({ code: 'USG.000000006', audit: { captcha: 'reused', captchaProvider: 'signed-pass' } });
  });
});

describe('the user binding (Turnstile cData)', () => {
  it('is base64url(SHA-256(normalized user)) without padding: 43 characters Turnstile’s cData takes', async () => {
    const binding = await userBinding('+8613612345678');
    expect(binding).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // WebCrypto in the page, Node's own hash here: the same digest.
    expect(binding).toBe(createHash('sha256').update('+8613612345678').digest('base64url'));
  });

  it.each([
    ['+8613612345678', '+8613612345678'],
    ['+86 136-1234-5678', '+8613612345678'],
    ['  Someone@Example.COM ', 'someone@example.com'],
    ['CeShiYongHu001', 'ceshiyonghu001'],
  ])('is what the page computes (client/captcha.ts) and what send compares, for %j', async (raw, normalized) => {
    expect(normalizedUser(raw)).toBe(normalized);
    expect(identifyUser(raw)?.value).toBe(normalized);
    expect(await turnstileCData(raw)).toBe(await userBinding(identifyUser(raw)!.value));
  });

  it('asks the page for an E.164 number: a national one would be read in a region the page cannot know', () => {
    expect(() => normalizedUser('13612345678')).toThrow(/E\.164/);
  });
});
