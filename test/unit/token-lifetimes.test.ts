// Partner, app and CAPTCHA tokens must carry iat and exp, and live no longer than their kind's maximum
// (PARTNER_/APP_/CAPTCHA_TOKEN_MAX_LIFETIME_SECONDS), with iat no further in the future than the clock tolerance.
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { appAuthenticator } from '../../shared/auth/app.js';
import { createSignedPassVerifier } from '../../shared/auth/captcha/signed-pass.js';
import { createTokenVerifier, withinLifetime } from '../../shared/auth/jwt.js';
import { TOKEN_CLOCK_TOLERANCE_SECONDS } from '../../shared/policy.js';
import { loadConfig } from '../../shared/config.js';
import { ServiceError } from '../../shared/errors.js';
import { normalizeEvent } from '../../shared/request/incoming.js';
import { JWT_AUDIENCES } from '../../shared/local-defaults.js';
import { mintAppToken, mintCaptchaToken, mintPartnerToken } from '../../scripts/tokens.js';

const config = loadConfig({});
const NOW = Math.floor(Date.now() / 1000);
const clock = () => new Date(NOW * 1000);
const HOUR = 3600;
const YEAR_2500 = Math.floor(Date.UTC(2500, 0, 1) / 1000);

const secretOf = (source: typeof config.partnerTokenKey) => {
  if (source.kind !== 'secret') throw new Error('local config has shared secrets');
  return new TextEncoder().encode(source.secret);
};

