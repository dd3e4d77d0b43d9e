import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { invalidParameters, type Family } from '../errors.js';
import { bodyOf } from './json-body.js';
import { stateOf, type OperationInternal } from './operation-state.js';

/** Validates the body against the operation's zod schema; a mismatch is the family's 400. */
export function validateInput(opts: { family: Family; schema: z.ZodMiniType }): MiddlewareObj<unknown, unknown, Error, Context, OperationInternal> {
  const options = { ...opts };
  return {
    before: async (request) => {
      const state = stateOf(request);
      const body = bodyOf(request);
      if (state.incoming.direct && (typeof body !== 'object' || body === null))
        throw invalidParameters(options.family, 'direct invocation event is not an object');
      const result = options.schema.safeParse(body);
      if (!result.success) throw invalidParameters(options.family, z.prettifyError(result.error));
      state.input = result.data;
    },
  };
}
