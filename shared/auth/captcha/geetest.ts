// GeeTest CAPTCHA v4 (行为验证第四代), secondary validation (二次校验):
//   https://docs.geetest.com/BehaviorVerification/deploy/server/
//   https://docs.geetest.com/gt4/apirefer/api/server (response examples: success, fail, abnormal request)
import { createHmac } from 'node:crypto';
import { SECOND_MS, TOKEN_CLOCK_TOLERANCE_SECONDS } from '../../policy.js';
import { postForm } from './provider-call.js';
import { auditText, passed, providerPassId, refused, unavailable, type CaptchaAdapter, type ProviderConfig } from './verdict.js';

/** The documented endpoint ("http/https" both supported): only https leaves the function. */
export const GEETEST_VERIFY_URL = 'https://gcaptcha4.geetest.com/validate';

/** What the widget's `getValidate()` gives the page, which send takes JSON-encoded as its `token`. */
interface GeetestValidate {
  lot_number: string;
  captcha_output: string;
  pass_token: string;
  gen_time: string;
  captcha_id?: string;
}

const FIELD = /^[\x21-\x7e]{1,1024}$/;
const GEN_TIME = /^\d{1,12}$/;

function parseValidate(token: string): GeetestValidate | undefined {
  let value: unknown;
  try {
    value = JSON.parse(token);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  const text = (name: string) => (typeof v[name] === 'string' && FIELD.test(v[name]) ? v[name] : undefined);
  const [lot, output, passToken, genTime] = [text('lot_number'), text('captcha_output'), text('pass_token'), text('gen_time')];
  if (!lot || !output || !passToken || !genTime || !GEN_TIME.test(genTime)) return undefined;
  if (v.captcha_id !== undefined && text('captcha_id') === undefined) return undefined;
  return { lot_number: lot, captcha_output: output, pass_token: passToken, gen_time: genTime, captcha_id: text('captcha_id') };
}

/**
 * A GeeTest v4 pass: the widget's validate result, for the stage's captcha id, generated no longer ago
 * than a CAPTCHA pass may live (GeeTest documents no lifetime of its own), and judged `success` by GeeTest's
 * `/validate`, asked with `sign_token` = HMAC-SHA256 of `lot_number` under the captcha key (the secret).
 * GeeTest carries no data of the page's: the pass is bound to the send by being spent on it (send claims
 * its `lot_number` once), not to `user`.
 */
export function geetest(config: ProviderConfig, o: { maxLifetimeSeconds: number }): CaptchaAdapter {
  const url = new URL(config.verifyUrl ?? GEETEST_VERIFY_URL);
  const captchaId = config.geetestCaptchaId ?? '';
  url.searchParams.set('captcha_id', captchaId);
  const endpoint = url.toString();
  return async (attempt) => {
    const pass = parseValidate(attempt.token);
    if (!pass) return refused('format');
    if (pass.captcha_id !== undefined && pass.captcha_id !== captchaId) return refused('captcha-id');
    const nowSeconds = attempt.nowMs / SECOND_MS;
    const genTime = Number(pass.gen_time);
    if (genTime > nowSeconds + TOKEN_CLOCK_TOLERANCE_SECONDS) return refused('invalid', { captchaReason: 'gen_time in the future' });
    if (nowSeconds - genTime > o.maxLifetimeSeconds) return refused('expired', { captchaReason: 'gen_time older than the pass lifetime' });

    const answer = await postForm(endpoint, {
      lot_number: pass.lot_number,
      captcha_output: pass.captcha_output,
      pass_token: pass.pass_token,
      gen_time: pass.gen_time,
      sign_token: createHmac('sha256', config.secret).update(pass.lot_number).digest('hex'),
    });
    if (answer.outcome !== 'answered') return answer;
    const { status, result, reason, code, msg } = answer.body;
    // "Abnormal request" answers ({"status": "error", "code": "-50005", "msg": "illegal gen_time"}) come from
    // what the page handed over: the pass is refused.
    if (status === 'error') return refused('invalid', { captchaError: auditText(code), captchaReason: auditText(msg) });
    if (result === 'success') return passed(providerPassId('geetest', pass.lot_number), (genTime + o.maxLifetimeSeconds) * SECOND_MS);
    if (result === 'fail') {
      const why = auditText(reason);
      return refused(/expire/i.test(why) ? 'expired' : 'invalid', { captchaReason: why });
    }
    return unavailable('malformed-answer', { captchaStatus: answer.status });
  };
}
