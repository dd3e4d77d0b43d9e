import { budgetSignal } from '../../deadline.js';
import { CAPTCHA_ANSWER_MAX_BYTES, CAPTCHA_VERIFY_TIMEOUT_MS } from '../../policy.js';
import { unavailable, type Unavailable } from './verdict.js';

/** A provider's answer: a JSON object, or why there is none to judge the pass by. */
export type ProviderAnswer = { outcome: 'answered'; status: number; body: Record<string, unknown> } | Unavailable;

/**
 * POSTs `fields` to a provider's verification endpoint as `application/x-www-form-urlencoded` (the encoding
 * every provider here documents), within CAPTCHA_VERIFY_TIMEOUT_MS and what is left of the request's budget,
 * whichever ends first. Fails closed: no answer in time, a refused connection, a 5xx, a redirect, or an
 * answer that is not a JSON object of reasonable size is `unavailable`, never a pass.
 */
export async function postForm(url: string, fields: Record<string, string | undefined>): Promise<ProviderAnswer> {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) form.set(name, value);
  const cap = AbortSignal.timeout(CAPTCHA_VERIFY_TIMEOUT_MS);
  const budget = budgetSignal();
  const signal = budget ? AbortSignal.any([budget, cap]) : cap;
  let status: number;
  let text: string | undefined;
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      redirect: 'error',
      signal,
    });
    status = res.status;
    text = await readAtMost(res, CAPTCHA_ANSWER_MAX_BYTES);
  } catch {
    return unavailable(signal.aborted ? 'timeout' : 'unreachable');
  }
  if (status >= 500) return unavailable('status', { captchaStatus: status });
  const body = text === undefined ? undefined : parseObject(text);
  // A 4xx may still be the provider's JSON answer (its error codes say what was wrong); anything else is not.
  if (!body)
    return status >= 200 && status < 300
      ? unavailable('malformed-answer', { captchaStatus: status })
      : unavailable('status', { captchaStatus: status });
  return { outcome: 'answered', status, body };
}

/** The body as text, or undefined when it is longer than `maxBytes` (the rest is not read). */
async function readAtMost(res: Response, maxBytes: number): Promise<string | undefined> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
