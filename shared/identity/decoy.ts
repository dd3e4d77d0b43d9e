import { createHmac } from 'node:crypto';
import { maskEmail, maskPhone } from './mask.js';

/**
 * The masked contact send shows, under enumeration protection, for an account it will not send to (an
 * unknown name, an account without the requested contact or bound to a number SMS may not go to): the
 * mask of a made-up but plausible contact, derived from a keyed hash of the name, so it is the same on
 * every send (as a real account's is) and nobody without the pepper can tell it from a real one.
 */

// Mainland mobile prefixes in wide use: the decoy is a phone of send's default country (chinaPR).
// prettier-ignore
const CN_MOBILE_PREFIXES = [
  '130', '131', '132', '133', '134', '135', '136', '137', '138', '139', '150', '151', '152', '153', '155', '156', '157',
  '158', '159', '166', '173', '175', '176', '177', '178', '180', '181', '182', '183', '184', '185', '186', '187', '188',
  '189', '191', '193', '195', '196', '198', '199',
];
// Mail providers most addresses in the default market use, the most common first (listed twice).
const EMAIL_DOMAINS = [
  'qq.com',
  'qq.com',
  '163.com',
  '163.com',
  '126.com',
  'gmail.com',
  'outlook.com',
  'hotmail.com',
  'sina.com',
  'foxmail.com',
  'yahoo.com',
  'icloud.com',
];
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';

/** A deterministic stream of choices from HMAC(pepper, purpose ‖ name). */
function chooser(pepper: string, purpose: string, name: string) {
  const bytes = createHmac('sha256', pepper).update(`decoy:${purpose}:${name}`).digest();
  let i = 0;
  // 32 bytes serve every decoy below; a modulo bias of at most 1/256 per choice is irrelevant here.
  const next = () => bytes[i++ % bytes.length]!;
  return {
    of: <T>(items: readonly T[]): T => items[next() % items.length]!,
    chars: (alphabet: string, n: number): string => Array.from({ length: n }, () => alphabet[next() % alphabet.length]).join(''),
  };
}

/** A masked mainland mobile ("+86138****2345") for the account `name` (normalized). */
export function decoyMaskedPhone(pepper: string, name: string): string {
  const pick = chooser(pepper, 'sms', name);
  return maskPhone(`+86${pick.of(CN_MOBILE_PREFIXES)}${pick.chars(DIGITS, 8)}`);
}

/** A masked email ("zha****1988@qq.com", or "l***@163.com" for a short local part) for the account `name`. */
export function decoyMaskedEmail(pepper: string, name: string): string {
  const pick = chooser(pepper, 'email', name);
  // Local parts as people choose them: letters, often ending in digits (a year, a number), some short.
  const length = pick.of([5, 6, 7, 8, 8, 9, 10, 10, 11, 12]);
  const digitsAtEnd = pick.of([0, 0, 2, 4]);
  const local = pick.chars(LETTERS, length - digitsAtEnd) + pick.chars(DIGITS, digitsAtEnd);
  return maskEmail(`${local}@${pick.of(EMAIL_DOMAINS)}`);
}
