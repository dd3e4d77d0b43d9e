import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { TokenKeySource } from '../config.js';

export type TokenVerifier = (token: string) => Promise<JWTPayload | undefined>;

/**
 * Verifies a JWT's signature, `iss`, `aud` and `exp` (HS256 with a shared secret locally, RS256/ES256
 * from a JWKS URL in AWS). Any failure is `undefined`: callers map it to their family's code.
 */
export function createTokenVerifier(source: TokenKeySource, issuer: string, audience: string): TokenVerifier {
  const verifyWithKey =
    source.kind === 'secret'
      ? (token: string) => jwtVerify(token, new TextEncoder().encode(source.secret), { issuer, audience, algorithms: ['HS256'] })
      : (() => {
          const jwks = createRemoteJWKSet(new URL(source.url), { timeoutDuration: 2000, cooldownDuration: 30_000 });
          return (token: string) => jwtVerify(token, jwks, { issuer, audience, algorithms: ['RS256', 'ES256'] });
        })();
  return async (token) => {
    // A JWT has three base64url parts; anything else (or absurdly long) is refused without parsing.
    if (token.length > 8192 || !/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) return undefined;
    try {
      const { payload } = await verifyWithKey(token);
      return payload;
    } catch {
      return undefined;
    }
  };
}
