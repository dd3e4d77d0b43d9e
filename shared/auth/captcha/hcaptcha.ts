// hCaptcha, verify the user response server side (siteverify):
//   https://docs.hcaptcha.com/#verify-the-user-response-server-side
//   https://docs.hcaptcha.com/#siteverify-error-codes-table
import { CAPTCHA_PROVIDER_TOKEN_LIFETIME_MS } from '../../policy.js';
import { siteverify } from './siteverify.js';
import { passed, providerPassId, type CaptchaAdapter, type ProviderConfig, type ErrorCodeMeaning } from './verdict.js';

export const HCAPTCHA_VERIFY_URL = 'https://api.hcaptcha.com/siteverify';

/** hCaptcha's `error-codes` (the documentation's table). */
const ERROR_CODES: ErrorCodeMeaning = {
  misconfigured: [
    'missing-input-secret',
    'invalid-input-secret',
    'sitekey-secret-mismatch',
    'not-using-dummy-passcode',
    'bad-request',
    'missing-remoteip',
    'invalid-remoteip',
  ],
  unavailable: [],
  refused: {
    'missing-input-response': 'invalid',
    'invalid-input-response': 'invalid',
    'expired-input-response': 'expired',
    'already-seen-response': 'reused',
    'invalid-or-already-seen-response': 'expired-or-reused',
  },
};

/**
 * An hCaptcha pass: valid per siteverify for the stage's sitekey (hCaptcha checks `sitekey`), solved on one
 * of the stage's hostnames. hCaptcha carries no data of the page's: the pass is bound to the send by being
 * spent on it (send claims it once), not to `user`.
 */
export function hcaptcha(config: ProviderConfig): CaptchaAdapter {
  const url = config.verifyUrl ?? HCAPTCHA_VERIFY_URL;
  return async (attempt) => {
    const answer = await siteverify(
      url,
      { secret: config.secret, response: attempt.token, remoteip: attempt.sourceIp, sitekey: config.hcaptchaSitekey },
      { errorCodes: ERROR_CODES, hostnames: config.hostnames },
    );
    if ('verdict' in answer) return answer.verdict;
    return passed(providerPassId('hcaptcha', attempt.token), attempt.nowMs + CAPTCHA_PROVIDER_TOKEN_LIFETIME_MS.hcaptcha);
  };
}
