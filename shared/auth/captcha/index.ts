import type { Config } from '../../config.js';
import { ServiceError } from '../../errors.js';
import { countMetric, countMetricWith, logger } from '../../observability.js';
import { CAPTCHA_UNAVAILABLE_RETRY_AFTER_SECONDS } from '../../policy.js';
import { geetest } from './geetest.js';
import { hcaptcha } from './hcaptcha.js';
import { recaptcha } from './recaptcha.js';
import type { CaptchaProviderName } from './settings.js';
import { signedPass } from './signed-pass.js';
import { turnstile } from './turnstile.js';
import {
  refused,
  type CaptchaAdapter,
  type CaptchaAttempt,
  type CaptchaPass,
  type CaptchaVerdict,
  type ProviderConfig,
} from './verdict.js';

export type { CaptchaAttempt, CaptchaPass } from './verdict.js';

interface ProviderContext {
  /** JWT_ISSUER: the signed pass's `iss`. */
  issuer: string;
  /** CAPTCHA_TOKEN_MAX_LIFETIME_SECONDS: the longest a pass may live where the provider sets no lifetime. */
  maxLifetimeSeconds: number;
}
type ConfigOf<P extends CaptchaProviderName> = P extends 'signed-pass' ? Extract<Config['captcha'], { kind: 'secret' }> : ProviderConfig;

/** The CAPTCHA providers a stage can choose (CAPTCHA_PROVIDER, settings.ts), one module each. */
const PROVIDERS: { [P in CaptchaProviderName]: (config: ConfigOf<P>, o: ProviderContext) => CaptchaAdapter } = {
  'signed-pass': (config, o) => signedPass({ secret: config.secret, ...o }),
  turnstile: (config) => turnstile(config),
  hcaptcha: (config) => hcaptcha(config),
  recaptcha: (config) => recaptcha(config),
  geetest: (config, o) => geetest(config, o),
};

/** The stage's CAPTCHA check: its provider's name (for audit and metrics) and its verification. */
export interface CaptchaVerifier {
  provider: CaptchaProviderName;
  verify: CaptchaAdapter;
}

export function createCaptchaVerifier(captcha: Config['captcha'], o: ProviderContext): CaptchaVerifier {
  if (captcha.kind === 'secret') return { provider: 'signed-pass', verify: PROVIDERS['signed-pass'](captcha, o) };
  const create: (config: ProviderConfig, o: ProviderContext) => CaptchaAdapter = PROVIDERS[captcha.provider];
  return { provider: captcha.provider, verify: create(captcha, o) };
}

function countCheck(provider: CaptchaProviderName, verdict: CaptchaVerdict): void {
  const sets = [{ provider, outcome: verdict.outcome }];
  countMetricWith('CaptchaChecks', verdict.outcome === 'passed' ? sets : [...sets, { provider, check: verdict.check }]);
}

/**
 * The pass a send over HTTP needs (SPEC §5): verified by the stage's provider and bound to `user`, for
 * send to claim once in its transaction. Anything else ends the send before it writes anything: a pass
 * refused, or none, is 403 USG.000000006; a provider that did not answer in time or sanely is 503
 * USG.000000503 with Retry-After; a provider refusing our own request (secret, sitekey) is a server error
 * the operator is alarmed of. The audit record names the provider and the check; never the token.
 */
export async function requireCaptchaPass(
  captcha: CaptchaVerifier,
  attempt: Omit<CaptchaAttempt, 'token'> & { token: string | undefined },
): Promise<CaptchaPass> {
  const { token } = attempt;
  const verdict = token === undefined ? refused('missing') : await captcha.verify({ ...attempt, token });
  countCheck(captcha.provider, verdict);
  if (verdict.outcome === 'passed') return verdict.pass;
  const audit = { captcha: verdict.check, captchaProvider: captcha.provider, ...verdict.facts };
  const detail = `CAPTCHA pass ${verdict.outcome}: ${verdict.check}`;
  switch (verdict.outcome) {
    case 'refused':
      throw new ServiceError('USG.000000006', { detail, audit });
    case 'unavailable':
      throw new ServiceError('USG.000000503', { detail, audit, retryAfterSeconds: CAPTCHA_UNAVAILABLE_RETRY_AFTER_SECONDS });
    case 'misconfigured':
      countMetric('ServerErrors');
      logger.error('the CAPTCHA provider refused our request: check the captcha-secret parameter and the CAPTCHA settings', audit);
      throw new ServiceError('USG.000000500', { detail, audit });
  }
}

/** A pass another send already claimed (send's transaction refused its claim): 403, counted as reused. */
export function passAlreadyUsed(captcha: CaptchaVerifier): ServiceError {
  countCheck(captcha.provider, refused('reused'));
  return new ServiceError('USG.000000006', {
    detail: 'CAPTCHA pass already used',
    audit: { captcha: 'reused', captchaProvider: captcha.provider },
  });
}
