import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { budgetSignal, inAnswerPhase, requestEndsAt } from '../../../shared/deadline.js';
import { callerAuth } from '../../../shared/middleware/caller-auth.js';
import {
  lambdaEntry,
  operationCall,
  stateOf,
  type OperationCall,
  type OperationRequest,
} from '../../../shared/middleware/operation-state.js';
import { validateInput } from '../../../shared/middleware/validate-input.js';
import { ANSWER_RESERVE_MS, FUNCTION_TIMEOUT_MS, RETURN_RESERVE_MS } from '../../../shared/policy.js';
import type { AuthenticatedCaller } from '../../../shared/request/operation-context.js';
import * as z from 'zod/mini';
import { jsonBody } from '../../../shared/middleware/json-body.js';
import { chain, httpPost, NOW } from './support.js';

describe('stateOf', () => {
  it('refuses to run a middleware before requestContext created the state', () => {
    const request = { event: {}, context: {}, response: undefined, error: undefined, internal: {} } as unknown as OperationRequest;
    expect(() => stateOf(request)).toThrow('requestContext middleware has not run for this request');
  });
});

describe('operationCall', () => {
  const Input = z.strictObject({ user: z.string() });

  /** The chain of a public operation up to its handler, with an app caller `caller`. */
  function calling(caller: AuthenticatedCaller) {
    const events: OperationCall[] = [];
    const c = chain(
      [callerAuth(async () => caller), jsonBody({ family: 'USG' }), validateInput({ family: 'USG', schema: Input }), operationCall()],
      async (event) => void events.push(event as OperationCall),
    );
    return { c, events };
  }

  it("hands the handler the validated input and the request's context as its event", async () => {
    const { c, events } = calling({ kind: 'app', subject: 'app-1' });
    await c.invoke(httpPost('{"user":"a@example.com"}', { 'X-Request-Id': 'call-1', 'Accept-Language': 'en-US' }));
    expect(events).toHaveLength(1);
    const { input, ctx } = events[0]!;
    expect(input).toEqual({ user: 'a@example.com' });
    expect(ctx).toEqual({
      requestId: 'call-1',
      now: NOW,
      audit: c.states[0]!.audit,
      language: 'en-US',
      acceptedLanguages: ['en-us'],
      direct: false,
      sourceIp: '203.0.113.10',
      caller: { kind: 'app', subject: 'app-1' },
    });
  });

  it('tells the handler a direct invocation is one: trusted, no caller, no source address', async () => {
    const { c, events } = calling({ kind: 'app', subject: 'never' });
    await c.invoke({ user: 'a@example.com' });
    expect(events[0]!.input).toEqual({ user: 'a@example.com' });
    expect(events[0]!.ctx).toMatchObject({ direct: true, caller: undefined, sourceIp: undefined, language: 'zh-CN' });
  });
});

describe('lambdaEntry', () => {
  it('runs the request within what Lambda says is left: work ends ANSWER_RESERVE_MS before, the answer RETURN_RESERVE_MS before', async () => {
    const remainingMs = ANSWER_RESERVE_MS + 80;
    const seen: Record<string, unknown> = {};
    const entry = lambdaEntry(async () => {
      const endsAt = requestEndsAt()!;
      seen.endsIn = endsAt - Date.now();
      const work = budgetSignal()!;
      const started = Date.now();
      await new Promise((resolve) => work.addEventListener('abort', resolve, { once: true }));
      seen.workEndedAfter = Date.now() - started;
      seen.reason = (work.reason as Error).name;
      await inAnswerPhase(async () => {
        seen.answerAborted = budgetSignal()!.aborted;
      });
      return 'answered';
    });
    const context = { getRemainingTimeInMillis: () => remainingMs } as unknown as Context;
    expect(await entry({}, context)).toBe('answered');
    expect(seen.endsIn).toBeGreaterThan(remainingMs - 50);
    expect(seen.endsIn).toBeLessThanOrEqual(remainingMs);
    expect(seen.workEndedAfter).toBeGreaterThanOrEqual(60);
    expect(seen.workEndedAfter).toBeLessThan(1000);
    expect(seen.reason).toBe('TimeoutError');
    expect(seen.answerAborted).toBe(false);
  });

  it('ends the answer phase too, RETURN_RESERVE_MS before the timeout', async () => {
    const remainingMs = RETURN_RESERVE_MS + 80;
    let answerEndedAfter = 0;
    const entry = lambdaEntry(async () => {
      const started = Date.now();
      await inAnswerPhase(async () => {
        const answer = budgetSignal()!;
        await new Promise((resolve) => answer.addEventListener('abort', resolve, { once: true }));
      });
      answerEndedAfter = Date.now() - started;
    });
    await entry({}, { getRemainingTimeInMillis: () => remainingMs } as unknown as Context);
    expect(answerEndedAfter).toBeGreaterThanOrEqual(60);
    expect(answerEndedAfter).toBeLessThan(1000);
  });

  it('gives a caller in the same process (no context) the configured timeout and an empty context', async () => {
    const contexts: unknown[] = [];
    let endsIn = 0;
    const entry = lambdaEntry(async (_event: unknown, context: unknown) => {
      contexts.push(context);
      endsIn = requestEndsAt()! - Date.now();
    });
    await entry({ any: 'event' });
    expect(contexts).toEqual([{}]);
    expect(endsIn).toBeGreaterThan(FUNCTION_TIMEOUT_MS - 50);
    expect(endsIn).toBeLessThanOrEqual(FUNCTION_TIMEOUT_MS);

    const short = lambdaEntry(async () => {
      endsIn = requestEndsAt()! - Date.now();
    }, 4_000);
    await short({});
    expect(endsIn).toBeGreaterThan(3_950);
    expect(endsIn).toBeLessThanOrEqual(4_000);
  });

  it('passes the event and Lambda context on unchanged and returns what the handler answers', async () => {
    const context = { awsRequestId: 'lambda-7', getRemainingTimeInMillis: () => 5_000 } as unknown as Context;
    const entry = lambdaEntry(async (event: unknown, ctx: Context) => ({ event, id: ctx.awsRequestId }));
    expect(await entry({ user: 'a' }, context)).toEqual({ event: { user: 'a' }, id: 'lambda-7' });
  });

  it('lets a stalled call end with the budget, not with the Lambda timeout', async () => {
    const entry = lambdaEntry(async () => {
      await sleep(10_000, undefined, { signal: budgetSignal() });
    });
    const started = Date.now();
    await expect(entry({}, { getRemainingTimeInMillis: () => ANSWER_RESERVE_MS + 50 } as unknown as Context)).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
