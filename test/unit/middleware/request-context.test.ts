import { afterEach, describe, expect, it, vi } from 'vitest';
import { logger } from '../../../shared/observability.js';
import { chain, httpPost, NOW, PATH, RecordingAuditSink } from './support.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function stateOf(event: unknown, context: Record<string, unknown> = {}, defaultLanguage?: 'zh-CN' | 'en-US') {
  const c = chain([], undefined, defaultLanguage ? { defaultLanguage } : {});
  await c.invoke(event, context);
  expect(c.states).toHaveLength(1);
  return c.states[0]!;
}

/** The record the request's audit leaves, written to an in-memory sink. */
async function recordOf(state: Awaited<ReturnType<typeof stateOf>>) {
  const sink = new RecordingAuditSink();
  await state.audit.finish(sink, 'USG.000000000', 200);
  return sink.written[0]!;
}

afterEach(() => vi.restoreAllMocks());

describe('requestContext over HTTP', () => {
  it('reads the request once: headers lower-cased, raw body, source IP, the clock reading', async () => {
    const state = await stateOf(httpPost('{"user":"a@example.com"}', { 'X-Custom': 'v' }));
    expect(state.incoming).toMatchObject({ direct: false, method: 'POST', rawBody: '{"user":"a@example.com"}', sourceIp: '203.0.113.10' });
    expect(state.incoming.headers['x-custom']).toBe('v');
    expect(state.now).toBe(NOW);
    expect(state.caller).toBeUndefined();
    expect(state.input).toBeUndefined();
  });

  it('echoes a safe X-Request-Id and keys the audit record by the platform id, keeping the caller id beside it', async () => {
    const state = await stateOf(httpPost('{}', { 'X-Request-Id': 'abc-123' }), { awsRequestId: 'lambda-req-1' });
    expect(state.requestId).toBe('abc-123');
    expect(state.audit.requestId).toBe('lambda-req-1');
    expect(await recordOf(state)).toMatchObject({
      requestId: 'lambda-req-1',
      clientRequestId: 'abc-123',
      operation: 'sendVerificationCode',
      caller: 'anonymous',
      sourceIp: '203.0.113.10',
      at: NOW,
    });
  });

  it('uses the platform id when the caller sends none, and a fresh UUID when there is no platform id either', async () => {
    const platform = await stateOf(httpPost('{}'), { awsRequestId: 'lambda-req-2' });
    expect(platform.requestId).toBe('lambda-req-2');
    expect((await recordOf(platform)).clientRequestId).toBeUndefined();

    const first = await stateOf(httpPost('{}'));
    const second = await stateOf(httpPost('{}'));
    expect(first.requestId).toMatch(UUID);
    expect(second.requestId).toMatch(UUID);
    expect(first.requestId).not.toBe(second.requestId);
    expect(first.audit.requestId).toBe(first.requestId);
  });

  it.each([
    ['129 characters', 'a'.repeat(129)],
    ['8 KiB', 'x'.repeat(8192)],
    ['a space', 'abc 123'],
    ['a tab', 'abc\t123'],
    ['a path', 'id/../../etc'],
    ['markup', '<script>alert(1)</script>'],
    ['SQL', "' OR 1=1 --"],
    ['a comma', 'id,other'],
    ['unicode', 'ид-запроса'],
    ['nothing', ''],
  ])('replaces an unsafe X-Request-Id (%s) by the platform id and stores nothing of it', async (_label, unsafe) => {
    const state = await stateOf(httpPost('{}', { 'x-request-id': unsafe }), { awsRequestId: 'lambda-req-3' });
    expect(state.requestId).toBe('lambda-req-3');
    const record = await recordOf(state);
    expect(record.clientRequestId).toBeUndefined();
    if (unsafe) expect(JSON.stringify(record)).not.toContain(unsafe);
  });

  it('accepts the whole safe alphabet up to 128 characters', async () => {
    const id = `A-z_0.9:${'x'.repeat(120)}`;
    expect(id).toHaveLength(128);
    expect((await stateOf(httpPost('{}', { 'X-Request-Id': id }), { awsRequestId: 'lambda-req-4' })).requestId).toBe(id);
  });

  it.each([
    [undefined, 'zh-CN', 'zh-CN'],
    [undefined, 'en-US', 'en-US'],
    ['en-US', 'zh-CN', 'en-US'],
    ['en', 'zh-CN', 'en-US'],
    ['zh-TW', 'en-US', 'zh-CN'],
    ['fr-FR', 'en-US', 'en-US'],
    ['fr-FR', 'zh-CN', 'zh-CN'],
    ['zh-CN;q=0.5, en-US;q=0.6', 'zh-CN', 'en-US'],
    ['zh-CN;Q=0.1, en-US;Q=0.8', 'zh-CN', 'en-US'],
    ['zh-CN;q=0, en-US', 'zh-CN', 'en-US'],
    ['en-US;q=0.3, zh-CN;q=0.9', 'en-US', 'zh-CN'],
    ['*', 'en-US', 'en-US'],
    ['en-US;q=banana', 'zh-CN', 'zh-CN'],
  ] as const)('Accept-Language %s with default %s → %s', async (header, fallback, expected) => {
    const headers: Record<string, string> = header === undefined ? {} : { 'Accept-Language': header };
    expect((await stateOf(httpPost('{}', headers), {}, fallback)).language).toBe(expected);
  });

  it('adds the id the caller sees and the operation to every log line of the request', async () => {
    const append = vi.spyOn(logger, 'appendKeys');
    await stateOf(httpPost('{}', { 'X-Request-Id': 'log-me-1' }), { awsRequestId: 'lambda-req-5' });
    expect(append).toHaveBeenCalledWith({ requestId: 'log-me-1', operation: 'sendVerificationCode' });
  });
});

