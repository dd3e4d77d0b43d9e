/**
 * Verifier for Huawei Cloud `SDK-HMAC-SHA256` AK/SK request signatures, reproducing byte for byte what
 * the official signer (`@huaweicloud/huaweicloud-sdk-core`, `auth/AKSKSigner.js`, called from
 * `BaseCredentials.processAuthRequest`) produces:
 *
 *   CanonicalRequest = METHOD \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n SignedHeaders \n PayloadHash
 *   StringToSign     = "SDK-HMAC-SHA256" \n X-Sdk-Date \n hex(sha256(CanonicalRequest))
 *   Signature        = hex(hmac_sha256(SK, StringToSign))
 *
 * - CanonicalURI: the raw (still percent-encoded, as sent) path split on `/`, every segment encoded with the
 *   SDK's RFC 3986 encoder (so an already-encoded `%20` becomes `%2520`), joined, `/` appended if missing.
 * - CanonicalQuery: decoded keys sorted by UTF-16 code unit, array values sorted likewise, each key and value
 *   encoded with the same encoder, `k=v` joined by `&`. Only the query object's own keys and string values are
 *   read, into a Map: a parameter named `toString`, `constructor` or `__proto__` is an ordinary name here.
 * - CanonicalHeaders: `name:value\n` for each signed header, ordered with `String#localeCompare` (the SDK sorts
 *   canonical headers with localeCompare but the SignedHeaders list with a code-unit sort; the list is used
 *   verbatim as sent in Authorization). Signers hash a value as UTF-8; see `signedHeaderValue` for how the value
 *   that arrives is mapped back to what was signed.
 * - PayloadHash: hex(sha256(body)); a signed `X-Sdk-Content-Sha256` must equal it. `UNSIGNED-PAYLOAD` (which the SDK
 *   adds for non-JSON content types) is refused: every operation reads its body, so the body must be signed.
 * The SDK always signs `host` and `X-Sdk-Date`; both are required here.
 *
 * Inputs must be what arrived on the wire: `path` un-decoded, `query` decoded (all values of repeated keys),
 * `body` the exact raw body (decode base64 first). Never throws; never returns or embeds the secret.
 */
import { createHash, createHmac } from 'node:crypto';
import { safeEqual } from '../identity/hash.js';
import { SIGNATURE_MAX_CLOCK_SKEW_MS } from '../policy.js';

export interface SignedRequest {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  /** keys lower-cased */
  headers: Record<string, string | undefined>;
  /** raw body as received */
  body: string;
}

export type SignatureCheck = { ok: true; accessKey: string } | { ok: false; accessKey?: string; reason: SignatureFailure };

/**
 * Why a signature was refused. Only `bad_signature` and `unknown_key` are attempts at the secret (the HMAC was
 * computed and compared); the others are refused before any secret is used.
 */
export type SignatureFailure = 'missing' | 'malformed' | 'clock_skew' | 'unsigned_payload' | 'unknown_key' | 'bad_signature';

const ALGORITHM = 'SDK-HMAC-SHA256';
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
const MAX_AUTHORIZATION_LENGTH = 8192;
const MAX_SIGNED_HEADERS = 64;
const HEADER_NAME = "[a-z0-9!#$%&'*+.^_`|~-]{1,128}";
const AUTHORIZATION_RE = new RegExp(
  `^${ALGORITHM} Access=([\\x21-\\x2B\\x2D-\\x3A\\x3C\\x3E-\\x7E]{1,256}), SignedHeaders=(${HEADER_NAME}(?:;${HEADER_NAME})*), Signature=([0-9a-fA-F]{1,256})$`,
);
const SDK_DATE_RE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const METHOD_RE = /^[A-Za-z]{1,16}$/;

function sha256Hex(data: string): string {
  return createHash('sha256').update(data, 'utf8').digest('hex');
}

// An unknown AK is checked against this stand-in secret, so that it costs the same work as a known one.
const STAND_IN_SECRET = 'verigate-unknown-access-key-stand-in-secret';

function hasOwn<T extends object>(record: T, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(record, key);
}

