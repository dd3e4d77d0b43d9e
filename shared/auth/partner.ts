import { ServiceError } from '../errors.js';
import { countMetric } from '../observability.js';
import type { Authenticator } from '../request/operation-context.js';
import type { AccessKeyLockouts } from '../store/access-key-lockouts.js';
import { verifyHuaweiSignature } from './huawei-signature.js';
import type { TokenVerifier } from './jwt.js';

export const PARTNER_ROLES = ['solution_provider', 'distributor'] as const;

function rolesOf(payload: Record<string, unknown>): string[] {
  const roles = [payload.role, payload.roles].flat();
  return roles.filter((r): r is string => typeof r === 'string');
}

/**
 * Partner callers (SPEC §5): an `X-Auth-Token` JWT with a partner role, or a Huawei SDK-HMAC-SHA256
 * AK/SK signature. With neither, 403 CBC.0151.
 */
export function partnerAuthenticator(deps: {
  verifyToken: TokenVerifier;
  secretOf: (accessKey: string) => string | undefined;
  lockouts: AccessKeyLockouts;
}): Authenticator {
  return async (request, { now }) => {
    const token = request.headers['x-auth-token'];
    if (token !== undefined) {
      const payload = await deps.verifyToken(token.trim());
      if (!payload) {
        countMetric('AuthFailures');
        throw new ServiceError('CBC.0154', { detail: 'token invalid or expired' });
      }
      if (!rolesOf(payload).some((r) => (PARTNER_ROLES as readonly string[]).includes(r))) {
        throw new ServiceError('CBC.0151', { detail: 'token lacks a partner role' });
      }
      return { kind: 'partner-token', subject: String(payload.sub ?? 'unknown') };
    }

    const authorization = request.headers['authorization'];
    // Another scheme (Bearer, Basic, …) is not a credential of ours: the same as none.
    if (authorization === undefined || !/^SDK-HMAC-SHA256\s/i.test(authorization.trim())) {
      throw new ServiceError('CBC.0151', { detail: 'no credentials' });
    }

    const check = verifyHuaweiSignature(
      { method: request.method, path: request.path, query: request.query, headers: request.headers, body: request.rawBody ?? '' },
      deps.secretOf,
      now,
    );
    const accessKey = check.accessKey;
    // A known AK is checked against its lockout whatever the signature says, so a locked key stays
    // locked for its holder too; unknown AKs have no lockout item to read.
    const known = accessKey !== undefined && deps.secretOf(accessKey) !== undefined;
    const state = known ? await deps.lockouts.state(accessKey) : undefined;
    if (state && state.lockedUntil > now.getTime()) {
      countMetric('AuthFailures');
      throw new ServiceError('APIG.0301', { detail: 'access key locked', retryAfterSeconds: (state.lockedUntil - now.getTime()) / 1000 });
    }
    if (!check.ok) {
      countMetric('AuthFailures');
      if (known && (check.reason === 'bad_signature' || check.reason === 'clock_skew'))
        await deps.lockouts.recordFailure(accessKey, now.getTime());
      throw new ServiceError('APIG.0301', { detail: `signature ${check.reason}` });
    }
    if (state && state.failures > 0) await deps.lockouts.clearFailures(check.accessKey);
    return { kind: 'partner-ak', subject: check.accessKey };
  };
}
