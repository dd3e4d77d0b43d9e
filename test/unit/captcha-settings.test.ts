// CAPTCHA_PROVIDER and its settings are checked at cold start: a stage that names a provider gets the
// checks it asks for, or does not start, with every problem named.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../shared/config.js';
import { LOCAL_SECRETS } from '../../shared/local-defaults.js';

function problems(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message;
  }
  throw new Error('loadConfig did not throw');
}

const SITEKEY = '10000000-ffff-ffff-ffff-000000000001';
const GEETEST_ID = '647f5ed2ed8acb4be36784e01556bb71';

describe('CAPTCHA settings', () => {
  it('default to the signed pass, verified with the CAPTCHA secret alone (npm start needs no configuration)', () => {
    expect(loadConfig({}).captcha).toEqual({ kind: 'secret', secret: LOCAL_SECRETS.captchaSecret });
    expect(loadConfig({ CAPTCHA_PROVIDER: 'signed-pass' }).captcha).toEqual({ kind: 'secret', secret: LOCAL_SECRETS.captchaSecret });
  });

  it('read a provider and its settings, hostnames lower-cased', () => {
    expect(
      loadConfig({
        CAPTCHA_PROVIDER: 'turnstile',
        CAPTCHA_HOSTNAMES: 'Verify.Example.com, www.example.com',
        CAPTCHA_ACTION: 'send_code',
        CAPTCHA_VERIFY_URL: 'http://127.0.0.1:9999/turnstile/v0/siteverify',
      }).captcha,
    ).toEqual({
      kind: 'provider',
      provider: 'turnstile',
      secret: LOCAL_SECRETS.captchaSecret,
      verifyUrl: 'http://127.0.0.1:9999/turnstile/v0/siteverify',
      hostnames: ['verify.example.com', 'www.example.com'],
      action: 'send_code',
      recaptchaMinScore: undefined,
      hcaptchaSitekey: undefined,
      geetestCaptchaId: undefined,
    });
    expect(
      loadConfig({
        CAPTCHA_PROVIDER: 'recaptcha',
        CAPTCHA_HOSTNAMES: 'example.com',
        RECAPTCHA_MIN_SCORE: '0.7',
        CAPTCHA_ACTION: 'send/code',
      }).captcha,
    ).toMatchObject({ provider: 'recaptcha', recaptchaMinScore: 0.7, action: 'send/code' });
    expect(loadConfig({ CAPTCHA_PROVIDER: 'hcaptcha', CAPTCHA_HOSTNAMES: 'example.com', HCAPTCHA_SITEKEY: SITEKEY }).captcha).toMatchObject(
      {
        hcaptchaSitekey: SITEKEY,
      },
    );
    expect(loadConfig({ CAPTCHA_PROVIDER: 'geetest', GEETEST_CAPTCHA_ID: GEETEST_ID }).captcha).toMatchObject({
      geetestCaptchaId: GEETEST_ID,
    });
  });

  it('refuse an unknown provider, naming the choices', () => {
    const message = problems({ CAPTCHA_PROVIDER: 'recaptcha-enterprise' });
    expect(message).toContain('CAPTCHA_PROVIDER');
    expect(message).toContain('must be one of signed-pass, turnstile, hcaptcha, recaptcha, geetest');
  });

  it.each([
    [{ CAPTCHA_PROVIDER: 'turnstile' }, 'CAPTCHA_PROVIDER=turnstile needs CAPTCHA_HOSTNAMES'],
    [{ CAPTCHA_PROVIDER: 'hcaptcha', CAPTCHA_HOSTNAMES: 'example.com' }, 'CAPTCHA_PROVIDER=hcaptcha needs HCAPTCHA_SITEKEY'],
    [{ CAPTCHA_PROVIDER: 'recaptcha' }, 'CAPTCHA_PROVIDER=recaptcha needs CAPTCHA_HOSTNAMES'],
    [{ CAPTCHA_PROVIDER: 'geetest' }, 'CAPTCHA_PROVIDER=geetest needs GEETEST_CAPTCHA_ID'],
  ])('refuse a provider without what it needs: %j', (env, message) => {
    expect(problems(env)).toContain(message);
  });

  it.each([
    [{ CAPTCHA_PROVIDER: 'turnstile', CAPTCHA_HOSTNAMES: 'https://example.com/' }, 'CAPTCHA_HOSTNAMES must list'],
    [
      { CAPTCHA_PROVIDER: 'turnstile', CAPTCHA_HOSTNAMES: 'example.com', CAPTCHA_ACTION: 'send code' },
      'CAPTCHA_ACTION is not an action turnstile allows',
    ],
    [
      { CAPTCHA_PROVIDER: 'turnstile', CAPTCHA_HOSTNAMES: 'example.com', CAPTCHA_ACTION: 'a'.repeat(33) },
      'CAPTCHA_ACTION is not an action turnstile allows',
    ],
    [
      { CAPTCHA_PROVIDER: 'recaptcha', CAPTCHA_HOSTNAMES: 'example.com', RECAPTCHA_MIN_SCORE: '0.5' },
      'RECAPTCHA_MIN_SCORE (reCAPTCHA v3) needs CAPTCHA_ACTION',
    ],
    [
      { CAPTCHA_PROVIDER: 'recaptcha', CAPTCHA_HOSTNAMES: 'example.com', RECAPTCHA_MIN_SCORE: '0.95', CAPTCHA_ACTION: 'x' },
      'RECAPTCHA_MIN_SCORE must be a decimal from 0.1 to 0.9',
    ],
    [
      { CAPTCHA_PROVIDER: 'recaptcha', CAPTCHA_HOSTNAMES: 'example.com', RECAPTCHA_MIN_SCORE: 'high', CAPTCHA_ACTION: 'x' },
      'RECAPTCHA_MIN_SCORE must be a decimal',
    ],
    [
      { CAPTCHA_PROVIDER: 'recaptcha', CAPTCHA_HOSTNAMES: 'example.com', CAPTCHA_ACTION: 'x' },
      'CAPTCHA_ACTION with reCAPTCHA is a v3 setting',
    ],
    [
      { CAPTCHA_PROVIDER: 'hcaptcha', CAPTCHA_HOSTNAMES: 'example.com', HCAPTCHA_SITEKEY: 'my-site' },
      'HCAPTCHA_SITEKEY must be an hCaptcha sitekey',
    ],
    [{ CAPTCHA_PROVIDER: 'geetest', GEETEST_CAPTCHA_ID: 'not-an-id' }, 'GEETEST_CAPTCHA_ID must be a GeeTest captcha id'],
  ])('refuse a setting of the wrong form: %j', (env, message) => {
    expect(problems(env)).toContain(message);
  });

  it('refuse a setting the provider would not check, so no stage believes a check happens that does not', () => {
    expect(problems({ CAPTCHA_VERIFY_URL: 'https://captcha.example.com/verify' })).toContain(
      'CAPTCHA_VERIFY_URL needs CAPTCHA_PROVIDER (turnstile, hcaptcha, recaptcha or geetest)',
    );
    expect(problems({ CAPTCHA_PROVIDER: 'geetest', GEETEST_CAPTCHA_ID: GEETEST_ID, CAPTCHA_HOSTNAMES: 'example.com' })).toContain(
      'CAPTCHA_HOSTNAMES does not apply to CAPTCHA_PROVIDER=geetest',
    );
    expect(
      problems({ CAPTCHA_PROVIDER: 'hcaptcha', CAPTCHA_HOSTNAMES: 'example.com', HCAPTCHA_SITEKEY: SITEKEY, CAPTCHA_ACTION: 'x' }),
    ).toContain('CAPTCHA_ACTION does not apply to CAPTCHA_PROVIDER=hcaptcha');
  });

  it('take the provider’s endpoint over TLS only outside the local stage (a regional endpoint is still https)', () => {
    const prod = {
      STAGE: 'prod',
      JWT_ISSUER: 'https://issuer.example.com',
      EMAIL_FROM: 'no-reply@example.com',
      CAPTCHA_PROVIDER: 'recaptcha',
      CAPTCHA_HOSTNAMES: 'example.com',
    };
    expect(problems({ ...prod, CAPTCHA_VERIFY_URL: 'http://www.recaptcha.net/recaptcha/api/siteverify' })).toContain(
      'CAPTCHA_VERIFY_URL must be an https:// URL outside the local stage',
    );
    expect(problems({ ...prod, CAPTCHA_VERIFY_URL: 'https://www.recaptcha.net/recaptcha/api/siteverify' })).not.toContain(
      'CAPTCHA_VERIFY_URL',
    );
  });
});
