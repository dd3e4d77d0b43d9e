import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { ServiceError } from '../errors.js';
import { countMetric } from '../observability.js';
import type { CallerRateLimit } from '../request/operation-context.js';
import { stateOf, type OperationInternal } from './operation-state.js';

/**
 * Holds an authenticated caller to its rate, right after authentication and before the body is read:
 * only the caller's own requests count (a forger's refused ones never reach it), and a refused request
 * costs nothing further. A direct invocation has no caller (IAM authenticated it) and is not limited.
 */
export function flowControl(opts: CallerRateLimit): MiddlewareObj<unknown, unknown, Error, Context, OperationInternal> {
  const options = { ...opts };
  return {
    before: async (request) => {
      const state = stateOf(request);
      if (!state.caller) return;
      const retryMs = await options.admit(state.caller, state.now);
      if (retryMs === undefined) return;
      countMetric('FlowControlled');
      throw new ServiceError(options.refusal, { detail: 'caller over its request rate', retryAfterSeconds: retryMs / 1000 });
    },
  };
}
