import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { AuditSink } from '../audit/request-audit.js';
import type { Family } from '../errors.js';
import { logger } from '../observability.js';
import { failureAnswer, successCode } from './answer.js';
import { type OperationInternal } from './operation-state.js';

/**
 * Leaves exactly one audit record per request: after success, or after a failure with the code the
 * caller is answered with (and the facts a ServiceError carries for the audit).
 */
export function auditTrail(opts: { family: Family; sink: () => AuditSink }): MiddlewareObj<unknown, unknown, Error, Context, OperationInternal> {
  const options = { ...opts };
  return {
    after: async (request) => {
      const state = request.internal.operation;
      if (state) await state.audit.finish(options.sink(), successCode(options.family), 200);
    },
    onError: async (request) => {
      const state = request.internal.operation;
      if (!state) return;
      const answer = failureAnswer(request.error, options.family);
      try {
        await state.audit.finish(options.sink(), answer.code, answer.status, answer.known?.audit);
      } catch (auditError) {
        logger.error('audit write failed', { error: auditError instanceof Error ? auditError.name : String(auditError) });
      }
    },
  };
}
