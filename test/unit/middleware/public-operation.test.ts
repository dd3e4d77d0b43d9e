import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { budgetSignal } from '../../../shared/deadline.js';
import { ServiceError } from '../../../shared/errors.js';
import { OperationError } from '../../../shared/middleware/family-response.js';
import { publicOperation } from '../../../shared/middleware/public-operation.js';
import { logger } from '../../../shared/observability.js';
import { ANSWER_RESERVE_MS, REQUEST_BUDGET_MS } from '../../../shared/policy.js';
import type {
  AuthenticatedCaller,
  Authenticator,
  CallerRateLimit,
  PublicOperationContext,
} from '../../../shared/request/operation-context.js';
import { asHttp, bodyJson, clock, httpPost, NOW, RecordingAuditSink, rejectionOf } from './support.js';

const Input = z.strictObject({ search_type: z.enum(['name', 'email']), search_value: z.string().check(z.minLength(1)) });
const VALID = JSON.stringify({ search_type: 'name', search_value: 'ceshiyonghu001' });
const config = { requestBudgetMs: REQUEST_BUDGET_MS.default };

/** Partners by token, and a limit of `perCall` answers decided in advance (undefined: admitted). */
function checkIdentityLike(
  o: { run?: (input: z.output<typeof Input>, ctx: PublicOperationContext) => Promise<unknown>; refuse?: number } = {},
) {
  const audit = new RecordingAuditSink();
  const authenticated: string[] = [];
  const admitted: AuthenticatedCaller[] = [];
  const runs: Array<{ input: unknown; ctx: PublicOperationContext }> = [];
  const authenticate: Authenticator = async (request) => {
    const token = request.headers['x-auth-token'];
    if (!token) throw new ServiceError('CBC.0151', { detail: 'no credentials' });
    authenticated.push(token);
    return { kind: 'partner-token', subject: token };
  };
  const flowControl: CallerRateLimit = {
    refusal: 'CBC.0250',
    admit: async (caller) => {
      if (o.refuse !== undefined) return o.refuse;
      admitted.push(caller);
      return undefined;
    },
  };
  const handler = publicOperation(
    {
      operation: 'checkIdentity',
      authenticate,
      flowControl,
      input: Input,
      run: async (input, ctx) => {
        runs.push({ input, ctx });
        return o.run ? o.run(input, ctx) : { check_result: 'available' };
      },
      present: (result) => ({ error_code: 'CBC.0000', error_msg: 'success', ...(result as object) }),
    },
    { audit, clock, config },
  );
  return { handler, audit, authenticated, admitted, runs };
}

const lambdaContext = (awsRequestId: string, remainingMs = 10_000) =>
  ({ awsRequestId, getRemainingTimeInMillis: () => remainingMs }) as unknown as Context;

afterEach(() => vi.restoreAllMocks());

