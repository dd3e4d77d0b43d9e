// The 'mobile' metadata knows each country's mobile numbering (and reports a number of a plan that cannot
// tell mobile from fixed line, like +1, as mobile): ~99 KiB, read only by the one function that sends SMS,
// on its first SMS destination; 'max' (getType() of every type) would be ~157 KiB.
import { parsePhoneNumberFromString } from 'libphonenumber-js/core';
import { phoneMetadata } from './phone-metadata.js';

export type SmsRefusal = 'not_mobile' | 'not_callable' | 'country_not_allowed';

/**
 * Whether an E.164 number may get an SMS (SPEC §4): a valid number of a type that can receive SMS
 * (mobile, or fixed-line-or-mobile where the numbering plan cannot tell) in an allowed country. Numbers
 * of no country (satellite +881, international networks +882, …) are in no allow-list.
 */
export function smsDestination(e164: string, allowedCountries: ReadonlySet<string>): { country: string } | { refused: SmsRefusal } {
  const parsed = parsePhoneNumberFromString(e164, phoneMetadata('mobile'));
  const type = parsed?.isValid() ? parsed.getType() : undefined;
  if (!parsed || (type !== 'MOBILE' && type !== 'FIXED_LINE_OR_MOBILE')) return { refused: 'not_mobile' };
  if (!parsed.country || !allowedCountries.has(parsed.country)) return { refused: 'country_not_allowed' };
  return { country: parsed.country };
}

/**
 * Whether an E.164 number may get a voice call (SPEC §4): any valid number, mobile or fixed line (the
 * 'min' metadata's patterns tell a number that exists from one that only has the right length), in an
 * allowed country.
 */
export function callableDestination(e164: string, allowedCountries: ReadonlySet<string>): { country: string } | { refused: SmsRefusal } {
  const parsed = parsePhoneNumberFromString(e164, phoneMetadata('min'));
  if (!parsed?.isValid()) return { refused: 'not_callable' };
  if (!parsed.country || !allowedCountries.has(parsed.country)) return { refused: 'country_not_allowed' };
  return { country: parsed.country };
}
