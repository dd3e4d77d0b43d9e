// What a partner page's CAPTCHA widget must carry for send to accept its pass (docs/captcha.md). Runs in
// browsers and in Node 20+ (WebCrypto), with no dependency.
import { userBinding } from '../shared/auth/captcha/user-binding.js';

export { userBinding };

/**
 * `user` as send normalizes it before comparing it with a pass: an email or an account name lower-cased
 * (and trimmed), a mobile number in E.164 (`+`, country code, national number) with its spaces and dashes
 * removed. A mobile number without `+` is refused: send reads it in a region (`chinaPR` by default) with a
 * phone-number library the page does not have, so give the page's `user` in E.164 in the first place.
 */
export function normalizedUser(user: string): string {
  const value = user.trim();
  if (value.includes('@')) return value.toLowerCase();
  if (/^\+?[\d \-]{3,24}$/.test(value)) {
    const compact = value.replace(/[ \-]/g, '');
    if (!compact.startsWith('+')) throw new Error('a mobile number must be in E.164 form (+8613612345678) to bind a CAPTCHA pass to it');
    return compact;
  }
  return value.toLowerCase();
}

/**
 * The `cData` of the Turnstile widget for a send to `user`: base64url(SHA-256(normalized user)), 43
 * characters. Send refuses a Turnstile pass whose cData is not this (403 USG.000000006):
 *
 *   turnstile.render('#captcha', { sitekey, action: 'send_code', cData: await turnstileCData(user), callback: (token) => send(user, token) });
 */
export async function turnstileCData(user: string): Promise<string> {
  return userBinding(normalizedUser(user));
}
