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
 *   encoded with the same encoder, `k=v` joined by `&`.
 * - CanonicalHeaders: `name:value\n` for each signed header, ordered with `String#localeCompare` (the SDK sorts
 *   canonical headers with localeCompare but the SignedHeaders list with a code-unit sort; the list is used
 *   verbatim as sent in Authorization).
 * - PayloadHash: the signed `X-Sdk-Content-Sha256` value when present (the SDK adds `UNSIGNED-PAYLOAD` for any
 *   non-`application/json` content type, leaving the body unsigned), else hex(sha256(body)).
 * The SDK always signs `host` and `X-Sdk-Date`; both are required here.
 *
 * Inputs must be what arrived on the wire: `path` un-decoded, `query` decoded (all values of repeated keys),
 * `body` the exact raw body (decode base64 first). Never throws; never returns or embeds the secret.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface SignedRequest {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  /** keys lower-cased */
  headers: Record<string, string | undefined>;
  /** raw body as received */
  body: string;
}

export type SignatureCheck =
  | { ok: true; accessKey: string }
  | { ok: false; accessKey?: string; reason: 'missing' | 'malformed' | 'unknown_key' | 'clock_skew' | 'bad_signature' };

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
  const parts: string[] = [];
  const keys = Object.keys(query)
    .filter((k) => query[k] !== undefined)
    .sort();
  for (const rawKey of keys) {
    const key = sdkUrlEncode(rawKey);
    if (key === undefined) return undefined;
    const raw = query[rawKey];
    const values = Array.isArray(raw) ? [...raw].sort() : [raw];
    for (const v of values) {
      if (typeof v !== 'string') return undefined;
      const value = sdkUrlEncode(v);
      if (value === undefined) return undefined;
      parts.push(`${key}=${value}`);
    }
  }
  return parts.join('&');
}

function headerValue(headers: SignedRequest['headers'], name: string): string | undefined {
  if (!hasOwn(headers, name)) return undefined;
  const value = headers[name];
  return typeof value === 'string' ? value.trim() : undefined;
}

function constantTimeEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  if (a.length !== b.length) {
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}

export function verifyHuaweiSignature(
  req: SignedRequest,
  lookupSecret: (accessKey: string) => string | undefined,
  now: Date,
  maxSkewMs = 15 * 60_000,
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
    const fail = (reason: 'malformed' | 'unknown_key' | 'clock_skew' | 'bad_signature'): SignatureCheck => ({
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

    const secret = lookupSecret(auth.accessKey);
    if (typeof secret !== 'string' || secret === '') return fail('unknown_key');

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
      // UNSIGNED-PAYLOAD is honoured as the SDK emits it; any other declared hash must match the body.
      if (declared !== UNSIGNED_PAYLOAD && declared.toLowerCase() !== bodyHash) return fail('bad_signature');
      payloadHash = declared;
    }

    const canonicalRequest = [req.method.toUpperCase(), uri, queryString, canonicalHeaders, auth.signedHeaders.join(';'), payloadHash].join(
      '\n',
    );
    const stringToSign = [ALGORITHM, sdkDate, sha256Hex(canonicalRequest)].join('\n');
    const expected = createHmac('sha256', secret).update(stringToSign, 'utf8').digest('hex');

    return constantTimeEqual(expected, auth.signature) ? { ok: true, accessKey: auth.accessKey } : fail('bad_signature');
  } catch {
    return accessKey === undefined ? { ok: false, reason: 'malformed' } : { ok: false, accessKey, reason: 'malformed' };
  }
}
