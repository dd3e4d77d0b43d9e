// The stage's CAPTCHA verifier built as a function builds it (from its configuration), and the attempts and
// refusals the adapter tests speak in.
import {
  createCaptchaVerifier,
  requireCaptchaPass,
  type CaptchaAttempt,
  type CaptchaVerifier,
} from '../../../shared/auth/captcha/index.js';
import { loadConfig } from '../../../shared/config.js';
import { identifyUser } from '../../../shared/domain/destination.js';
import { ServiceError } from '../../../shared/errors.js';

/** The verifier of a local-stage configuration with `env` (CAPTCHA_PROVIDER, CAPTCHA_VERIFY_URL, …). */
export function verifierFor(env: Record<string, string>): CaptchaVerifier {
  const config = loadConfig({ STAGE: 'local', ...env });
  return createCaptchaVerifier(config.captcha, { issuer: config.jwtIssuer, maxLifetimeSeconds: config.tokenMaxLifetimeSeconds.captcha });
}

export const CALLER_IP = '203.0.113.7';

/** A send's CAPTCHA check: `token` for `user` (as sent), from CALLER_IP, now. */
export function attemptFor(token: string, user = '+8613612345678', o: { nowMs?: number; sourceIp?: string } = {}): CaptchaAttempt {
  const identity = identifyUser(user);
  if (!identity) throw new Error(`${user} is no user`);
  return { token, user: identity, rawUser: user, sourceIp: o.sourceIp ?? CALLER_IP, nowMs: o.nowMs ?? Date.now() };
}

/** The error send answers `attempt` with (requireCaptchaPass), or a failure when it would accept the pass. */
export async function refusalOf(verifier: CaptchaVerifier, attempt: CaptchaAttempt): Promise<ServiceError> {
  try {
    await requireCaptchaPass(verifier, attempt);
  } catch (err) {
    if (err instanceof ServiceError) return err;
    throw err;
  }
  throw new Error('the pass was accepted');
}
