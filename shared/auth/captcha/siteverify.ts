import { postForm } from './provider-call.js';
import { auditText, refused, unavailable, verdictOfErrorCodes, type CaptchaVerdict, type ErrorCodeMeaning } from './verdict.js';

/**
 * The siteverify protocol Turnstile, hCaptcha and reCAPTCHA share: a form POST of `secret`, `response` and
 * their own fields, answered by JSON with `success`, `error-codes` and, on success, the `hostname` the
 * puzzle was solved on, which must be one of the stage's pages. Returns the successful answer for the
 * provider's own checks, or the verdict that ends the check here.
 */
export async function siteverify(
  url: string,
  fields: Record<string, string | undefined>,
  o: { errorCodes: ErrorCodeMeaning; hostnames: readonly string[] },
): Promise<{ verdict: CaptchaVerdict } | { success: Record<string, unknown> }> {
  const answer = await postForm(url, fields);
  if (answer.outcome !== 'answered') return { verdict: answer };
  const body = answer.body;
  if (typeof body.success !== 'boolean') return { verdict: unavailable('malformed-answer', { captchaStatus: answer.status }) };
  if (!body.success) return { verdict: verdictOfErrorCodes(body['error-codes'], o.errorCodes) };
  if (typeof body.hostname !== 'string') return { verdict: unavailable('malformed-answer', { captchaStatus: answer.status }) };
  if (!o.hostnames.includes(body.hostname.toLowerCase()))
    return { verdict: refused('hostname', { captchaHostname: auditText(body.hostname) }) };
  return { success: body };
}
