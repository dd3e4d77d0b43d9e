// Google reCAPTCHA v2 and v3, verifying the user's response (siteverify):
//   https://developers.google.com/recaptcha/docs/verify
//   https://developers.google.com/recaptcha/docs/v3 (score, action)
//   https://developers.google.com/recaptcha/docs/faq ("Can I use reCAPTCHA globally?": www.recaptcha.net)
import { CAPTCHA_PROVIDER_TOKEN_LIFETIME_MS } from '../../policy.js';
import { siteverify } from './siteverify.js';
import {
  auditText,
  misconfigured,
  passed,
  providerPassId,
  refused,
  type CaptchaAdapter,
  type ProviderConfig,
  type ErrorCodeMeaning,
} from './verdict.js';

/** For mainland China, CAPTCHA_VERIFY_URL=https://www.recaptcha.net/recaptcha/api/siteverify. */
export const RECAPTCHA_VERIFY_URL = 'https://www.google.com/recaptcha/api/siteverify';

/** reCAPTCHA's `error-codes` (the "Error code reference"). */
const ERROR_CODES: ErrorCodeMeaning = {
  misconfigured: ['missing-input-secret', 'invalid-input-secret', 'bad-request'],
  unavailable: [],
  refused: {
    'missing-input-response': 'invalid',
    'invalid-input-response': 'invalid',
    // "The response is no longer valid: either is too old or has been used previously."
    'timeout-or-duplicate': 'expired-or-reused',
  },
};

/**
 * A reCAPTCHA pass: valid per siteverify, solved on one of the stage's hostnames; with a v3 key
 * (RECAPTCHA_MIN_SCORE set) scored at least that and for the stage's action. A v3 answer under v2
 * settings, or a v2 answer under v3 settings, means the secret is of the other kind of key: the stage is
 * misconfigured, and no pass is accepted unjudged. reCAPTCHA carries no data of the page's: the pass is
 * bound to the send by being spent on it (send claims it once), not to `user`.
 */
export function recaptcha(config: ProviderConfig): CaptchaAdapter {
  const url = config.verifyUrl ?? RECAPTCHA_VERIFY_URL;
  const minScore = config.recaptchaMinScore;
  return async (attempt) => {
    const answer = await siteverify(
      url,
      { secret: config.secret, response: attempt.token, remoteip: attempt.sourceIp },
      { errorCodes: ERROR_CODES, hostnames: config.hostnames },
    );
    if ('verdict' in answer) return answer.verdict;
    const { score, action } = answer.success;
    if (minScore === undefined) {
      if (score !== undefined) return misconfigured({ captchaErrors: 'a v3 answer (score) with v2 settings: set RECAPTCHA_MIN_SCORE' });
    } else {
      if (typeof score !== 'number') return misconfigured({ captchaErrors: 'a v2 answer (no score) with RECAPTCHA_MIN_SCORE set' });
      if (action !== config.action) return refused('action', { captchaAction: auditText(action) });
      if (!(score >= minScore)) return refused('score', { captchaScore: score });
    }
    return passed(providerPassId('recaptcha', attempt.token), attempt.nowMs + CAPTCHA_PROVIDER_TOKEN_LIFETIME_MS.recaptcha);
  };
}
