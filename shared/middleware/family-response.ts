import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { messageFor, type Family } from '../errors.js';
import { CORS_EXPOSED_HEADERS, grantedOrigin } from '../request/cors.js';
import { failureAnswer } from './answer.js';
import type { OperationInternal, OperationState } from './operation-state.js';

/** An API Gateway proxy answer. */
export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** The error a direct invocation throws: `name` is the code, so a state machine can Catch on it. */
export class OperationError extends Error {
  constructor(
    code: string,
    message: string,
    readonly fields: Record<string, unknown>,
  ) {
    super(message);
    this.name = code;
  }
}

function headers(state: OperationState, allowedOrigins: readonly string[], retryAfterSeconds?: number): Record<string, string> {
  // API Gateway answers the preflight (an OPTIONS method of the REST API); the answer itself must grant the
  // page too, or the browser hides it. Where some origin may be granted, the answer depends on Origin.
  const origin = grantedOrigin(state.incoming.headers.origin, allowedOrigins);
  return {
    'content-type': 'application/json;charset=UTF-8',
    'x-request-id': state.requestId,
    'cache-control': 'no-store',
    ...(allowedOrigins.length ? { vary: 'Origin' } : {}),
    ...(origin === undefined
      ? {}
      : { 'access-control-allow-origin': origin, 'access-control-expose-headers': CORS_EXPOSED_HEADERS.join(', ') }),
    ...(retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) }),
  };
}

/**
 * The answer in the family's shape, mapped once and last: over HTTP a response with the request id
 * (and the family's error envelope on failure); to a direct invocation the body itself, or an
 * error named by its code. An unexpected error is never described to the caller.
 */
export function familyResponse(opts: {
  family: Family;
  /** Browser origins granted by the answer (CORS_ALLOWED_ORIGINS); none by default. */
  allowedOrigins?: readonly string[];
}): MiddlewareObj<unknown, unknown, Error, Context, OperationInternal> {
  const options = { allowedOrigins: [] as readonly string[], ...opts };
  return {
    after: async (request) => {
      const state = request.internal.operation;
      if (!state || state.incoming.direct) return;
      const body = request.response;
      request.response = {
        statusCode: 200,
        headers: headers(state, options.allowedOrigins),
        body: body === undefined ? '' : JSON.stringify(body),
      } satisfies HttpResponse;
    },
    onError: async (request) => {
      const state = request.internal.operation;
      if (!state) return; // the request never started: nothing sane to answer with, let it fail
      const answer = failureAnswer(request.error, options.family);
      const message = messageFor(answer.code, state.language);
      const fields = answer.known?.fields ?? {};
      if (state.incoming.direct) {
        request.response = undefined;
        request.error = new OperationError(answer.code, message, fields);
        return;
      }
      const envelope =
        options.family === 'USG'
          ? { error_code: answer.code, error_msg: message, request_id: state.requestId, ...fields }
          : { error_code: answer.code, error_msg: message, ...fields };
      request.error = null;
      request.response = {
        statusCode: answer.status,
        headers: headers(state, options.allowedOrigins, answer.known?.retryAfterSeconds),
        body: JSON.stringify(envelope),
      } satisfies HttpResponse;
    },
  };
}
