import { decodeJwt, jwtVerify } from 'jose';
import { identifyUser } from '../../domain/destination.js';
import { JWT_AUDIENCES } from '../../local-defaults.js';
import { MAX_TOKEN_CHARS, SECOND_MS } from '../../policy.js';
import { hs256VerifyKey, withinLifetime } from '../jwt.js';
import { passed, refused, type CaptchaAdapter } from './verdict.js';

/** A signed pass that verified: who it was issued for, its single-use id and its expiry. */
export interface SignedPass {
  user: string;
  jti: string;
  expiresAtMs: number;
}

/**
 * verigate's own pass (SPEC §5, the local default): a JWT an operator's puzzle service signs with the
 * CAPTCHA secret (HS256), `sub` = the user it was issued for, `jti` its single-use id, `iat` and a short
 * `exp` (at most `maxLifetimeSeconds` apart). Undefined for anything else.
 */
export function createSignedPassVerifier(secret: string, issuer: string, maxLifetimeSeconds: number) {
  const key = hs256VerifyKey(secret);
  return async (token: string, nowMs: number): Promise<SignedPass | undefined> => {
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
      if (!withinLifetime(payload, nowMs / SECOND_MS, maxLifetimeSeconds)) return undefined;
      return { user: sub, jti, expiresAtMs: exp * SECOND_MS };
    } catch {
      return undefined;
    }
  };
}

/** Whether a token that failed verification says it has expired (only to name the check that failed). */
function saysExpired(token: string, nowMs: number): boolean {
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === 'number' && exp * SECOND_MS <= nowMs;
  } catch {
    return false;
  }
}

/** The signed pass as a provider: bound to `user` by its `sub`, single-use by its `jti`. */
export function signedPass(o: { secret: string; issuer: string; maxLifetimeSeconds: number }): CaptchaAdapter {
  const verify = createSignedPassVerifier(o.secret, o.issuer, o.maxLifetimeSeconds);
  return async (attempt) => {
    const pass = await verify(attempt.token, attempt.nowMs);
    if (!pass) return refused(saysExpired(attempt.token, attempt.nowMs) ? 'expired' : 'invalid');
    // A pass minted for the very string sent identifies the same user: no second parse of the number.
    const passUser = pass.user === attempt.rawUser ? attempt.user : identifyUser(pass.user);
    if (!passUser || passUser.kind !== attempt.user.kind || passUser.value !== attempt.user.value) return refused('user');
    return passed(pass.jti, pass.expiresAtMs);
  };
}
