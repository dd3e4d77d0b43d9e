import type { Language } from '../errors.js';
import { ACCEPTED_LANGUAGES_KEPT } from '../policy.js';

// A language range as RFC 9110 §12.5.4 allows it, without the wildcard: what a message may be picked by.
const TAG = /^[a-z]{1,8}(?:-[a-z0-9]{1,8})*$/i;

/**
 * The languages an Accept-Language header asks for, most wanted first (by quality, then order), as
 * lower-case tags; a malformed entry or weight, `*` and q=0 are left out. At most ACCEPTED_LANGUAGES_KEPT:
 * what a send keeps for its message (shared/store/delivery-requests.ts).
 */
export const acceptedLanguages = (header: string | undefined): string[] => rankedLanguages(header).slice(0, ACCEPTED_LANGUAGES_KEPT);

function rankedLanguages(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .slice(0, 256)
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      // RFC 9110: the weight's name is case-insensitive; a malformed weight makes the entry unusable.
      const weight = params.map((p) => p.trim()).find((p) => /^q=/i.test(p));
      const q = weight === undefined ? 1 : /^q=(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/i.test(weight) ? Number(weight.slice(2)) : 0;
      return { tag: tag.trim().toLowerCase(), q, index };
    })
    .filter((r) => r.q > 0 && TAG.test(r.tag))
    .sort((a, b) => b.q - a.q || a.index - b.index)
    .map((r) => r.tag)
    .filter((tag, i, all) => all.indexOf(tag) === i);
}

const primary = (tag: string) => tag.split('-', 1)[0]!.toLowerCase();

/**
 * The first of `available` the caller would take, going down its `wanted` list: the same tag (case aside),
 * else one of the same language (`zh-TW` or `zh` takes zh-CN when that is all there is, the closest match a
 * reader can still read). Undefined when none matches.
 */
export function matchLanguage<T extends string>(wanted: readonly string[], available: readonly T[]): T | undefined {
  for (const tag of wanted) {
    const exact = available.find((a) => a.toLowerCase() === tag.toLowerCase());
    if (exact) return exact;
    const same = available.find((a) => primary(a) === primary(tag));
    if (same) return same;
  }
  return undefined;
}

const RESPONSE_LANGUAGES: readonly Language[] = ['zh-CN', 'en-US'];

/** The language of a response's messages: zh-CN or en-US as Accept-Language asks; anything else → the default. */
export const pickLanguage = (header: string | undefined, fallback: Language): Language =>
  matchLanguage(rankedLanguages(header), RESPONSE_LANGUAGES) ?? fallback;