/** A correctly signed token of the given kind with exactly the time claims given (none when undefined). */
function signed(kind: 'partner' | 'app', times: { iat?: number; exp?: number }, claims: Record<string, unknown> = {}) {
  const jwt = new SignJWT({ ...(kind === 'partner' ? { role: 'distributor' } : {}), ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(config.jwtIssuer)
    .setAudience(JWT_AUDIENCES[kind])
    .setSubject(`${kind}-subject`);
  if (times.iat !== undefined) jwt.setIssuedAt(times.iat);
  if (times.exp !== undefined) jwt.setExpirationTime(times.exp);
  return jwt.sign(secretOf(kind === 'partner' ? config.partnerTokenKey : config.appTokenKey));
}

const partnerVerifier = (max = config.tokenMaxLifetimeSeconds.partner) =>
  createTokenVerifier(config.partnerTokenKey, config.jwtIssuer, JWT_AUDIENCES.partner, max, clock);
const appVerifier = (max = config.tokenMaxLifetimeSeconds.app) =>
  createTokenVerifier(config.appTokenKey, config.jwtIssuer, JWT_AUDIENCES.app, max, clock);

describe('withinLifetime', () => {
  it('needs numeric iat and exp, exp after iat, exp − iat at most the maximum, iat not beyond the clock tolerance', () => {
    expect(withinLifetime({ iat: NOW, exp: NOW + 600 }, NOW, 600)).toBe(true);
    expect(withinLifetime({ iat: NOW, exp: NOW + 601 }, NOW, 600)).toBe(false);
    expect(withinLifetime({ exp: NOW + 60 }, NOW, 600)).toBe(false);
    expect(withinLifetime({ iat: NOW }, NOW, 600)).toBe(false);
    expect(withinLifetime({ iat: String(NOW), exp: NOW + 60 }, NOW, 600)).toBe(false);
    expect(withinLifetime({ iat: NOW, exp: NOW }, NOW, 600)).toBe(false);
    expect(withinLifetime({ iat: NOW + TOKEN_CLOCK_TOLERANCE_SECONDS, exp: NOW + 300 }, NOW, 600)).toBe(true);
    expect(withinLifetime({ iat: NOW + TOKEN_CLOCK_TOLERANCE_SECONDS + 1, exp: NOW + 300 }, NOW, 600)).toBe(false);
    expect(withinLifetime({ iat: Number.NaN, exp: Number.POSITIVE_INFINITY }, NOW, 600)).toBe(false);
  });
});

describe.each([
  ['partner', partnerVerifier, 3600],
  ['app', appVerifier, 86_400],
] as const)('%s tokens', (kind, verifier, defaultMax) => {
  it(`accepts iat now and exp at the default maximum (${defaultMax} s) later`, async () => {
    expect(config.tokenMaxLifetimeSeconds[kind]).toBe(defaultMax);
    expect(await verifier()(await signed(kind, { iat: NOW, exp: NOW + defaultMax }))).toMatchObject({ sub: `${kind}-subject` });
  });

  it('refuses a token without exp, without iat, or without either', async () => {
    expect(await verifier()(await signed(kind, { iat: NOW }))).toBeUndefined();
    expect(await verifier()(await signed(kind, { exp: NOW + 60 }))).toBeUndefined();
    expect(await verifier()(await signed(kind, {}))).toBeUndefined();
  });

  it('refuses a token expiring in 2500, and one living a second longer than the maximum', async () => {
    expect(await verifier()(await signed(kind, { iat: NOW, exp: YEAR_2500 }))).toBeUndefined();
    expect(await verifier()(await signed(kind, { iat: NOW - 10, exp: NOW - 10 + defaultMax + 1 }))).toBeUndefined();
  });

  it('refuses a token issued in the future beyond the clock tolerance, accepts one within it', async () => {
    const ahead = NOW + TOKEN_CLOCK_TOLERANCE_SECONDS;
    expect(await verifier()(await signed(kind, { iat: ahead + 1, exp: ahead + 61 }))).toBeUndefined();
    expect(await verifier()(await signed(kind, { iat: ahead, exp: ahead + 60 }))).toBeDefined();
  });

  it('still refuses an expired token', async () => {
    expect(await verifier()(await signed(kind, { iat: NOW - 120, exp: NOW - 60 }))).toBeUndefined();
  });

  it('applies the configured maximum', async () => {
    const short = loadConfig({ [`${kind.toUpperCase()}_TOKEN_MAX_LIFETIME_SECONDS`]: '300' }).tokenMaxLifetimeSeconds[kind];
    expect(short).toBe(300);
    expect(await verifier(short)(await signed(kind, { iat: NOW, exp: NOW + 300 }))).toBeDefined();
    expect(await verifier(short)(await signed(kind, { iat: NOW, exp: NOW + 301 }))).toBeUndefined();
  });
});

describe('the app authenticator', () => {
  const request = (token: string) =>
    normalizeEvent({
      version: '2.0',
      rawPath: '/v1/usg/acs/verifycode/verify',
      rawQueryString: '',
      headers: { 'content-type': 'application/json', 'x-access-token': token },
      body: '{}',
      requestContext: { http: { method: 'POST', sourceIp: '203.0.113.10' } },
    });
  const authenticate = appAuthenticator(appVerifier());

  it('answers 401 USG.000000004 to an app token without exp or expiring in 2500', async () => {
    for (const token of [await signed('app', { iat: NOW }), await signed('app', { iat: NOW, exp: YEAR_2500 })]) {
      const err = await authenticate(request(token), { now: clock(), requestId: 'r' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ServiceError);
      expect((err as ServiceError).code).toBe('USG.000000004');
    }
    expect(await authenticate(request(await signed('app', { iat: NOW, exp: NOW + HOUR })), { now: clock(), requestId: 'r' })).toEqual({
      kind: 'app',
      subject: 'app-subject',
    });
  });
});

describe('CAPTCHA passes', () => {
  const captchaKey = () => {
    if (config.captcha.kind !== 'secret') throw new Error('local config has a CAPTCHA secret');
    return new TextEncoder().encode(config.captcha.secret);
  };
  const pass = (times: { iat?: number; exp?: number }) => {
    const jwt = new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(config.jwtIssuer)
      .setAudience(JWT_AUDIENCES.captcha)
      .setSubject('+8613612345678')
      .setJti('jti-1');
    if (times.iat !== undefined) jwt.setIssuedAt(times.iat);
    if (times.exp !== undefined) jwt.setExpirationTime(times.exp);
    return jwt.sign(captchaKey());
  };
  const verify = createSignedPassVerifier(config.captcha.secret, config.jwtIssuer, config.tokenMaxLifetimeSeconds.captcha);

  it('accepts a pass living up to the default 600 s, refuses 601 s, a missing iat or exp, and 2500', async () => {
    expect(config.tokenMaxLifetimeSeconds.captcha).toBe(600);
    expect(await verify(await pass({ iat: NOW, exp: NOW + 600 }), NOW * 1000)).toMatchObject({ user: '+8613612345678', jti: 'jti-1' });
    expect(await verify(await pass({ iat: NOW, exp: NOW + 601 }), NOW * 1000)).toBeUndefined();
    expect(await verify(await pass({ exp: NOW + 60 }), NOW * 1000)).toBeUndefined();
    expect(await verify(await pass({ iat: NOW }), NOW * 1000)).toBeUndefined();
    expect(await verify(await pass({ iat: NOW, exp: YEAR_2500 }), NOW * 1000)).toBeUndefined();
  });

  it('refuses a pass that was minted long-lived even when little of it is left', async () => {
    expect(await verify(await pass({ iat: NOW - 3000, exp: NOW + 60 }), NOW * 1000)).toBeUndefined();
  });
});

describe('tokens minted by scripts/tokens.ts', () => {
  it('carry iat and exp within the configured maximum, so they pass verification', async () => {
    const short = loadConfig({
      PARTNER_TOKEN_MAX_LIFETIME_SECONDS: '120',
      APP_TOKEN_MAX_LIFETIME_SECONDS: '90',
      CAPTCHA_TOKEN_MAX_LIFETIME_SECONDS: '60',
    });
    const realClock = () => new Date();
    const partner = createTokenVerifier(short.partnerTokenKey, short.jwtIssuer, JWT_AUDIENCES.partner, 120, realClock);
    const app = createTokenVerifier(short.appTokenKey, short.jwtIssuer, JWT_AUDIENCES.app, 90, realClock);
    const captcha = createSignedPassVerifier(short.captcha.secret, short.jwtIssuer, 60);
    expect(await partner(await mintPartnerToken(short))).toMatchObject({ role: 'solution_provider' });
    expect(await app(await mintAppToken(short))).toMatchObject({ sub: 'local-app' });
    expect(await captcha(await mintCaptchaToken(short, 'someone'), Date.now())).toMatchObject({ user: 'someone' });
    for (const token of [await mintPartnerToken(config), await mintAppToken(config)]) {
      const { iat, exp } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { iat: number; exp: number };
      expect(exp - iat).toBe(3600);
    }
  });
});
