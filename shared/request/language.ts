import type { Language } from '../errors.js';

/** Picks zh-CN or en-US from an Accept-Language header by quality; anything else → the default. */
export function pickLanguage(header: string | undefined, fallback: Language): Language {
  if (!header) return fallback;
  const ranked = header
    .slice(0, 256)
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      // RFC 9110: the weight's name is case-insensitive; a malformed weight makes the entry unusable.
      const weight = params.map((p) => p.trim()).find((p) => /^q=/i.test(p));
      const q = weight === undefined ? 1 : /^q=(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/i.test(weight) ? Number(weight.slice(2)) : 0;
      return { tag: tag.trim().toLowerCase(), q, index };
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranked) {
    if (tag === 'zh' || tag.startsWith('zh-')) return 'zh-CN';
    if (tag === 'en' || tag.startsWith('en-')) return 'en-US';
  }
  return fallback;
}
