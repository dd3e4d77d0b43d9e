// The 'min' metadata knows every region's number lengths, which is all isPossible() needs, at a fraction
// of the 'max' metadata's size. It is read on the first number parsed (phone-metadata.ts).
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/core';
import { phoneMetadata } from './phone-metadata.js';

const metadata = () => phoneMetadata('min');

// check-identity's form: "00" + country calling code, a dash, the national number ("0086-13612345678").
// The seed's regex ^\d{4}-\d+$ fixes a 2-digit code; we accept 1–3 digits so every country code works.
const INTERNATIONAL_DASH = /^00(\d{1,3})-(\d{1,17})$/;

// Huawei's region names for the `country` field, besides ISO 3166 alpha-2 codes.
// A Map, not an object literal: "constructor" or "__proto__" must not resolve through the prototype.
const HUAWEI_REGIONS = new Map<string, CountryCode>([
  ['chinapr', 'CN'],
  ['chinahk', 'HK'],
  ['chinamo', 'MO'],
  ['chinamacao', 'MO'],
  ['chinatw', 'TW'],
]);

export function regionOf(country: string): CountryCode | undefined {
  const lower = country.trim().toLowerCase();
  const named = HUAWEI_REGIONS.get(lower);
  if (named) return named;
  const iso = lower.toUpperCase();
  return /^[A-Z]{2}$/.test(iso) && isSupportedCountry(iso as CountryCode, metadata()) ? (iso as CountryCode) : undefined;
}

/** "0086-13612345678" → "+8613612345678"; undefined when malformed or not a possible number. */
export function e164FromDashed(value: string): string | undefined {
  const m = INTERNATIONAL_DASH.exec(value);
  if (!m) return undefined;
  const code = String(Number(m[1]));
  return e164FromInternational(`+${code}${m[2]}`, code);
}

/**
 * A mobile as send/verify take it: "+8613612345678", or a national number read in `country`'s
 * region (default chinaPR). Only ASCII digits, spaces and dashes are allowed around them.
 */
export function e164FromContact(value: string, country = 'chinaPR'): string | undefined {
  const compact = value.replace(/[ \-]/g, '');
  if (!/^\+?\d{3,17}$/.test(compact)) return undefined;
  if (compact.startsWith('+')) return e164FromInternational(compact);
  const region = regionOf(country);
  if (!region) return undefined;
  const parsed = parsePhoneNumberFromString(compact, region, metadata());
  return parsed?.isPossible() ? parsed.number : undefined;
}

function e164FromInternational(value: string, expectedCode?: string): string | undefined {
  const parsed = parsePhoneNumberFromString(value, metadata());
  if (!parsed || !parsed.isPossible()) return undefined;
  if (expectedCode !== undefined && parsed.countryCallingCode !== expectedCode) return undefined;
  return parsed.number;
}

/** Splits an E.164 number into its calling code and national number. */
export function splitE164(e164: string): { countryCode: string; national: string } {
  const parsed = parsePhoneNumberFromString(e164, metadata());
  if (parsed) return { countryCode: parsed.countryCallingCode, national: parsed.nationalNumber };
  return { countryCode: '', national: e164.replace(/^\+/, '') };
}

/** Whether a string looks like a phone number rather than an account name or email. */
export function looksLikePhone(value: string): boolean {
  return /^\+?[\d \-]{3,24}$/.test(value.trim());
}
