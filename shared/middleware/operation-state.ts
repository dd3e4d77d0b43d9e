import type { Context } from 'aws-lambda';
import type { MiddlewareObj, Request } from '@middy/core';
import type { RequestAudit } from '../audit/request-audit.js';
import type { Language } from '../errors.js';
import type { IncomingRequest } from '../request/incoming.js';
import { withinRequestBudget } from '../deadline.js';
import { FUNCTION_TIMEOUT_MS } from '../policy.js';
import type { AuthenticatedCaller, PublicOperationContext } from '../request/operation-context.js';

/** The state of one public-operation request, shared by its middlewares through middy's `internal`. */
export interface OperationState {
  incoming: IncomingRequest;
  requestId: string;
  language: Language;
  /** The caller's Accept-Language, most wanted first (shared/request/language.ts): what a message is written in. */
  acceptedLanguages: readonly string[];
  now: Date;
  audit: RequestAudit;
  /** The authenticated caller, once `callerAuth` ran (never for a direct invocation). */
  caller?: AuthenticatedCaller;
  /** The validated input, once `validateInput` ran. */
  input?: unknown;
}

export type OperationInternal = { operation?: OperationState };
export type OperationRequest = Request<unknown, unknown, Error, Context, OperationInternal>;

/** The request's state; a middleware that needs it runs after `requestContext`, which creates it. */
export function stateOf(request: OperationRequest): OperationState {
  const state = request.internal.operation;
  if (!state) throw new Error('requestContext middleware has not run for this request');
  return state;
}

/** What the handler of a public operation receives once every `before` has run. */
export interface OperationCall<I = unknown> {
  input: I;
  ctx: PublicOperationContext;
}

/**
 * Last `before`: hands the handler its validated input and context as its event, the way middy's
 * own parsers replace the event's body with what they parsed.
 */
export function operationCall(): MiddlewareObj<unknown, unknown, Error, Context, OperationInternal> {
  return {
    before: async (request) => {
      const state = stateOf(request);
      const ctx: PublicOperationContext = {
        requestId: state.requestId,
        now: state.now,
        audit: state.audit,
        language: state.language,
        acceptedLanguages: state.acceptedLanguages,
        direct: state.incoming.direct,
        sourceIp: state.incoming.sourceIp,
        caller: state.caller,
      };
      request.event = { input: state.input, ctx } satisfies OperationCall;
    },
  };
}

/**
 * A function's exported handler. Lambda always passes a context; a caller in the same process (a
 * test, the bench) may leave it out and gets an empty one.
 */
export type LambdaHandler = (event: unknown, context?: Context) => Promise<unknown>;

/**
 * The entry every function exports: the middy chain run within the request's time budget: what the
 * Lambda context says is left before the function's timeout (the configured timeout when called
 * in-process without one), and at most `budgetMs`.
 */
export function lambdaEntry(handler: object, timeoutMs = FUNCTION_TIMEOUT_MS, budgetMs = Infinity): LambdaHandler {
  // A middyfied handler is callable with (event, context); its type also lists middy's own options.
  const call = handler as (event: unknown, context: Context) => Promise<unknown>;
  return (event, context) => {
    const ctx = context ?? ({} as Context);
    const remainingMs = typeof ctx.getRemainingTimeInMillis === 'function' ? ctx.getRemainingTimeInMillis() : timeoutMs;
    return withinRequestBudget(remainingMs, () => call(event, ctx), budgetMs);
  };
}
