// The seed's rule: 5–32 characters, a letter or hyphen first, then letters, digits, "_" or "-".
const ACCOUNT_NAME = /^([a-zA-Z-]([a-zA-Z0-9_-]){4,31})$/;
const RESERVED_PREFIXES = ['op_', 'shadow_'];

export type NameProblem = 'format' | 'reserved_prefix' | 'all_digits';

export function accountNameProblem(value: string): NameProblem | undefined {
  if (!ACCOUNT_NAME.test(value)) return 'format';
  const lower = value.toLowerCase();
  if (RESERVED_PREFIXES.some((p) => lower.startsWith(p))) return 'reserved_prefix';
  if (/^\d+$/.test(value)) return 'all_digits';
  return undefined;
}

/** Account names are compared case-insensitively. */
export function normalizeAccountName(value: string): string | undefined {
  return accountNameProblem(value) === undefined ? value.toLowerCase() : undefined;
}
