import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, it, expect } from 'vitest';
import { parseAuthorization, verifyHuaweiSignature, type SignatureCheck, type SignedRequest } from '../../shared/auth/huawei-signature.js';
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials.js';
import { normalizeEvent } from '../../shared/request/incoming.js';
import { formatSdkDate, signRequestWithHuaweiSdk, signWithHuaweiSdk, type HuaweiSignedRequest } from '../../dev/support/huawei-sign.js';

const AK = 'HPUAEXAMPLEAK0000001';
const SK = 'sk-Very$ecret/Value+With=Symbols0123456789';
const ENDPOINT = 'https://partner.example.com:8443';
const CHECK_IDENTITY = '/v2/partners/sub-customers/users/check-identity';
const BODY = { user_name: '张三', id_card: '11010519491231002X', flags: [1, 2], nested: { ok: true } };
const NOW = new Date('2025-06-01T10:20:30.000Z');

const secrets: Record<string, string> = { [AK]: SK };
const lookup = (ak: string): string | undefined => (Object.hasOwn(secrets, ak) ? secrets[ak] : undefined);

/** What a server sees: raw path, decoded query (repeated keys as arrays), lower-cased headers, raw body. */
function received(signed: HuaweiSignedRequest): SignedRequest {
  const url = new URL(signed.url);
  return {
    method: signed.method,
    path: url.pathname,
    query: queryOf(url.searchParams),
    headers: Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v])),
    body: signed.body ?? '',
  };
}

function queryOf(params: URLSearchParams): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const all = params.getAll(key);
    query[key] = all.length === 1 ? all[0]! : all;
  }
  return query;
}

async function signCheckIdentity(overrides: { date?: Date; url?: string; headers?: Record<string, string> } = {}) {
  return received(
    await signRequestWithHuaweiSdk({
      ak: AK,
      sk: SK,
      method: 'POST',
      url: overrides.url ?? `${ENDPOINT}${CHECK_IDENTITY}`,
      headers: { 'Content-Type': 'application/json', ...overrides.headers },
      body: BODY,
      date: overrides.date ?? NOW,
    }),
  );
}

const withHeader = (req: SignedRequest, name: string, value: string | undefined): SignedRequest => ({
  ...req,
  headers: { ...req.headers, [name]: value },
});

function expectNoSecret(result: SignatureCheck): void {
  expect(JSON.stringify(result)).not.toContain(SK);
}

