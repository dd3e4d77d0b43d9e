import { splitE164 } from './phone.js';

/**
 * "+8618112342345" → "+86181****2345": country code, first 3 and last 4 national digits. A national
 * number shorter than 9 digits would reveal nearly everything that way, so it keeps only its first
 * and last 2 digits, and one shorter than 6 keeps none.
 */
export function maskPhone(e164: string): string {
  const { countryCode, national } = splitE164(e164);
  if (national.length >= 9) return `+${countryCode}${national.slice(0, 3)}****${national.slice(-4)}`;
  if (national.length >= 6) return `+${countryCode}${national.slice(0, 1)}****${national.slice(-2)}`;
  return `+${countryCode}****`;
}

/** "testaccount@huawei.com" → "tes****ount@huawei.com"; a local part of 7 or fewer → "t***@…". */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 0) return '***';
  const local = email.slice(0, at);
  const domain = email.slice(at);
  if (local.length > 7) return `${local.slice(0, 3)}****${local.slice(-4)}${domain}`;
  return `${local.slice(0, 1)}***${domain}`;
}

/** Account names are masked like short emails: first character, then "***". */
export function maskAccountName(name: string): string {
  return name.length > 7 ? `${name.slice(0, 3)}****${name.slice(-2)}` : `${name.slice(0, 1)}***`;
}
