// Printable ASCII only: non-ASCII look-alikes (full-width "＠", Cyrillic letters, zero-width
// characters) would otherwise let one mailbox be claimed under several spellings.
const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

/** Trimmed and lower-cased email, or undefined when it has no prefix, `@` and dotted domain. */
export function normalizeEmail(value: string, maxLength = 254): string | undefined {
  const trimmed = value.trim();
  if (trimmed.length === 0 || trimmed.length > maxLength) return undefined;
  const at = trimmed.lastIndexOf('@');
  if (at < 1 || at > 64 || !EMAIL.test(trimmed)) return undefined;
  // A dot-atom local part: no leading, trailing or doubled dot (mail systems refuse those).
  const local = trimmed.slice(0, at);
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return undefined;
  return trimmed.toLowerCase();
}

export function looksLikeEmail(value: string): boolean {
  return value.includes('@');
}