describe('verifyHuaweiSignature against the official Huawei SDK signer', () => {
  it('accepts a request signed by the official Huawei signer', async () => {
    const req = await signCheckIdentity();
    expect(req.headers.authorization).toMatch(
      /^SDK-HMAC-SHA256 Access=HPUAEXAMPLEAK0000001, SignedHeaders=content-type;host;x-sdk-date, Signature=[0-9a-f]{64}$/,
    );
    expect(req.headers.host).toBe('partner.example.com:8443');
    expect(req.headers['x-sdk-date']).toBe('20250601T102030Z');
    expect(req.body).toBe(JSON.stringify(BODY));
    expect(verifyHuaweiSignature(req, lookup, NOW)).toEqual({ ok: true, accessKey: AK });
  });

  it("accepts a request signed with the SDK's own clock (no X-Sdk-Date supplied)", async () => {
    const signed = await signRequestWithHuaweiSdk({ ak: AK, sk: SK, method: 'POST', url: `${ENDPOINT}${CHECK_IDENTITY}`, body: BODY });
    expect(signed.headers['X-Sdk-Date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(verifyHuaweiSignature(received(signed), lookup, new Date())).toEqual({ ok: true, accessKey: AK });
  });

  it('accepts a signed request with a query string (repeated keys, spaces, reserved and non-ASCII characters)', async () => {
    const url = `${ENDPOINT}${CHECK_IDENTITY}?z=last&lang=zh-CN&tag=b&tag=a%20b&tag=%E4%B8%AD&q=a%2Bb%2Fc%3D%26~*'()!&empty=`;
    const req = await signCheckIdentity({ url });
    expect(req.query).toMatchObject({ tag: ['a b', 'b', '中'], q: "a+b/c=&~*'()!", empty: '' });
    expect(verifyHuaweiSignature(req, lookup, NOW)).toEqual({ ok: true, accessKey: AK });
    expect(verifyHuaweiSignature({ ...req, query: { ...req.query, lang: 'en-US' } }, lookup, NOW)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
    expect(verifyHuaweiSignature({ ...req, query: { ...req.query, extra: '1' } }, lookup, NOW)).toMatchObject({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('accepts extra signed headers, ordered the way the SDK orders them (localeCompare, not code units)', async () => {
    const req = await signCheckIdentity({ headers: { 'X-A_B': 'underscore', 'X-A-B': 'dash', 'X-A1': 'one', 'X-Request-Id': 'r-1' } });
    expect(parseAuthorization(req.headers.authorization)?.signedHeaders).toEqual([
      'content-type',
      'host',
      'x-a-b',
      'x-a1',
      'x-a_b',
      'x-request-id',
      'x-sdk-date',
    ]);
    expect(verifyHuaweiSignature(req, lookup, NOW)).toEqual({ ok: true, accessKey: AK });
  });

  it('treats the path with and without a trailing slash alike, as the SDK canonicalizes both to a trailing slash', async () => {
    const req = await signCheckIdentity();
    expect(verifyHuaweiSignature({ ...req, path: `${CHECK_IDENTITY}/` }, lookup, NOW)).toEqual({ ok: true, accessKey: AK });
  });

  it('accepts a percent-encoded path, taken raw as sent (the SDK re-encodes each segment, so %20 is signed as %2520)', async () => {
    const req = await signCheckIdentity({ url: `${ENDPOINT}/v2/a%20b/%E4%B8%AD/x~y.z_-` });
    expect(req.path).toBe('/v2/a%20b/%E4%B8%AD/x~y.z_-');
    expect(verifyHuaweiSignature(req, lookup, NOW)).toEqual({ ok: true, accessKey: AK });
    expect(verifyHuaweiSignature({ ...req, path: '/v2/a b/中/x~y.z_-' }, lookup, NOW)).toMatchObject({ reason: 'bad_signature' });
  });

  it('accepts the headers and body replayed over HTTP with fetch, as an end-to-end test would send them', async () => {
    const seen: { req?: IncomingMessage; body?: string } = {};
    const server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        seen.req = req;
        seen.body = body;
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const url = `http://127.0.0.1:${port}${CHECK_IDENTITY}?b=2&a=x%20y`;
      const body = JSON.stringify(BODY);
      const headers = await signWithHuaweiSdk({
        ak: AK,
        sk: SK,
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json' },
        body,
        date: NOW,
      });
      expect(headers.host).toBe(`127.0.0.1:${port}`);
      await (await fetch(url, { method: 'POST', headers, body })).text();

      const wire = new URL(seen.req!.url!, 'http://placeholder');
      const result = verifyHuaweiSignature(
        {
          method: seen.req!.method!,
          path: wire.pathname,
          query: queryOf(wire.searchParams),
          headers: Object.fromEntries(Object.entries(seen.req!.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v])),
          body: seen.body!,
        },
        lookup,
        NOW,
      );
      expect(result).toEqual({ ok: true, accessKey: AK });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('rejects a signature made with the wrong secret', async () => {
    const req = received(
      await signRequestWithHuaweiSdk({
        ak: AK,
        sk: 'not-the-secret',
        method: 'POST',
        url: `${ENDPOINT}${CHECK_IDENTITY}`,
        body: BODY,
        date: NOW,
      }),
    );
    const result = verifyHuaweiSignature(req, lookup, NOW);
    expect(result).toEqual({ ok: false, accessKey: AK, reason: 'bad_signature' });
    expectNoSecret(result);
  });

  it('rejects an unknown access key', async () => {
    const req = received(
      await signRequestWithHuaweiSdk({
        ak: 'UNKNOWNAK',
        sk: SK,
        method: 'POST',
        url: `${ENDPOINT}${CHECK_IDENTITY}`,
        body: BODY,
        date: NOW,
      }),
    );
    expect(verifyHuaweiSignature(req, lookup, NOW)).toEqual({ ok: false, accessKey: 'UNKNOWNAK', reason: 'unknown_key' });
  });

  it('rejects a tampered body', async () => {
    const req = await signCheckIdentity();
    const tampered = { ...req, body: req.body.replace('张三', '李四') };
    expect(verifyHuaweiSignature(tampered, lookup, NOW)).toEqual({ ok: false, accessKey: AK, reason: 'bad_signature' });
    expect(verifyHuaweiSignature({ ...req, body: `${req.body} ` }, lookup, NOW)).toMatchObject({ reason: 'bad_signature' });
  });

  it('rejects a tampered signed header, method or path', async () => {
    const req = await signCheckIdentity({ headers: { 'X-Request-Id': 'r-1' } });
    for (const [name, value] of [
      ['x-request-id', 'r-2'],
      ['content-type', 'text/plain'],
      ['host', 'evil.example.com:8443'],
      ['x-sdk-date', formatSdkDate(new Date(NOW.getTime() + 1000))],
      ['x-request-id', undefined],
    ] as const) {
      expect(verifyHuaweiSignature(withHeader(req, name, value), lookup, NOW)).toEqual({
        ok: false,
        accessKey: AK,
        reason: 'bad_signature',
      });
    }
    expect(verifyHuaweiSignature({ ...req, method: 'PUT' }, lookup, NOW)).toMatchObject({ reason: 'bad_signature' });
    expect(verifyHuaweiSignature({ ...req, path: '/v2/partners/sub-customers/users/check-identity2' }, lookup, NOW)).toMatchObject({
      reason: 'bad_signature',
    });
  });

  it('ignores unsigned headers', async () => {
    const req = await signCheckIdentity();
    expect(verifyHuaweiSignature(withHeader(req, 'user-agent', 'curl/8'), lookup, NOW)).toEqual({ ok: true, accessKey: AK });
  });

  it('rejects an X-Sdk-Date more than 15 minutes in the past or future and accepts one 14 minutes off', async () => {
    const minutes = (m: number) => new Date(NOW.getTime() + m * 60_000);
    expect(verifyHuaweiSignature(await signCheckIdentity({ date: minutes(-16) }), lookup, NOW)).toEqual({
      ok: false,
      accessKey: AK,
      reason: 'clock_skew',
    });
    expect(verifyHuaweiSignature(await signCheckIdentity({ date: minutes(16) }), lookup, NOW)).toEqual({
      ok: false,
      accessKey: AK,
      reason: 'clock_skew',
    });
    expect(verifyHuaweiSignature(await signCheckIdentity({ date: minutes(-14) }), lookup, NOW)).toEqual({ ok: true, accessKey: AK });
    expect(verifyHuaweiSignature(await signCheckIdentity({ date: minutes(14) }), lookup, NOW)).toEqual({ ok: true, accessKey: AK });
    expect(verifyHuaweiSignature(await signCheckIdentity(), lookup, new Date(Number.NaN))).toMatchObject({ reason: 'clock_skew' });
  });

  it('rejects a missing or non-strict X-Sdk-Date as malformed', async () => {
    const req = await signCheckIdentity();
    for (const date of [
      undefined,
      '2025-06-01T10:20:30Z',
      '20250601T102030',
      '20250631T102030Z',
      '20250601T246030Z',
      ' ',
      '２０２５0601T102030Z',
    ]) {
      expect(verifyHuaweiSignature(withHeader(req, 'x-sdk-date', date), lookup, NOW)).toEqual({
        ok: false,
        accessKey: AK,
        reason: 'malformed',
      });
    }
  });

  it('reports a missing Authorization header as missing and garbage as malformed, without throwing', async () => {
    const req = await signCheckIdentity();
    expect(verifyHuaweiSignature(withHeader(req, 'authorization', undefined), lookup, NOW)).toEqual({ ok: false, reason: 'missing' });
    expect(verifyHuaweiSignature(withHeader(req, 'authorization', '  '), lookup, NOW)).toEqual({ ok: false, reason: 'missing' });
    const auth = req.headers.authorization!;
    const garbage = [
      'Bearer abc.def.ghi',
      'SDK-HMAC-SHA256',
      'SDK-HMAC-SHA256 Access=, SignedHeaders=host;x-sdk-date, Signature=00',
      auth.replace('SDK-HMAC-SHA256', 'SDK-HMAC-SHA1'),
      auth.replace('Signature=', 'Signature=zz'),
      auth.replace('SignedHeaders=', 'SignedHeaders=Content-Type;'),
      auth.replace(/, Signature=.*$/, ''),
      `${auth}, Extra=1`,
      `SDK-HMAC-SHA256 Access=${'A'.repeat(1_000_000)}, SignedHeaders=host;x-sdk-date, Signature=00`,
      `SDK-HMAC-SHA256 Access=AK, SignedHeaders=${'a;'.repeat(200_000)}host, Signature=00`,
      'SDK-HMAC-SHA256 Access=АК😀, SignedHeaders=host;x-sdk-date, Signature=00',
      '\u0000\uD800\uFFFF',
    ];
    for (const value of garbage) {
      expect(() => verifyHuaweiSignature(withHeader(req, 'authorization', value), lookup, NOW)).not.toThrow();
      expect(verifyHuaweiSignature(withHeader(req, 'authorization', value), lookup, NOW)).toMatchObject({ ok: false, reason: 'malformed' });
    }
  });

  it('requires host and X-Sdk-Date among the signed headers, as the SDK always signs them', async () => {
    const req = await signCheckIdentity();
    const auth = req.headers.authorization!;
    for (const value of [auth.replace('host;', ''), auth.replace(';x-sdk-date', '')]) {
      expect(verifyHuaweiSignature(withHeader(req, 'authorization', value), lookup, NOW)).toEqual({
        ok: false,
        accessKey: AK,
        reason: 'malformed',
      });
    }
  });

  it('rejects signatures of a different length as bad_signature without throwing', async () => {
    const req = await signCheckIdentity();
    const signature = parseAuthorization(req.headers.authorization)!.signature;
    for (const other of [signature.slice(0, 63), `${signature}0`, signature + signature, '0', signature.toUpperCase()]) {
      const tampered = withHeader(req, 'authorization', req.headers.authorization!.replace(signature, other));
      expect(() => verifyHuaweiSignature(tampered, lookup, NOW)).not.toThrow();
      expect(verifyHuaweiSignature(tampered, lookup, NOW)).toEqual({ ok: false, accessKey: AK, reason: 'bad_signature' });
    }
  });

  it('never throws on hostile request shapes and never returns the secret', async () => {
    const req = await signCheckIdentity();
    const auth = req.headers.authorization!;
    const hostile: SignedRequest[] = [
      withHeader(req, 'authorization', auth.replace('SignedHeaders=', 'SignedHeaders=constructor;__proto__;')),
      { ...req, query: { k: '\uD800' } },
      { ...req, path: '/\uDFFF' },
      { ...req, path: '/a/\uD83D' },
      { ...req, method: 'P O S T' },
      withHeader(req, 'host', undefined),
    ];
    for (const r of hostile) {
      const result = verifyHuaweiSignature(r, lookup, NOW);
      expect(result.ok).toBe(false);
      expectNoSecret(result);
    }
    const throwingLookup = (): string | undefined => {
      throw new Error(`boom ${SK}`);
    };
    const result = verifyHuaweiSignature(req, throwingLookup, NOW);
    expect(result).toEqual({ ok: false, accessKey: AK, reason: 'malformed' });
    expectNoSecret(result);
  });

  it('refuses X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD on a JSON body, so a body swapped after signing is not accepted', async () => {
    const signed = await signRequestWithHuaweiSdk({
      ak: AK,
      sk: SK,
      method: 'POST',
      url: `${ENDPOINT}${CHECK_IDENTITY}`,
      headers: { 'Content-Type': 'application/json', 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD' },
      body: BODY,
      date: NOW,
    });
    const req = received(signed);
    expect(parseAuthorization(req.headers.authorization)?.signedHeaders).toContain('x-sdk-content-sha256');
    expect(req.headers['x-sdk-content-sha256']).toBe('UNSIGNED-PAYLOAD');
    const swapped = { ...req, body: JSON.stringify({ ...BODY, user_name: '李四' }) };
    expect(verifyHuaweiSignature(swapped, lookup, NOW)).toEqual({ ok: false, accessKey: AK, reason: 'unsigned_payload' });
    expect(verifyHuaweiSignature(req, lookup, NOW)).toEqual({ ok: false, accessKey: AK, reason: 'unsigned_payload' });
  });

  it('refuses UNSIGNED-PAYLOAD for other content types too (every operation reads its body), before checking the signature', async () => {
    const signed = await signRequestWithHuaweiSdk({
      ak: AK,
      sk: SK,
      method: 'POST',
      url: `${ENDPOINT}${CHECK_IDENTITY}`,
      headers: { 'Content-Type': 'text/plain' },
      body: 'hello',
      date: NOW,
    });
    expect(signed.headers['X-Sdk-Content-Sha256']).toBe('UNSIGNED-PAYLOAD');
    expect(verifyHuaweiSignature(received(signed), lookup, NOW)).toEqual({ ok: false, accessKey: AK, reason: 'unsigned_payload' });
  });

  it('checks a declared X-Sdk-Content-Sha256 hash against the body', async () => {
    const body = JSON.stringify(BODY);
    const digest = createHash('sha256').update(body, 'utf8').digest('hex');
    const req = received(
      await signRequestWithHuaweiSdk({
        ak: AK,
        sk: SK,
        method: 'POST',
        url: `${ENDPOINT}${CHECK_IDENTITY}`,
        headers: { 'Content-Type': 'application/json', 'X-Sdk-Content-Sha256': digest },
        body: BODY,
        date: NOW,
      }),
    );
    expect(verifyHuaweiSignature(req, lookup, NOW)).toEqual({ ok: true, accessKey: AK });
    expect(verifyHuaweiSignature({ ...req, body: `${body} ` }, lookup, NOW)).toEqual({ ok: false, accessKey: AK, reason: 'bad_signature' });
  });

  it('does not let an added unsigned X-Sdk-Content-Sha256 header exempt a signed JSON body', async () => {
    const req = await signCheckIdentity();
    const attack = withHeader({ ...req, body: '{"user_name":"x"}' }, 'x-sdk-content-sha256', 'UNSIGNED-PAYLOAD');
    expect(verifyHuaweiSignature(attack, lookup, NOW)).toEqual({ ok: false, accessKey: AK, reason: 'bad_signature' });
  });
});

/**
 * What a Node HTTP server sees of a request: serverless-offline builds the Lambda event's headers from Node's
 * `rawHeaders` (utils/parseHeaders + lowerCaseKeys), and Node reads header bytes as latin-1, one character per byte.
 */
async function receivedOverNodeHttp(send: (port: number) => Promise<void>): Promise<SignedRequest> {
  let seen: SignedRequest | undefined;
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const wire = new URL(req.url!, 'http://placeholder');
      const headers: Record<string, string> = {};
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers[req.rawHeaders[i]!.toLowerCase()] = req.rawHeaders[i + 1]!;
      seen = { method: req.method!, path: wire.pathname, query: queryOf(wire.searchParams), headers, body };
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await send((server.address() as AddressInfo).port);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  if (!seen) throw new Error('the server saw no request');
  return seen;
}

/** Sends the signed request over a raw socket with header values as UTF-8 bytes, as Go's net/http or curl put them on the wire. */
function sendUtf8Headers(port: number, signed: HuaweiSignedRequest): Promise<void> {
  const url = new URL(signed.url);
  const body = Buffer.from(signed.body ?? '', 'utf8');
  const head = [
    `${signed.method} ${url.pathname}${url.search} HTTP/1.1`,
    ...Object.entries(signed.headers).map(([name, value]) => `${name}: ${value}`),
    `Content-Length: ${body.length}`,
    'Connection: close',
    '',
    '',
  ].join('\r\n');
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(Buffer.concat([Buffer.from(head, 'utf8'), body])));
    socket.on('data', () => undefined);
    socket.on('end', resolve);
    socket.on('error', reject);
  });
}

describe('non-ASCII header values, verified as the official signer signs them (UTF-8) for what actually arrives', () => {
  const NAME = '张三 Zoë 😀';

  it('verifies a UTF-8 header value as serverless-offline delivers it (Node reads the bytes as latin-1)', async () => {
    const signed = await signRequestWithHuaweiSdk({
      ak: AK,
      sk: SK,
      method: 'POST',
      url: `${ENDPOINT}${CHECK_IDENTITY}`,
      headers: { 'Content-Type': 'application/json', 'X-Customer-Name': NAME },
      body: BODY,
      date: NOW,
    });
    expect(parseAuthorization(signed.headers.Authorization)?.signedHeaders).toContain('x-customer-name');
    const req = await receivedOverNodeHttp((port) => sendUtf8Headers(port, signed));
    expect(req.headers['x-customer-name']).toBe(Buffer.from(NAME, 'utf8').toString('latin1'));
    expect(verifyHuaweiSignature(req, lookup, NOW)).toEqual({ ok: true, accessKey: AK });
  });

  it('verifies a UTF-8 header value as API Gateway delivers it (decoded to Unicode)', async () => {
    const req = await signCheckIdentity({ headers: { 'X-Customer-Name': NAME } });
    expect(req.headers['x-customer-name']).toBe(NAME);
    expect(verifyHuaweiSignature(req, lookup, NOW)).toEqual({ ok: true, accessKey: AK });
  });

  it('verifies a latin-1 header value sent the way Node clients (the SDK itself, fetch) send it: one byte per character', async () => {
    const url = `http://127.0.0.1:1${CHECK_IDENTITY}`;
    const req = await receivedOverNodeHttp(async (port) => {
      const target = url.replace(':1/', `:${port}/`);
      const signed = await signRequestWithHuaweiSdk({
        ak: AK,
        sk: SK,
        method: 'POST',
        url: target,
        headers: { 'Content-Type': 'application/json', 'X-City': 'Zoë Münster' },
        body: BODY,
        date: NOW,
      });
      await (await fetch(signed.url, { method: 'POST', headers: signed.headers, body: signed.body })).text();
    });
    expect(req.headers['x-city']).toBe('Zoë Münster');
    expect(verifyHuaweiSignature(req, lookup, NOW)).toEqual({ ok: true, accessKey: AK });
  });

  it('refuses a non-ASCII header value changed after signing, however it arrives', async () => {
    const signed = await signRequestWithHuaweiSdk({
      ak: AK,
      sk: SK,
      method: 'POST',
      url: `${ENDPOINT}${CHECK_IDENTITY}`,
      headers: { 'Content-Type': 'application/json', 'X-Customer-Name': NAME },
      body: BODY,
      date: NOW,
    });
    const other = { ...signed, headers: { ...signed.headers, 'X-Customer-Name': '李四 Zoë 😀' } };
    const overNode = await receivedOverNodeHttp((port) => sendUtf8Headers(port, other));
    expect(verifyHuaweiSignature(overNode, lookup, NOW)).toEqual({ ok: false, accessKey: AK, reason: 'bad_signature' });
    expect(verifyHuaweiSignature(received(other), lookup, NOW)).toEqual({ ok: false, accessKey: AK, reason: 'bad_signature' });
  });
});

describe('query parameters named like Object.prototype members', () => {
  /** An HTTP API (payload 2.0) event for the signed request, turned into the pipeline's request by shared/request/incoming.ts. */
  const throughRequestNormalizer = (signed: HuaweiSignedRequest): SignedRequest => {
    const url = new URL(signed.url);
    const incoming = normalizeEvent({
      version: '2.0',
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers: signed.headers,
      body: signed.body,
      isBase64Encoded: false,
      requestContext: { http: { method: signed.method, path: url.pathname, sourceIp: '203.0.113.10' } },
    });
    return { method: incoming.method, path: incoming.path, query: incoming.query, headers: incoming.headers, body: incoming.rawBody ?? '' };
  };

  it('accepts a genuine signature over toString, valueOf and hasOwnProperty parameters, as the request normalizer delivers them', async () => {
    const signed = await signRequestWithHuaweiSdk({
      ak: AK,
      sk: SK,
      method: 'POST',
      url: `${ENDPOINT}${CHECK_IDENTITY}?toString=1&valueOf=v&hasOwnProperty=h&hasOwnProperty=g&a=b`,
      headers: { 'Content-Type': 'application/json' },
      body: BODY,
      date: NOW,
    });
    const req = throughRequestNormalizer(signed);
    expect(verifyHuaweiSignature(req, lookup, NOW)).toEqual({ ok: true, accessKey: AK });
    const tampered = throughRequestNormalizer({ ...signed, url: signed.url.replace('toString=1', 'toString=2') });
    expect(verifyHuaweiSignature(tampered, lookup, NOW)).toEqual({ ok: false, accessKey: AK, reason: 'bad_signature' });
  });

  /**
   * The official signer called directly (its HcClient front drops a `constructor` query parameter before signing),
   * with a query whose keys JSON.parse makes own properties, `__proto__` included.
   */
  const signQueryDirectly = (queryJson: string): Record<string, string> => {
    const headers = AKSKSigner.sign(
      {
        method: 'POST',
        endpoint: `${ENDPOINT}${CHECK_IDENTITY}`,
        headers: { 'content-type': 'application/json', 'X-Sdk-Date': formatSdkDate(NOW) },
        queryParams: JSON.parse(queryJson) as Record<string, string>,
        data: BODY,
      } as never,
      new BasicCredentials().withAk(AK).withSk(SK),
    ) as Record<string, string>;
    return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  };

  it('accepts a genuine signature over a constructor parameter, as the request normalizer delivers it', () => {
    const headers = signQueryDirectly('{"constructor":"c","a":"1"}');
    const signed = { method: 'POST', url: `${ENDPOINT}${CHECK_IDENTITY}?constructor=c&a=1`, headers, body: JSON.stringify(BODY) };
    expect(verifyHuaweiSignature(throughRequestNormalizer(signed), lookup, NOW)).toEqual({ ok: true, accessKey: AK });
  });

  it('accepts a genuine signature over a __proto__ parameter given a prototype-free query object', () => {
    const headers = signQueryDirectly('{"__proto__":"p","a":"1"}');
    // What shared/request/incoming.ts delivers once it builds the query on Object.create(null).
    const query = Object.assign(Object.create(null) as Record<string, string>, JSON.parse('{"__proto__":"p","a":"1"}'));
    const req: SignedRequest = { method: 'POST', path: CHECK_IDENTITY, query, headers, body: JSON.stringify(BODY) };
    expect(Object.keys(req.query)).toEqual(['__proto__', 'a']);
    expect(verifyHuaweiSignature(req, lookup, NOW)).toEqual({ ok: true, accessKey: AK });
    expect(verifyHuaweiSignature({ ...req, query: { a: '1' } }, lookup, NOW)).toMatchObject({ reason: 'bad_signature' });
  });
});

describe('parseAuthorization', () => {
  it('parses the header the SDK writes', () => {
    expect(
      parseAuthorization(`SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=content-type;host;x-sdk-date, Signature=${'ab'.repeat(32)}`),
    ).toEqual({
      accessKey: AK,
      signedHeaders: ['content-type', 'host', 'x-sdk-date'],
      signature: 'ab'.repeat(32),
    });
  });

  it('returns undefined for anything else', () => {
    for (const value of [undefined, '', 'SDK-HMAC-SHA256 Access=AK', 'x'.repeat(10_000)]) expect(parseAuthorization(value)).toBeUndefined();
  });
});
