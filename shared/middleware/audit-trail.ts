import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { AuditNotStoredError, type AuditSink } from '../audit/request-audit.js';
import { inAnswerPhase } from '../deadline.js';
import type { Family } from '../errors.js';
import { logger } from '../observability.js';
import { failureAnswer, successCode } from './answer.js';
import { type OperationInternal } from './operation-state.js';

/** A record the table could not take (a stalled or dead DynamoDB) goes to the log, so no request is left unrecorded. */
export function logUnstoredAudit(error: unknown): void {
  if (error instanceof AuditNotStoredError) logger.error('audit record not stored; logged instead', { audit: error.record, error: error.message });
  else logger.error('audit write failed', { error: error instanceof Error ? error.name : String(error) });
}

/**
 * Leaves exactly one audit record per request: after success, or after a failure with the code the
 * caller is answered with (and the facts a ServiceError carries for the audit), written in the
 * answer phase of the request's budget.
 */
export function auditTrail(opts: { family: Family; sink: () => AuditSink }): MiddlewareObj<unknown, unknown, Error, Context, OperationInternal> {
  const options = { ...opts };
  return {
    after: async (request) => {
      const state = request.internal.operation;
      if (state) await inAnswerPhase(() => state.audit.finish(options.sink(), successCode(options.family), 200));
    },
    onError: async (request) => {
      const state = request.internal.operation;
      if (!state) return;
      const answer = failureAnswer(request.error, options.family);
      try {
        await inAnswerPhase(() => state.audit.finish(options.sink(), answer.code, answer.status, answer.known?.audit));
      } catch (auditError) {
        logUnstoredAudit(auditError);
      }
    },
  };
}