describe('publicOperation over HTTP', () => {
  it('authenticates, holds the caller to its rate, validates, runs and presents: one 200 and one record', async () => {
    const op = checkIdentityLike();
    const result = asHttp(
      await op.handler(httpPost(VALID, { 'X-Auth-Token': 'partner-1', 'X-Request-Id': 'req-ok' }), lambdaContext('lambda-ok')),
    );
    expect(result.statusCode).toBe(200);
    expect(result.headers['x-request-id']).toBe('req-ok');
    expect(bodyJson(result)).toEqual({ error_code: 'CBC.0000', error_msg: 'success', check_result: 'available' });
    expect(op.authenticated).toEqual(['partner-1']);
    expect(op.admitted).toEqual([{ kind: 'partner-token', subject: 'partner-1' }]);
    expect(op.runs).toHaveLength(1);
    expect(op.runs[0]!.input).toEqual({ search_type: 'name', search_value: 'ceshiyonghu001' });
    expect(op.runs[0]!.ctx).toMatchObject({
      requestId: 'req-ok',
      now: NOW,
      language: 'en-US',
      direct: false,
      caller: { kind: 'partner-token', subject: 'partner-1' },
    });
    expect(op.audit.written.map((r) => [r.requestId, r.clientRequestId, r.caller, r.outcome, r.status])).toEqual([
      ['lambda-ok', 'req-ok', 'partner-token:partner-1', 'CBC.0000', 200],
    ]);
  });

  it('checks credentials before anything looks at the body', async () => {
    const op = checkIdentityLike();
    const result = asHttp(await op.handler(httpPost('{"search_type":', { 'content-type': 'text/plain' }), lambdaContext('lambda-anon')));
    expect(result.statusCode).toBe(403);
    expect(bodyJson(result)).toEqual({ error_code: 'CBC.0151', error_msg: 'Access denied.' });
    expect(op.runs).toEqual([]);
    expect(op.audit.written.map((r) => [r.caller, r.outcome, r.status])).toEqual([['anonymous', 'CBC.0151', 403]]);
  });

  it('refuses a caller over its rate with 429 and Retry-After, before reading the body, audited once', async () => {
    const op = checkIdentityLike({ refuse: 700 });
    const result = asHttp(await op.handler(httpPost('not even json', { 'X-Auth-Token': 'partner-2' }), lambdaContext('lambda-429')));
    expect(result.statusCode).toBe(429);
    expect(result.headers['retry-after']).toBe('1');
    expect(bodyJson(result)).toEqual({ error_code: 'CBC.0250', error_msg: 'Flow control. Try again later.', retry_after: 1 });
    expect(op.runs).toEqual([]);
    expect(op.audit.written.map((r) => [r.caller, r.outcome, r.status])).toEqual([['partner-token:partner-2', 'CBC.0250', 429]]);
  });

  it.each([
    ['malformed JSON', '{"search_type":"name",', undefined],
    ['a wrong content type', VALID, 'text/plain'],
    ['a huge body', JSON.stringify({ search_type: 'name', search_value: 'x'.repeat(64 * 1024) }), undefined],
    ['an unknown field', JSON.stringify({ search_type: 'name', search_value: 'a', extra: 1 }), undefined],
    ['a missing field', JSON.stringify({ search_type: 'name' }), undefined],
  ])('answers %s with 400 CBC.0100 in the language asked for, audited once, without running', async (_label, body, contentType) => {
    const op = checkIdentityLike();
    const headers: Record<string, string> = { 'X-Auth-Token': 'partner-3', 'Accept-Language': 'zh-CN' };
    if (contentType) headers['content-type'] = contentType;
    const result = asHttp(await op.handler(httpPost(body, headers), lambdaContext('lambda-400')));
    expect(result.statusCode).toBe(400);
    expect(bodyJson(result)).toEqual({ error_code: 'CBC.0100', error_msg: '参数错误。' });
    expect(op.runs).toEqual([]);
    expect(op.audit.written.map((r) => [r.outcome, r.status])).toEqual([['CBC.0100', 400]]);
  });

  it('answers an unexpected failure with 500 CBC.0999 and nothing of it; the operator gets it in the log', async () => {
    const errors = vi.spyOn(logger, 'error');
    const op = checkIdentityLike({
      run: async () => {
        throw new Error('ValidationException: one or more parameter values were invalid (table verigate-prod)');
      },
    });
    const result = asHttp(await op.handler(httpPost(VALID, { 'X-Auth-Token': 'partner-4' }), lambdaContext('lambda-500')));
    expect(result.statusCode).toBe(500);
    expect(bodyJson(result)).toEqual({ error_code: 'CBC.0999', error_msg: 'Other errors.' });
    expect(result.body).not.toContain('verigate-prod');
    expect(op.audit.written.map((r) => [r.outcome, r.status])).toEqual([['CBC.0999', 500]]);
    expect(errors).toHaveBeenCalledWith(
      'unhandled error',
      expect.objectContaining({ error: expect.objectContaining({ message: expect.stringContaining('verigate-prod') }) }),
    );
  });

  it('ends a request whose dependency stalls within its budget: the family 503, audited, long before the Lambda timeout', async () => {
    const op = checkIdentityLike({
      run: async () => {
        await sleep(60_000, undefined, { signal: budgetSignal() });
      },
    });
    const started = Date.now();
    const result = asHttp(
      await op.handler(httpPost(VALID, { 'X-Auth-Token': 'partner-5' }), lambdaContext('lambda-stall', ANSWER_RESERVE_MS + 150)),
    );
    expect(Date.now() - started).toBeLessThan(ANSWER_RESERVE_MS);
    // A stalled dependency is capacity (SPEC §2): 503 with Retry-After, not a 500.
    expect([result.statusCode, result.headers['retry-after']]).toEqual([503, '5']);
    expect(bodyJson(result).error_code).toBe('CBC.0503');
    expect(op.audit.written.map((r) => [r.requestId, r.outcome, r.status])).toEqual([['lambda-stall', 'CBC.0503', 503]]);
  });

  it('answers 500 when the success could not be recorded: nothing is acknowledged without its record', async () => {
    const op = checkIdentityLike();
    op.audit.failNext = 1;
    const result = asHttp(await op.handler(httpPost(VALID, { 'X-Auth-Token': 'partner-6' }), lambdaContext('lambda-unrecorded')));
    expect(result.statusCode).toBe(500);
    expect(op.audit.written.map((r) => [r.outcome, r.status])).toEqual([['CBC.0999', 500]]);
  });

  it('runs as a test or the bench calls it, with no Lambda context', async () => {
    const op = checkIdentityLike();
    const result = asHttp(await op.handler(httpPost(VALID, { 'X-Auth-Token': 'partner-7' })));
    expect(result.statusCode).toBe(200);
    expect(op.audit.written).toHaveLength(1);
    expect(op.audit.written[0]!.requestId).toBe(result.headers['x-request-id']);
  });
});