describe('requestContext and the access log', () => {
  it("adds API Gateway's request id, the source address, the user agent, the method and the path to every log line of an HTTP request", async () => {
    const append = vi.spyOn(logger, 'appendKeys');
    const event = httpPost('{}', { 'User-Agent': 'partner-sdk/1.2' });
    (event.requestContext as Record<string, unknown>).requestId = 'apigw-req-7';
    await stateOf(event, { awsRequestId: 'lambda-req-7' });
    expect(append).toHaveBeenCalledWith({
      apiRequestId: 'apigw-req-7',
      ip: '203.0.113.10',
      userAgent: 'partner-sdk/1.2',
      httpMethod: 'POST',
      path: PATH,
    });
  });

  it('adds none of them for a direct invocation', async () => {
    const append = vi.spyOn(logger, 'appendKeys');
    await stateOf({ user: 'a@example.com' }, { awsRequestId: 'lambda-req-8' });
    expect(append.mock.calls.flatMap((c) => Object.keys(c[0] ?? {}))).not.toContain('apiRequestId');
  });
});

describe('requestContext for a direct invocation', () => {
  it('takes the plain body as the event, headers from its `headers`, caller direct, no source IP', async () => {
    const state = await stateOf(
      { user: 'a@example.com', headers: { 'X-Request-Id': 'sfn-exec-42', 'Accept-Language': 'en-US' } },
      { awsRequestId: 'lambda-req-6' },
    );
    expect(state.incoming).toMatchObject({ direct: true, rawBody: undefined, directBody: { user: 'a@example.com' }, sourceIp: undefined });
    expect(state.requestId).toBe('sfn-exec-42');
    expect(state.language).toBe('en-US');
    expect(await recordOf(state)).toMatchObject({
      requestId: 'lambda-req-6',
      clientRequestId: 'sfn-exec-42',
      caller: 'direct',
      sourceIp: undefined,
    });
  });

  it('starts a request for any event, even one that is not an object', async () => {
    for (const event of ['just a string', 42, null, [1, 2]]) {
      const state = await stateOf(event);
      expect(state.incoming.direct).toBe(true);
      expect(state.incoming.directBody).toEqual(event);
      expect(state.requestId).toMatch(UUID);
      expect(state.language).toBe('zh-CN');
    }
  });
});
