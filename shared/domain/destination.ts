import { normalizeAccountName } from '../identity/account-name.js';
import { looksLikeEmail, normalizeEmail } from '../identity/email.js';
import { maskAccountName, maskEmail, maskPhone } from '../identity/mask.js';
import { e164FromContact, looksLikePhone } from '../identity/phone.js';
import type { DestinationKind } from '../channels.js';

/** What a destination is: its kind and its normalized value (E.164, lower-cased email). */
export type Destination = { kind: DestinationKind; value: string };

export type UserIdentity = Destination | { kind: 'name'; value: string };

/**
 * What a `user` / `contact` string is: an email if it has an `@`, a phone number if it is made of
 * digits (with `+`, spaces, dashes), else an account name. Undefined when it is none of them validly.
 */
export function identifyUser(raw: string, country = 'chinaPR', allowName = true): UserIdentity | undefined {
  const value = raw.trim();
  if (looksLikeEmail(value)) {
    const email = normalizeEmail(value);
    return email ? { kind: 'email', value: email } : undefined;
  }
  if (looksLikePhone(value)) {
    const mobile = e164FromContact(value, country);
    return mobile ? { kind: 'mobile', value: mobile } : undefined;
  }
  if (!allowName) return undefined;
  const name = normalizeAccountName(value);
  return name ? { kind: 'name', value: name } : undefined;
}

export function maskIdentity(id: UserIdentity): string {
  if (id.kind === 'mobile') return maskPhone(id.value);
  if (id.kind === 'email') return maskEmail(id.value);
  return maskAccountName(id.value);
}
