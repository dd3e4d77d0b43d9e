import { ServiceError } from '../errors.js';
import { countMetric } from '../observability.js';
import type { Authenticator } from '../request/operation-context.js';
import type { TokenVerifier } from './jwt.js';

export const VERIFY_SCOPE = 'verification-code';

/**
 * App callers of verify: an `X-Access-Token` JWT (401 USG.000000004 when missing, invalid or
 * expired). A token that carries a `scope` claim must include `verification-code` (else 403).
 */
export function appAuthenticator(verifyToken: TokenVerifier): Authenticator {
  return async (request) => {
    const token = request.headers['x-access-token'];
    const payload = token === undefined ? undefined : await verifyToken(token.trim());
    if (!payload) {
      countMetric('AuthFailures');
      throw new ServiceError('USG.000000004', { detail: token === undefined ? 'no access token' : 'access token invalid or expired' });
    }
    if (payload.scope !== undefined) {
      const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
      if (!scopes.includes(VERIFY_SCOPE))
        throw new ServiceError('USG.000000005', { detail: 'token scope does not include verification-code' });
    }
    return { kind: 'app', subject: String(payload.sub ?? 'unknown') };
  };
}
