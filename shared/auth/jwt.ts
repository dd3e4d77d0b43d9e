import { webcrypto } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { TokenKeySource } from '../config.js';
import { JWKS_FETCH_TIMEOUT_MS, JWKS_REFETCH_COOLDOWN_MS, MAX_TOKEN_CHARS, TOKEN_CLOCK_TOLERANCE_SECONDS } from '../policy.js';

export type TokenVerifier = (token: string) => Promise<JWTPayload | undefined>;

/**
 * An HS256 verification key for a shared secret, imported once on first use. jose imports a raw
 * secret (a Uint8Array) again on every verification; a CryptoKey it takes as it is.
 */
export function hs256VerifyKey(secret: string): () => Promise<webcrypto.CryptoKey> {
  let key: Promise<webcrypto.CryptoKey> | undefined;
  return () =>
    (key ??= webcrypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']));
}

/**
 * A token's own validity claims: `iat` and `exp` present, issued no later than now (within the clock
 * tolerance), and valid for at most `maxLifetimeSeconds` (exp − iat). A token without `exp`, or one minted to
 * last until 2500, is refused however well it is signed.
 */
export function withinLifetime(claims: { iat?: unknown; exp?: unknown }, nowSeconds: number, maxLifetimeSeconds: number): boolean {
  const { iat, exp } = claims;
  if (typeof iat !== 'number' || typeof exp !== 'number' || !Number.isFinite(iat) || !Number.isFinite(exp)) return false;
  return iat <= nowSeconds + TOKEN_CLOCK_TOLERANCE_SECONDS && exp > iat && exp - iat <= maxLifetimeSeconds;
}

/**
 * Verifies a JWT's signature, `iss`, `aud`, `exp` and `iat` (HS256 with a shared secret locally, RS256/ES256
 * from a JWKS URL in AWS), and that its lifetime is within the kind's maximum. Any failure is `undefined`:
 * callers map it to their family's code.
 */
export function createTokenVerifier(
  source: TokenKeySource,
  issuer: string,
  audience: string,
  maxLifetimeSeconds: number,
  clock: () => Date = () => new Date(),
): TokenVerifier {
  const claims = (now: Date) => ({ issuer, audience, requiredClaims: ['exp', 'iat'], currentDate: now });
  const verifyWithKey =
    source.kind === 'secret'
      ? (() => {
          const key = hs256VerifyKey(source.secret);
          return async (token: string, now: Date) => jwtVerify(token, await key(), { ...claims(now), algorithms: ['HS256'] });
        })()
      : (() => {
          const jwks = createRemoteJWKSet(new URL(source.url), {
            timeoutDuration: JWKS_FETCH_TIMEOUT_MS,
            cooldownDuration: JWKS_REFETCH_COOLDOWN_MS,
          });
          return (token: string, now: Date) => jwtVerify(token, jwks, { ...claims(now), algorithms: ['RS256', 'ES256'] });
        })();
  return async (token) => {
    // A JWT has three base64url parts; anything else (or absurdly long) is refused without parsing.
    if (token.length > MAX_TOKEN_CHARS || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) return undefined;
    const now = clock();
    try {
      const { payload } = await verifyWithKey(token, now);
      return withinLifetime(payload, now.getTime() / 1000, maxLifetimeSeconds) ? payload : undefined;
    } catch {
      return undefined;
    }
  };
}