/** Parses `SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b;c, Signature=hex` exactly as the SDK writes it. */
export function parseAuthorization(
  header: string | undefined,
): { accessKey: string; signedHeaders: string[]; signature: string } | undefined {
  if (typeof header !== 'string' || header.length > MAX_AUTHORIZATION_LENGTH) return undefined;
  const match = AUTHORIZATION_RE.exec(header.trim());
  if (!match) return undefined;
  const [, accessKey, signedHeaderList, signature] = match;
  if (accessKey === undefined || signedHeaderList === undefined || signature === undefined) return undefined;
  const signedHeaders = signedHeaderList.split(';');
  if (signedHeaders.length > MAX_SIGNED_HEADERS) return undefined;
  return { accessKey, signedHeaders, signature };
}

/** `YYYYMMDDTHHMMSSZ` (UTC) → epoch ms, or undefined if not exactly that shape or not a real instant. */
function parseSdkDate(value: string): number | undefined {
  const m = SDK_DATE_RE.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  if (
    back.getUTCFullYear() !== y ||
    back.getUTCMonth() !== mo - 1 ||
    back.getUTCDate() !== d ||
    back.getUTCHours() !== h ||
    back.getUTCMinutes() !== mi ||
    back.getUTCSeconds() !== s
  ) {
    return undefined;
  }
  return ms;
}

const HEX = Array.from({ length: 256 }, (_, i) => `%${i.toString(16).toUpperCase().padStart(2, '0')}`);
const isUnreserved = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e;

/**
 * Port of AKSKSigner.urlEncode: RFC 3986 unreserved characters kept, everything else UTF-8 percent-encoded with
 * upper-case hex. Like the SDK, a UTF-16 surrogate is always combined with the next code unit; where the SDK
 * would throw (a surrogate at the very end) this returns undefined.
 */
function sdkUrlEncode(str: string): string | undefined {
  let out = '';
  for (let i = 0; i < str.length; ++i) {
    let c = str.charCodeAt(i);
    if (c < 0x80) {
      out += isUnreserved(c) ? str[i] : HEX[c];
    } else if (c < 0x800) {
      out += HEX[0xc0 | (c >> 6)]! + HEX[0x80 | (c & 0x3f)]!;
    } else if (c < 0xd800 || c >= 0xe000) {
      out += HEX[0xe0 | (c >> 12)]! + HEX[0x80 | ((c >> 6) & 0x3f)]! + HEX[0x80 | (c & 0x3f)]!;
    } else {
      ++i;
      if (i >= str.length) return undefined;
      c = 0x10000 + (((c & 0x3ff) << 10) | (str.charCodeAt(i) & 0x3ff));
      out += HEX[0xf0 | (c >> 18)]! + HEX[0x80 | ((c >> 12) & 0x3f)]! + HEX[0x80 | ((c >> 6) & 0x3f)]! + HEX[0x80 | (c & 0x3f)]!;
    }
  }
  return out;
}

function canonicalUri(path: string): string | undefined {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    const encoded = sdkUrlEncode(segment);
    if (encoded === undefined) return undefined;
    segments.push(encoded);
  }
  const uri = segments.join('/');
  return uri.endsWith('/') ? uri : `${uri}/`;
}

