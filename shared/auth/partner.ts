import { ServiceError } from '../errors.js';
import { countMetric } from '../observability.js';
import type { Authenticator } from '../request/operation-context.js';
import { subjectHash } from '../identity/hash.js';
import { sourceIpBucket } from '../identity/source-ip.js';
import type { AccessKeyLockouts, AccessKeySource } from '../store/access-key-lockouts.js';
import { parseAuthorization, verifyHuaweiSignature, type SignatureFailure } from './huawei-signature.js';
import type { TokenVerifier } from './jwt.js';

export const PARTNER_ROLES = ['solution_provider', 'distributor'] as const;

// Keys the source hash until the composition root passes the identity pepper (then IPs are keyed by a secret).

function rolesOf(payload: Record<string, unknown>): string[] {
  const roles = [payload.role, payload.roles].flat();
  return roles.filter((r): r is string => typeof r === 'string');
}

/** Failures that tried a secret (the HMAC was compared) and so count toward the (AK, source) lock. */
const isGuess = (reason: SignatureFailure): boolean => reason === 'bad_signature' || reason === 'unknown_key';

/**
 * Partner callers (SPEC §5): an `X-Auth-Token` JWT with a partner role, or a Huawei SDK-HMAC-SHA256
 * AK/SK signature. With neither, 403 CBC.0151.
 *
 * Failed signatures are throttled per (AK, source): five in a row from one IPv4 address or IPv6 /64 lock that
 * pair for five minutes, so nobody without the secret can lock the AK's holder out from elsewhere. A request
 * refused before any secret is compared (malformed, X-Sdk-Date off by more than 15 minutes, UNSIGNED-PAYLOAD)
 * does not count. Real and unknown AKs go through the same steps, store requests and answers: a refusal
 * does not tell whether the AK exists. The refusal carries the claimed AK and the reason for the audit record.
 */
export function partnerAuthenticator(deps: {
  verifyToken: TokenVerifier;
  /** The secret key of an access key (store/partner-keys.ts), or undefined for an unknown or revoked one. */
  secretOf: (accessKey: string) => Promise<string | undefined>;
  lockouts: AccessKeyLockouts;
  /** Keys the hash of the source address in the lockout items (the identity pepper). */
  sourcePepper: string;
}): Authenticator {
  const sourcePepper = deps.sourcePepper;
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

    // The claimed AK's secret is looked up once, for a real and an unknown AK alike (the same read either way).
    const claimedKey = parseAuthorization(authorization)?.accessKey;
    const secret = claimedKey === undefined ? undefined : await deps.secretOf(claimedKey);
    const check = verifyHuaweiSignature(
      { method: request.method, path: request.path, query: request.query, headers: request.headers, body: request.rawBody ?? '' },
      (accessKey) => (accessKey === claimedKey ? secret : undefined),
      now,
    );
    const refuse = (reason: SignatureFailure | 'locked', lockedUntil?: number): ServiceError => {
      countMetric('AuthFailures');
      return new ServiceError('APIG.0301', {
        detail: reason === 'locked' ? 'access key locked for this source' : `signature ${reason}`,
        retryAfterSeconds: lockedUntil === undefined ? undefined : (lockedUntil - now.getTime()) / 1000,
        audit: check.accessKey === undefined ? { reason } : { claimedAccessKey: check.accessKey, reason },
      });
    };
    if (!check.ok && (check.accessKey === undefined || !isGuess(check.reason))) throw refuse(check.reason);

    const pair: AccessKeySource = {
      accessKey: check.accessKey!,
      sourceHash: subjectHash(sourcePepper, 'ip', sourceIpBucket(request.sourceIp ?? 'unknown')),
    };
    if (!check.ok) {
      const locked = await deps.lockouts.recordFailure(pair, now.getTime());
      throw locked ? refuse('locked', locked.lockedUntil) : refuse(check.reason);
    }
    // A locked pair stays locked for the holder too: five failures in a row from here may have been theirs.
    const state = await deps.lockouts.state(pair);
    if (state.lockedUntil > now.getTime()) throw refuse('locked', state.lockedUntil);
    if (state.failures > 0) await deps.lockouts.clearFailures(pair);
    return { kind: 'partner-ak', subject: check.accessKey! };
  };
}
