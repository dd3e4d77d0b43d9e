import { createHash } from 'node:crypto';
import { jwtVerify } from 'jose';
import type { Config } from '../config.js';
import { MAX_TOKEN_CHARS } from '../policy.js';
import { JWT_AUDIENCES } from '../local-defaults.js';
import { hs256VerifyKey, withinLifetime } from './jwt.js';

/** A verified puzzle-CAPTCHA pass: who it was issued for, and its single-use id. */
export interface CaptchaPass {
  user: string;
  jti: string;
  expiresAtMs: number;
}

export type CaptchaVerifier = (token: string, nowMs: number) => Promise<CaptchaPass | undefined>;

/**
 * CAPTCHA passes come from the operator's puzzle service, either as a signed token verified with
 * the shared secret, or through the service's HTTP site-verify endpoint. Single use is enforced by
 * the caller (the jti is claimed in the send transaction).
 */
export function createCaptchaVerifier(
  captcha: Config['captcha'],
  issuer: string,
  maxLifetimeSeconds: number,
): CaptchaVerifier {
  if (captcha.kind === 'secret') {
    const key = hs256VerifyKey(captcha.secret);
    return async (token, nowMs) => {
      if (token.length > MAX_TOKEN_CHARS || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) return undefined;
      try {
        const { payload } = await jwtVerify(token, await key(), {
          issuer,
          audience: JWT_AUDIENCES.captcha,
          algorithms: ['HS256'],
          requiredClaims: ['exp', 'iat'],
          currentDate: new Date(nowMs),
        });
        const { sub, jti, exp } = payload;
        if (typeof sub !== 'string' || typeof jti !== 'string' || jti.length === 0 || jti.length > 128 || typeof exp !== 'number')
          return undefined;
        // A pass is meant to be used right after the puzzle; a long-lived one is refused even if signed.
        if (!withinLifetime(payload, nowMs / 1000, maxLifetimeSeconds)) return undefined;
        return { user: sub, jti, expiresAtMs: exp * 1000 };
      } catch {
        return undefined;
      }
    };
  }
  return async (token, nowMs) => {
    if (token.length === 0 || token.length > MAX_TOKEN_CHARS) return undefined;
    try {
      const res = await fetch(captcha.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ secret: captcha.secret, token }),
        signal: AbortSignal.timeout(2000),
      });
      if (!res.ok) return undefined;
      const body = (await res.json()) as { success?: unknown; user?: unknown; expiresAt?: unknown };
      if (body.success !== true || typeof body.user !== 'string') return undefined;
      const expiresAtMs = typeof body.expiresAt === 'number' ? body.expiresAt * 1000 : nowMs + 120_000;
      if (expiresAtMs <= nowMs || expiresAtMs - nowMs > maxLifetimeSeconds * 1000) return undefined;
      // The site-verify answer has no id of its own: the token's hash serves as its single-use id.
      return { user: body.user, jti: createHash('sha256').update(token).digest('base64url'), expiresAtMs };
    } catch {
      return undefined;
    }
  };
}
