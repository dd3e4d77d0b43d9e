// What an AWS endpoint checks of a request's Signature Version 4 `Authorization` header, written from AWS's
// documentation, not from an SDK's signer:
//   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
//     (canonical request, string to sign, signing key, the header's form)
//   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-signing-elements.html
//     (credential scope date/region/service/aws4_request; X-Amz-Date; SignedHeaders must include host)
//   Common errors of every AWS API, e.g. https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/CommonErrors.html
//     (MissingAuthenticationToken 403, IncompleteSignature 400, InvalidClientTokenId 403, RequestExpired 400)
// The stand-ins verify the signature itself with the test credentials they know, so a request signed for
// another service (a wrong signing name), another key or another body is refused as AWS would refuse it.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface TestCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** The pair every stand-in accepts unless told otherwise; give it to the SDK client under test. */
export const STAND_IN_CREDENTIALS: TestCredentials = {
  accessKeyId: 'AKIASTANDIN000000001',
  secretAccessKey: 'standin/secret/key/for/loopback/tests/only0',
};

export interface SignedRequest {
  method: string;
  /** The request target as received (path and query, still percent-encoded). */
  url: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: Buffer;
}

export interface SignatureScope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
}

export type SignatureCheck =
  { ok: true; scope: SignatureScope } | { ok: false; status: number; code: string; message: string; scope?: SignatureScope };

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/\s,]+)\/(\d{8})\/([^/\s,]+)\/([^/\s,]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{8})T\d{6}Z$/;
/** Requests more than 15 minutes from the server's clock are refused (RequestExpired). */
const MAX_SKEW_MS = 15 * 60 * 1000;

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();
// RFC 3986 unreserved characters stay; everything else is %XX with upper-case hex (the documented URI-encode).
const uriEncode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function canonicalRequest(req: SignedRequest, signedHeaders: string[]): string {
  const [rawPath = '/', rawQuery = ''] = req.url.split('?', 2);
  // Services other than S3 encode each path segment twice: once as sent, once more in the canonical form.
  const path = rawPath.split('/').map(uriEncode).join('/') || '/';
  const query = rawQuery
    .split('&')
    .filter(Boolean)
    .map((pair) => pair.split('=', 2).map((p) => uriEncode(decodeURIComponent(p.replace(/\+/g, ' ')))) as [string, string?])
    .sort(([a, av = ''], [b, bv = '']) => (a === b ? (av < bv ? -1 : 1) : a < b ? -1 : 1))
    .map(([k, v = '']) => `${k}=${v}`)
    .join('&');
  const headers = signedHeaders.map((h) => `${h}:${(req.headers[h] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  // The hash of the body as it arrived (an x-amz-content-sha256 header is S3's, and would not be trusted).
  return [req.method, path, query, headers, signedHeaders.join(';'), sha256Hex(req.body)].join('\n');
}

export function signature(req: SignedRequest, scope: SignatureScope, secretAccessKey: string): string {
  const amzDate = req.headers['x-amz-date'] ?? '';
  const credentialScope = `${scope.date}/${scope.region}/${scope.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, credentialScope, sha256Hex(canonicalRequest(req, scope.signedHeaders))].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, scope.date), scope.region), scope.service), 'aws4_request');
  return createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
}

/**
 * Checks presence and form of the Authorization header, the signing service name, the clock, and (for a key
 * in `credentials`) the signature itself.
 */
export function checkSignature(
  req: SignedRequest,
  expect: { service: string; credentials: TestCredentials[]; verify: boolean; now: number },
): SignatureCheck {
  const authorization = req.headers.authorization;
  if (!authorization) return { ok: false, status: 403, code: 'MissingAuthenticationToken', message: 'Missing Authentication Token' };
  const m = AUTHORIZATION.exec(authorization);
  if (!m) {
    return {
      ok: false,
      status: 400,
      code: 'IncompleteSignature',
      message: `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters in the AWS4-HMAC-SHA256 form.`,
    };
  }
  const [, accessKeyId, date, region, service, signedHeaderList, given] = m as unknown as string[];
  const signedHeaders = signedHeaderList!.split(';');
  const scope: SignatureScope = { accessKeyId: accessKeyId!, date: date!, region: region!, service: service!, signedHeaders };
  const amzDate = AMZ_DATE.exec(req.headers['x-amz-date'] ?? '');
  if (!amzDate || !signedHeaders.includes('host') || !signedHeaders.includes('x-amz-date')) {
    return {
      ok: false,
      status: 400,
      code: 'IncompleteSignature',
      message: 'The request must carry X-Amz-Date and sign host and x-amz-date.',
      scope,
    };
  }
  if (amzDate[1] !== date) {
    return {
      ok: false,
      status: 403,
      code: 'SignatureDoesNotMatch',
      message: `Date in Credential scope does not match YYYYMMDD from X-Amz-Date.`,
      scope,
    };
  }
  if (service !== expect.service) {
    return {
      ok: false,
      status: 403,
      code: 'SignatureDoesNotMatch',
      message: `Credential should be scoped to correct service: '${expect.service}'.`,
      scope,
    };
  }
  const signedAt = Date.parse(req.headers['x-amz-date']!.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
  if (Math.abs(expect.now - signedAt) > MAX_SKEW_MS) {
    return {
      ok: false,
      status: 400,
      code: 'RequestExpired',
      message: 'Signature expired: the request time is more than 15 minutes from the server time.',
      scope,
    };
  }
  if (!expect.verify) return { ok: true, scope };
  const known = expect.credentials.find((c) => c.accessKeyId === accessKeyId);
  if (!known || (known.sessionToken !== undefined && req.headers['x-amz-security-token'] !== known.sessionToken)) {
    return {
      ok: false,
      status: 403,
      code: 'InvalidClientTokenId',
      message: 'The security token included in the request is invalid.',
      scope,
    };
  }
  const expected = Buffer.from(signature(req, scope, known.secretAccessKey));
  if (!timingSafeEqual(expected, Buffer.from(given!))) {
    return {
      ok: false,
      status: 403,
      code: 'SignatureDoesNotMatch',
      message: 'The request signature we calculated does not match the signature you provided.',
      scope,
    };
  }
  return { ok: true, scope };
}
