// What the middleware unit tests share: events as API Gateway and a direct invoker send them, plain
// in-memory implementations of the ports a middleware talks to, and a tiny middy chain to run one in.
import middy, { type MiddlewareObj } from '@middy/core';
import { expect } from 'vitest';
import type { Context } from 'aws-lambda';
import { apiGatewayEvent } from '../../../dev/support/events.js';
import type { AuditRecord, AuditSink } from '../../../shared/audit/request-audit.js';
import type { OperationInternal, OperationState } from '../../../shared/middleware/operation-state.js';
import { requestContext } from '../../../shared/middleware/request-context.js';
import type { HttpResponse } from '../../../shared/middleware/family-response.js';
import { ServiceError } from '../../../shared/errors.js';

export const PATH = '/v1/usg/acs/verifycode/send';
export const NOW = new Date('2026-03-01T08:00:00.000Z');
export const clock = () => NOW;

/** A REST API (payload 1.0) POST whose body is sent exactly as given, `application/json` unless told otherwise. */
export function httpPost(body: string | undefined, headers: Record<string, string> = {}): Record<string, unknown> {
  return apiGatewayEvent({ path: PATH, body, headers: { 'content-type': 'application/json', ...headers } });
}

/** The same without a content type at all. */
export const httpPostWithoutContentType = (body: string, headers: Record<string, string> = {}) =>
  apiGatewayEvent({ path: PATH, body, headers });

/** The audit port, in memory: what a request left, in order. */
export class RecordingAuditSink implements AuditSink {
  readonly written: AuditRecord[] = [];
  readonly amended: Array<{ record: AuditRecord; outcome: string; status: number }> = [];
  /** Makes the next `n` calls fail as a stalled table would. */
  failNext = 0;
  /** Called inside each write, e.g. to look at the budget it runs in. */
  onWrite: (() => void) | undefined;

  async write(record: AuditRecord): Promise<void> {
    this.onWrite?.();
    this.failIfTold();
    this.written.push(record);
  }

  async amend(record: AuditRecord, outcome: string, status: number): Promise<void> {
    this.failIfTold();
    this.amended.push({ record, outcome, status });
  }

  private failIfTold(): void {
    if (this.failNext <= 0) return;
    this.failNext--;
    throw Object.assign(new Error('the table did not answer'), { name: 'TimeoutError' });
  }
}

export type Middleware = MiddlewareObj<unknown, unknown, Error, Context, OperationInternal>;

export interface ChainOptions {
  /** Run requestContext (default), as every public operation does. */
  withRequestContext?: boolean;
  /** Used before requestContext, as publicOperation uses the answer's mapping and the log: their `after`/`onError` run last. */
  outer?: Middleware[];
  defaultLanguage?: 'zh-CN' | 'en-US';
}

/**
 * A tiny middy chain: `outer`, requestContext (which the others read), `middlewares`, then `handler`. `states`
 * holds the request's state as the handler was about to run, one per invocation that got that far.
 */
export function chain(
  middlewares: Middleware[],
  handler: (event: unknown) => Promise<unknown> = async () => ({ ok: true }),
  o: ChainOptions = {},
) {
  const states: OperationState[] = [];
  const h = middy<unknown, unknown, Error, Context, OperationInternal>();
  for (const m of o.outer ?? []) h.use(m);
  if (o.withRequestContext !== false) {
    h.use(requestContext({ operation: 'sendVerificationCode', defaultLanguage: o.defaultLanguage ?? 'zh-CN', clock }));
  }
  for (const m of middlewares) h.use(m);
  h.use({
    before: async (request) => {
      if (request.internal.operation) states.push(request.internal.operation);
    },
  });
  const run = h.handler((event) => handler(event));
  return { invoke: (event: unknown, context: Partial<Context> = {}) => run(event, context as Context), states };
}

export const asHttp = (result: unknown): HttpResponse => result as HttpResponse;
export const bodyJson = (result: unknown): Record<string, unknown> => JSON.parse(asHttp(result).body) as Record<string, unknown>;

/** What `promise` was rejected with; fails the test when it was not. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  const outcome = await promise.then(
    (value: unknown) => ({ resolved: value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) expect.fail(`expected a rejection, got ${JSON.stringify(outcome.resolved)}`);
  return outcome.error;
}

/** The ServiceError `promise` was rejected with (a refusal a middleware throws for the family's mapping). */
export async function serviceErrorOf(promise: Promise<unknown>): Promise<ServiceError> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(ServiceError);
  return error as ServiceError;
}
