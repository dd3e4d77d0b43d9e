import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Config } from '../shared/config.js';
import { JWT_AUDIENCES } from '../shared/local-defaults.js';

/**
 * Mints HS256 tokens with the configured shared secrets: for the local stage and for tests. Every token carries
 * `iat` and `exp`; by default it lives for the usual time of its kind, capped at the configured maximum lifetime.
 */
function secretOf(source: Config['partnerTokenKey']): Uint8Array {
  if (source.kind !== 'secret') throw new Error('tokens can only be minted for a shared-secret (HS256) configuration');
  return new TextEncoder().encode(source.secret);
}

export interface MintOptions {
  subject?: string;
  expiresInSeconds?: number;
  /** Issue time override (seconds since epoch), e.g. to mint an already expired token. */
  issuedAt?: number;
  issuer?: string;
}

async function sign(
  claims: Record<string, unknown>,
  key: Uint8Array,
  audience: string,
  issuer: string,
  o: MintOptions,
  defaultTtl: number,
) {
  const iat = o.issuedAt ?? Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(o.issuer ?? issuer)
    .setAudience(audience)
    .setSubject(o.subject ?? 'local')
    .setIssuedAt(iat)
    .setExpirationTime(iat + (o.expiresInSeconds ?? defaultTtl))
    .sign(key);
}

export function mintPartnerToken(config: Config, role = 'solution_provider', o: MintOptions = {}) {
  return sign(
    { role },
    secretOf(config.partnerTokenKey),
    JWT_AUDIENCES.partner,
    config.jwtIssuer,
    { subject: 'local-partner', ...o },
    Math.min(3600, config.tokenMaxLifetimeSeconds.partner),
  );
}

export function mintAppToken(config: Config, o: MintOptions = {}) {
  const ttl = Math.min(3600, config.tokenMaxLifetimeSeconds.app);
  return sign({}, secretOf(config.appTokenKey), JWT_AUDIENCES.app, config.jwtIssuer, { subject: 'local-app', ...o }, ttl);
}

/** A signed pass (CAPTCHA_PROVIDER=signed-pass) as the operator's puzzle service issues it: bound to `user`, single-use by jti. */
export function mintCaptchaToken(config: Config, user: string, o: MintOptions & { jti?: string } = {}) {
  if (config.captcha.kind !== 'secret') throw new Error(`CAPTCHA_PROVIDER=${config.captcha.provider}: its passes come from the provider's widget, not from here (signed-pass only)`);
  const iat = o.issuedAt ?? Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(o.issuer ?? config.jwtIssuer)
    .setAudience(JWT_AUDIENCES.captcha)
    .setSubject(user)
    .setJti(o.jti ?? randomUUID())
    .setIssuedAt(iat)
    .setExpirationTime(iat + (o.expiresInSeconds ?? Math.min(120, config.tokenMaxLifetimeSeconds.captcha)))
    .sign(new TextEncoder().encode(config.captcha.secret));
}
