// The 'mobile' metadata knows each country's mobile numbering (and reports a number of a plan that cannot
// tell mobile from fixed line, like +1, as mobile). It adds ~98 KiB to the one function that sends SMS;
// 'max' (getType() of every type) would add ~156 KiB, and every other function keeps the 'min' metadata.
import { parsePhoneNumberFromString } from 'libphonenumber-js/mobile';

export type SmsRefusal = 'not_mobile' | 'country_not_allowed';

/**
 * Whether an E.164 number may get an SMS (SPEC §4): a valid number of a type that can receive SMS
 * (mobile, or fixed-line-or-mobile where the numbering plan cannot tell) in an allowed country. Numbers
 * of no country (satellite +881, international networks +882, …) are in no allow-list.
 */
export function smsDestination(e164: string, allowedCountries: ReadonlySet<string>): { country: string } | { refused: SmsRefusal } {
  const parsed = parsePhoneNumberFromString(e164);
  const type = parsed?.isValid() ? parsed.getType() : undefined;
  if (!parsed || (type !== 'MOBILE' && type !== 'FIXED_LINE_OR_MOBILE')) return { refused: 'not_mobile' };
  if (!parsed.country || !allowedCountries.has(parsed.country)) return { refused: 'country_not_allowed' };
  return { country: parsed.country };
}
