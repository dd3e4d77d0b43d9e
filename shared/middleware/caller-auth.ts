import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { callerLabel, type Authenticator } from '../request/operation-context.js';
import { stateOf, type OperationInternal } from './operation-state.js';

/**
 * Checks an HTTP caller's credentials before anything looks at the body, so an anonymous caller
 * learns nothing about our validation. A direct invocation is trusted: IAM authenticated it.
 */
export function callerAuth(authenticate: Authenticator): MiddlewareObj<unknown, unknown, Error, Context, OperationInternal> {
  return {
    before: async (request) => {
      const state = stateOf(request);
      if (state.incoming.direct) return;
      state.caller = await authenticate(state.incoming, { now: state.now, requestId: state.requestId });
      state.audit.caller = callerLabel(state.caller);
    },
  };
}