describe('publicOperation for a direct invocation', () => {
  it('skips caller auth and flow control, and returns the presented body', async () => {
    const op = checkIdentityLike({ refuse: 1000 });
    const answer = await op.handler(
      { search_type: 'name', search_value: 'ceshiyonghu001', headers: { 'x-request-id': 'sfn-1' } },
      lambdaContext('lambda-direct'),
    );
    expect(answer).toEqual({ error_code: 'CBC.0000', error_msg: 'success', check_result: 'available' });
    expect(op.authenticated).toEqual([]);
    expect(op.runs[0]!.ctx).toMatchObject({ direct: true, caller: undefined, requestId: 'sfn-1' });
    expect(op.audit.written.map((r) => [r.requestId, r.clientRequestId, r.caller, r.outcome])).toEqual([
      ['lambda-direct', 'sfn-1', 'direct', 'CBC.0000'],
    ]);
  });

  it('throws an error named by the code for a bad event, audited once', async () => {
    const op = checkIdentityLike();
    const error = await rejectionOf(
      op.handler({ search_type: 'phone', search_value: 'x', headers: { 'accept-language': 'zh-CN' } }, lambdaContext('lambda-direct-400')),
    );
    expect(error).toBeInstanceOf(OperationError);
    expect(error).toMatchObject({ name: 'CBC.0100', message: '参数错误。' });
    expect(op.audit.written.map((r) => [r.caller, r.outcome, r.status])).toEqual([['direct', 'CBC.0100', 400]]);
  });

  it('throws CBC.0100 for an event that is not an object', async () => {
    const op = checkIdentityLike();
    await expect(op.handler('check ceshiyonghu001', lambdaContext('lambda-direct-str'))).rejects.toMatchObject({ name: 'CBC.0100' });
    expect(op.audit.written).toHaveLength(1);
  });
});

describe('publicOperation of the USG family', () => {
  it('answers in Chinese by default with request_id in the body, and runs an operation that checks its own proof', async () => {
    const audit = new RecordingAuditSink();
    const handler = publicOperation(
      {
        operation: 'sendVerificationCode',
        authenticate: undefined,
        input: z.strictObject({ user: z.string() }),
        run: async () => {
          throw new ServiceError('USG.000000006', { detail: 'no pass' });
        },
      },
      { audit, clock, config },
    );
    const result = asHttp(await handler(httpPost('{"user":"a@example.com"}', { 'X-Request-Id': 'usg-req' }), lambdaContext('lambda-usg')));
    expect(result.statusCode).toBe(403);
    expect(bodyJson(result)).toEqual({
      error_code: 'USG.000000006',
      error_msg: '图形验证令牌缺失、无效、已过期或已被使用。',
      request_id: 'usg-req',
    });
    expect(audit.written.map((r) => [r.caller, r.outcome, r.status])).toEqual([['anonymous', 'USG.000000006', 403]]);
  });

  it('answers the output itself when the spec presents nothing', async () => {
    const handler = publicOperation(
      {
        operation: 'verifyVerificationCode',
        authenticate: undefined,
        input: z.strictObject({ contact: z.string() }),
        run: async () => ({}),
      },
      { audit: new RecordingAuditSink(), clock, config },
    );
    const result = asHttp(await handler(httpPost('{"contact":"a@example.com"}')));
    expect(result.statusCode).toBe(200);
    expect(result.body).toBe('{}');
  });
});
