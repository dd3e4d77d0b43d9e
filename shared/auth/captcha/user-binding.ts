// Runs in browsers as in Node (20+): WebCrypto and btoa only, no Node module. client/captcha.ts exports it
// to pages, which put it in Turnstile's cData; send compares it with the cData of the pass.

/**
 * The user binding a Turnstile pass must carry as its `cData`: base64url (no padding, 43 characters) of
 * the SHA-256 of the normalized user (the E.164 number, the lower-cased email, the lower-cased account
 * name), which Turnstile's 255 alphanumeric, `-` and `_` characters hold.
 */
export async function userBinding(normalizedUser: string): Promise<string> {
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(normalizedUser)));
  let binary = '';
  for (const byte of digest) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