function canonicalQuery(query: SignedRequest['query']): string | undefined {
  // Own keys and string values only: a query object built on Object.prototype answers `toString` with
  // [Function, "value"], and nothing that is not a string can have come from the wire.
  const params = new Map<string, string[]>();
  for (const name of Object.keys(query)) {
    const raw: unknown = query[name];
    const values = (Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string');
    if (values.length > 0) params.set(name, values.sort());
  }
  const parts: string[] = [];
  for (const name of [...params.keys()].sort()) {
    const key = sdkUrlEncode(name);
    if (key === undefined) return undefined;
    for (const v of params.get(name)!) {
      const value = sdkUrlEncode(v);
      if (value === undefined) return undefined;
      parts.push(`${key}=${value}`);
    }
  }
  return parts.join('&');
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The header value the client signed, from the value that arrived. Signers hash the value as UTF-8. API Gateway
 * hands the Lambda UTF-8-decoded text, which is already that value. Node's HTTP parser (serverless-offline, any
 * Node front) reads each byte as one latin-1 character, so UTF-8 bytes arrive as "å¼ ä¸"; when the latin-1 bytes
 * of a value are well-formed UTF-8 holding a non-ASCII character, that decoding is what was signed. Otherwise the
 * value stands as it is: text with characters above U+00FF, or latin-1 sent one byte per character by a Node
 * client (the SDK itself, fetch), which signed that same character.
 */
export function signedHeaderValue(value: string): string {
  if (!/[\x80-\xff]/.test(value) || /[^\x00-\xff]/.test(value)) return value;
  try {
    return UTF8.decode(Buffer.from(value, 'latin1'));
  } catch {
    return value;
  }
}

function headerValue(headers: SignedRequest['headers'], name: string): string | undefined {
  if (!hasOwn(headers, name)) return undefined;
  const value = headers[name];
  return typeof value === 'string' ? signedHeaderValue(value.trim()) : undefined;
}

export function verifyHuaweiSignature(
  req: SignedRequest,
  lookupSecret: (accessKey: string) => string | undefined,
  now: Date,
  maxSkewMs = SIGNATURE_MAX_CLOCK_SKEW_MS,
): SignatureCheck {
  let accessKey: string | undefined;
  try {
    const headers = req.headers;
    const authorization = hasOwn(headers, 'authorization') ? headers.authorization : undefined;
    if (authorization === undefined || (typeof authorization === 'string' && authorization.trim() === '')) {
      return { ok: false, reason: 'missing' };
    }
    const auth = parseAuthorization(authorization);
    if (!auth) return { ok: false, reason: 'malformed' };
    accessKey = auth.accessKey;
    const fail = (reason: Exclude<SignatureFailure, 'missing'>): SignatureCheck => ({
      ok: false,
      accessKey: auth.accessKey,
      reason,
    });

    // The SDK always signs host and X-Sdk-Date.
    if (!auth.signedHeaders.includes('host') || !auth.signedHeaders.includes('x-sdk-date')) return fail('malformed');
    const sdkDate = headerValue(headers, 'x-sdk-date');
    const signedAt = sdkDate === undefined ? undefined : parseSdkDate(sdkDate);
    if (sdkDate === undefined || signedAt === undefined) return fail('malformed');
    const host = headerValue(headers, 'host');
    if (host === undefined || host === '') return fail('malformed');
    if (typeof req.method !== 'string' || !METHOD_RE.test(req.method)) return fail('malformed');
    if (typeof req.path !== 'string' || typeof req.body !== 'string' || req.query === null || typeof req.query !== 'object') {
      return fail('malformed');
    }

    const nowMs = now.getTime();
    if (!Number.isFinite(nowMs) || !(Math.abs(nowMs - signedAt) <= maxSkewMs)) return fail('clock_skew');

    const uri = canonicalUri(req.path);
    const queryString = canonicalQuery(req.query);
    if (uri === undefined || queryString === undefined) return fail('malformed');

    // Missing non-essential signed header: the SDK signs "" for an empty value, and "" is what may arrive.
    const canonicalHeaders = [...auth.signedHeaders]
      .sort((a, b) => a.localeCompare(b))
      .map((name) => `${name}:${headerValue(headers, name) ?? ''}\n`)
      .join('');

    const bodyHash = sha256Hex(req.body);
    let payloadHash = bodyHash;
    if (auth.signedHeaders.includes('x-sdk-content-sha256')) {
      const declared = headerValue(headers, 'x-sdk-content-sha256') ?? '';
      // A body left out of the signature could be swapped in transit: refused before any secret is used.
      if (declared === UNSIGNED_PAYLOAD) return fail('unsigned_payload');
      if (declared.toLowerCase() !== bodyHash) return fail('bad_signature');
      payloadHash = declared;
    }

    const secret = lookupSecret(auth.accessKey);
    const known = typeof secret === 'string' && secret !== '';

    const canonicalRequest = [req.method.toUpperCase(), uri, queryString, canonicalHeaders, auth.signedHeaders.join(';'), payloadHash].join(
      '\n',
    );
    const stringToSign = [ALGORITHM, sdkDate, sha256Hex(canonicalRequest)].join('\n');
    const expected = createHmac('sha256', known ? secret : STAND_IN_SECRET)
      .update(stringToSign, 'utf8')
      .digest('hex');
    const matches = safeEqual(expected, auth.signature);
    if (!known) return fail('unknown_key');
    return matches ? { ok: true, accessKey: auth.accessKey } : fail('bad_signature');
  } catch {
    return accessKey === undefined ? { ok: false, reason: 'malformed' } : { ok: false, accessKey, reason: 'malformed' };
  }
}
