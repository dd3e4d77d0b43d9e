// Fresh test identities (mobile numbers, e-mail addresses, account names, source IPs) for the tests and
// the bench. Each module instance starts at a random point and counts up, so values never repeat within
// a process (the bench sends thousands) and two processes sharing one stack (e2e files) rarely meet.
import { randomInt } from 'node:crypto';

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const ALNUM = `${LETTERS}0123456789`;
const pick = (chars: string, n: number): string => Array.from({ length: n }, () => chars[randomInt(chars.length)]).join('');

let serial = randomInt(100_000_000);
/** The next number of this process's sequence, as `digits` decimal digits. */
const next = (digits: number): string => String(serial++ % 10 ** digits).padStart(digits, '0');

export interface Mobile {
  /** "+8613812345678" (send / verify form) */
  e164: string;
  /** "0086-13812345678" (check-identity form) */
  dashed: string;
  /** "13812345678" (national, read as chinaPR) */
  national: string;
}

const MOBILE_PREFIXES = ['138', '139', '150', '151', '186', '187', '135', '136'];

/** A fresh, valid mainland China mobile number (a real 3-digit prefix and 8 more digits). */
export function uniqueMobile(): Mobile {
  const national = `${MOBILE_PREFIXES[randomInt(MOBILE_PREFIXES.length)]}${next(8)}`;
  return { e164: `+86${national}`, dashed: `0086-${national}`, national };
}

/** A fresh e-mail address whose local part is longer than 7 characters. */
export const uniqueEmail = (): string => `member.${pick(ALNUM, 4)}${next(8)}@example.com`;

/** A fresh account name, valid by the seed's rules (a letter first, then letters and digits). */
export const uniqueName = (): string => `user${pick(LETTERS, 1)}${pick(ALNUM, 4)}${next(8)}`;

/** A fresh source IP in 10.0.0.0/8, so per-IP limits never leak between tests (or bench iterations). */
export function uniqueIp(): string {
  const n = Number(next(7));
  // Base 250, last octet 1–250: no network or broadcast-looking address.
  return `10.${Math.floor(n / 62_500) % 250}.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`;
}

// SPEC §3's masked forms, written from the SPEC (not from shared/identity/mask.ts) so that tests hold the
// service to the SPEC.

/** "+86" + the first 3 and last 4 national digits: `+86181****2345`. */
export function maskedCnMobile(e164: string): string {
  const national = e164.slice(3);
  return `+86${national.slice(0, 3)}****${national.slice(-4)}`;
}

/** The first 3 and last 4 characters of a local part longer than 7, else its first and `***`; the domain stays. */
export function maskedEmail(email: string): string {
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at);
  const masked = local.length > 7 ? `${local.slice(0, 3)}****${local.slice(-4)}` : `${local.slice(0, 1)}***`;
  return `${masked}${email.slice(at)}`;
}
