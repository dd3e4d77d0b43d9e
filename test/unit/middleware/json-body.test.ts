import { describe, expect, it } from 'vitest';
import { bodyOf, jsonBody } from '../../../shared/middleware/json-body.js';
import { MAX_BODY_BYTES } from '../../../shared/policy.js';
import { chain, httpPost, httpPostWithoutContentType, serviceErrorOf, type Middleware } from './support.js';

/** A chain whose handler answers with the body jsonBody left for it (as validateInput reads it). */
function parsing(o: { family?: 'CBC' | 'USG'; maxBytes?: number } = {}) {
  const bodies: unknown[] = [];
  const reader: Middleware = { before: async (request) => void bodies.push(bodyOf(request)) };
  const c = chain([jsonBody({ family: o.family ?? 'USG', ...(o.maxBytes === undefined ? {} : { maxBytes: o.maxBytes }) }), reader]);
  return { invoke: c.invoke, bodies };
}

/** The family's 400, with the reason kept for the logs. */
const refusal = (event: unknown, o: { family?: 'CBC' | 'USG'; maxBytes?: number } = {}) => serviceErrorOf(parsing(o).invoke(event));

describe('jsonBody', () => {
  it('parses a JSON object sent as application/json, unicode and all', async () => {
    const p = parsing();
    await p.invoke(httpPost('{"user":"用户@例子.公司","n":1,"nested":{"a":[1,2]}}'));
    expect(p.bodies).toEqual([{ user: '用户@例子.公司', n: 1, nested: { a: [1, 2] } }]);
  });

  it.each([
    'application/json',
    'application/json;charset=UTF-8',
    'application/json; charset=utf-8',
    'application/json ; charset=utf-8',
    'Application/JSON',
    'APPLICATION/JSON; charset=UTF-8',
  ])('accepts the content type %s (media types are case-insensitive)', async (contentType) => {
    const p = parsing();
    await p.invoke(httpPost('{"a":1}', { 'content-type': contentType }));
    expect(p.bodies).toEqual([{ a: 1 }]);
  });

  it("finds the content type whatever the case of its header name (a REST API event keeps the client's)", async () => {
    const p = parsing();
    const restEvent = {
      path: '/v1/usg/acs/verifycode/send',
      httpMethod: 'POST',
      headers: { 'CONTENT-TYPE': 'application/json' },
      requestContext: { identity: { sourceIp: '198.51.100.9' } },
      body: '{"user":"a@example.com"}',
      isBase64Encoded: false,
    };
    await p.invoke(restEvent);
    expect(p.bodies).toEqual([{ user: 'a@example.com' }]);
  });

  it('reads a base64-encoded body as API Gateway delivers a binary one', async () => {
    const p = parsing();
    const event = { ...httpPost(Buffer.from('{"user":"名前"}').toString('base64')), isBase64Encoded: true };
    await p.invoke(event);
    expect(p.bodies).toEqual([{ user: '名前' }]);
  });

  it.each([
    ['text/plain', 'text/plain'],
    ['form-urlencoded', 'application/x-www-form-urlencoded'],
    ['json-patch+json', 'application/json-patch+json'],
    ['a json look-alike', 'application/jsonp'],
    ['multipart', 'multipart/form-data; boundary=x'],
  ])('refuses the content type %s with the family 400', async (_label, contentType) => {
    const error = await refusal(httpPost('{"a":1}', { 'content-type': contentType }));
    expect(error.code).toBe('USG.000000001');
    expect(error.detail).toBe('content type is not application/json');
  });

  it('refuses a body sent without a content type', async () => {
    expect((await refusal(httpPostWithoutContentType('{"a":1}'))).detail).toBe('content type is not application/json');
  });

  it('answers in the family it serves: CBC.0100 for check-identity', async () => {
    expect((await refusal(httpPost('{', {}), { family: 'CBC' })).code).toBe('CBC.0100');
  });

  it.each([
    ['truncated', '{"user":"a"'],
    ['trailing garbage', '{"user":"a"}x'],
    ['single quotes', "{'user':'a'}"],
    ['a byte order mark before it', '\ufeff{"user":"a"}'],
    ['a comment', '{"user":"a" /* hi */}'],
  ])('refuses malformed JSON (%s)', async (_label, raw) => {
    const error = await refusal(httpPost(raw));
    expect(error).toMatchObject({ code: 'USG.000000001', detail: 'body is not valid JSON', status: 400 });
  });

  it.each([
    ['an array', '[{"user":"a"}]'],
    ['a string', '"{\\"user\\":\\"a\\"}"'],
    ['null', 'null'],
    ['a number', '42'],
    ['true', 'true'],
    ['deeply nested arrays', `${'['.repeat(4000)}${']'.repeat(4000)}`],
  ])('refuses a JSON body that is not an object (%s)', async (_label, raw) => {
    expect((await refusal(httpPost(raw))).detail).toBe('body is not a JSON object');
  });

  it.each([
    ['no body', undefined],
    ['an empty body', ''],
    ['whitespace', ' \n\t '],
  ])('refuses %s', async (_label, raw) => {
    expect((await refusal(httpPost(raw))).detail).toBe('empty body');
  });

  it('takes a body of exactly 8 KiB and refuses one byte more, counting bytes, not characters', async () => {
    const exact = (bytes: number) => `{"p":"${'x'.repeat(bytes - 8)}"}`;
    expect(Buffer.byteLength(exact(MAX_BODY_BYTES))).toBe(MAX_BODY_BYTES);
    const p = parsing();
    await p.invoke(httpPost(exact(MAX_BODY_BYTES)));
    expect(p.bodies).toHaveLength(1);
    expect((await refusal(httpPost(exact(MAX_BODY_BYTES + 1)))).detail).toBe(`body larger than ${MAX_BODY_BYTES} bytes`);

    // 2,800 characters of three bytes each: fewer characters than the limit, more bytes.
    const wide = `{"p":"${'验'.repeat(2800)}"}`;
    expect(wide.length).toBeLessThan(MAX_BODY_BYTES);
    expect((await refusal(httpPost(wide))).detail).toBe(`body larger than ${MAX_BODY_BYTES} bytes`);
  });

  it('refuses a huge body before parsing it, whitespace padding included', async () => {
    const huge = `{"a":1}${' '.repeat(9 * 1024)}`;
    expect((await refusal(httpPost(huge))).detail).toBe(`body larger than ${MAX_BODY_BYTES} bytes`);
    const megabyte = `{"p":"${'x'.repeat(1024 * 1024)}"}`;
    expect((await refusal(httpPost(megabyte))).detail).toBe(`body larger than ${MAX_BODY_BYTES} bytes`);
  });

  it('takes its limit from options', async () => {
    const body = '{"p":"0123456789"}';
    expect((await refusal(httpPost(body), { maxBytes: body.length - 1 })).detail).toBe(`body larger than ${body.length - 1} bytes`);
    const p = parsing({ maxBytes: body.length });
    await p.invoke(httpPost(body));
    expect(p.bodies).toEqual([{ p: '0123456789' }]);
  });

  it('keeps __proto__ and constructor as plain data, polluting nothing', async () => {
    const p = parsing();
    await p.invoke(httpPost('{"user":"a","__proto__":{"isAdmin":true},"constructor":{"prototype":{"isAdmin":true}}}'));
    const body = p.bodies[0] as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['__proto__', 'constructor', 'user']);
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('leaves a direct invocation alone: its event already is the body, whatever its content type', async () => {
    const p = parsing();
    await p.invoke({ user: 'a@example.com', headers: { 'content-type': 'text/plain' } });
    expect(p.bodies).toEqual([{ user: 'a@example.com' }]);
  });
});
