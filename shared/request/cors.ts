/**
 * Which browser origins may call the API (stage parameter `corsAllowedOrigins`, the functions' setting
 * CORS_ALLOWED_ORIGINS), read by one parser for the template (infra/functions.cjs: the preflights API
 * Gateway answers) and the functions (the headers of their own answers). An entry is an exact origin
 * (`https://signup.partner.example`, `http://localhost:5173`) or a scheme's prefix form, `https://*` or
 * `http://*`, as API Gateway accepts them; never `*`.
 */

/** The request headers a page may send: those the API reads (pipeline, partner and app auth, AK/SK signature). */
export const CORS_REQUEST_HEADERS = [
  'Content-Type',
  'Accept-Language',
  'X-Request-Id',
  'X-Auth-Token',
  'X-Access-Token',
  'Authorization',
  'X-Sdk-Date',
] as const;
/** The answer's headers a page may read. */
export const CORS_EXPOSED_HEADERS = ['X-Request-Id', 'Retry-After'] as const;
/** How long a browser may keep a preflight's answer. */
export const CORS_MAX_AGE_SECONDS = 600;

const PREFIX_FORMS = new Set(['https://*', 'http://*']);

/** Why `entry` is not an allowed-origin entry, or undefined when it is one. */
function problemOf(entry: string): string | undefined {
  if (PREFIX_FORMS.has(entry)) return undefined;
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return `"${entry}" is not an origin`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `"${entry}" is not an http(s) origin`;
  if (url.hostname.includes('*')) return `"${entry}" is a wildcard other than a whole scheme's`;
  if (url.origin !== entry) return `"${entry}" is not an origin as browsers send it (scheme://host[:port], no path, no trailing /)`;
  return undefined;
}

/**
 * The allowed origins of a setting: a list, or one string with the entries separated by commas (as a
 * `--param` or an environment variable gives them); blanks and repeats dropped. Each problem found is
 * pushed to `problems`; the bad entries are left out.
 */
export function parseAllowedOrigins(value: string | readonly string[] | null | undefined, problems: string[]): string[] {
  const entries = (typeof value === 'string' ? value.split(',') : (value ?? [])).map((e) => String(e).trim()).filter(Boolean);
  const origins: string[] = [];
  for (const entry of entries) {
    const problem = problemOf(entry);
    if (problem) problems.push(`CORS_ALLOWED_ORIGINS: ${problem}; use exact origins or https://* / http://*`);
    else if (!origins.includes(entry)) origins.push(entry);
  }
  return origins;
}

/** The `Origin` a request came from, when the allowed origins grant it (the answer then names it); else undefined. */
export function grantedOrigin(origin: string | undefined, allowed: readonly string[]): string | undefined {
  if (!origin) return undefined;
  for (const entry of allowed) {
    if (entry === origin) return origin;
    // `https://*`: any origin of that scheme with a host.
    if (
      PREFIX_FORMS.has(entry) &&
      origin.startsWith(entry.slice(0, -1)) &&
      origin.length > entry.length - 1 &&
      problemOf(origin) === undefined
    )
      return origin;
  }
  return undefined;
}
