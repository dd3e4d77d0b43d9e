// Cloudflare Turnstile, server-side validation (Siteverify):
//   https://developers.cloudflare.com/turnstile/get-started/server-side-validation/
//   https://developers.cloudflare.com/turnstile/get-started/client-side-rendering/widget-configurations/ (action, cData)
import { createHash } from 'node:crypto';
import { CAPTCHA_PROVIDER_TOKEN_LIFETIME_MS, TURNSTILE_TOKEN_MAX_CHARS } from '../../policy.js';
import { siteverify } from './siteverify.js';
import { userBinding } from './user-binding.js';
import { auditText, passed, providerPassId, refused, type CaptchaAdapter, type ProviderConfig, type ErrorCodeMeaning } from './verdict.js';

export const TURNSTILE_VERIFY_URL = 'https://challenges.cloudflare.com/turnstile/v0/siteverify';

/** Turnstile's `error-codes` (the documentation's table). */
const ERROR_CODES: ErrorCodeMeaning = {
  misconfigured: ['missing-input-secret', 'invalid-input-secret', 'bad-request'],
  // "An internal error happened while validating the response. The request can be retried."
  unavailable: ['internal-error'],
  refused: {
    'missing-input-response': 'invalid',
    'invalid-input-response': 'invalid',
    // "issued five minutes ago and is no longer valid, or it was already redeemed"
    'timeout-or-duplicate': 'expired-or-reused',
  },
};

// A name-based UUID (RFC 9562 version 5) of the token, in this namespace.
const IDEMPOTENCY_NAMESPACE = Buffer.from('6f0b3c1e4a5d4e8f9b2c7d1a0e3f5b6c', 'hex');

/**
 * The token's `idempotency_key`: the same for the same token, so a send answered with a failure after
 * Turnstile took the token (DynamoDB could not commit it) can be tried again with that pass, as
 * Turnstile's documentation asks of retries. A replay is still refused: send claims the pass once.
 */
function idempotencyKey(token: string): string {
  const h = createHash('sha1').update(IDEMPOTENCY_NAMESPACE).update(token).digest().subarray(0, 16);
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * A Turnstile pass: valid per Siteverify, solved on one of the stage's hostnames, with the stage's action
 * (when it names one) and with `cdata` = the user binding of the send's `user` (user-binding.ts).
 */
export function turnstile(config: ProviderConfig): CaptchaAdapter {
  const url = config.verifyUrl ?? TURNSTILE_VERIFY_URL;
  return async (attempt) => {
    if (attempt.token.length > TURNSTILE_TOKEN_MAX_CHARS) return refused('format');
    const answer = await siteverify(
      url,
      { secret: config.secret, response: attempt.token, remoteip: attempt.sourceIp, idempotency_key: idempotencyKey(attempt.token) },
      { errorCodes: ERROR_CODES, hostnames: config.hostnames },
    );
    if ('verdict' in answer) return answer.verdict;
    const { action, cdata } = answer.success;
    if (config.action !== undefined && action !== config.action) return refused('action', { captchaAction: auditText(action) });
    if (cdata !== (await userBinding(attempt.user.value))) return refused('user');
    return passed(providerPassId('turnstile', attempt.token), attempt.nowMs + CAPTCHA_PROVIDER_TOKEN_LIFETIME_MS.turnstile);
  };
}
