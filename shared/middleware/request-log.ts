import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Family } from '../errors.js';
import { countMetric, logger } from '../observability.js';
import { failureAnswer, successCode } from './answer.js';
import type { OperationInternal } from './operation-state.js';

/** One log line per request (masked subject only), and the unexpected error in full for operators. */
export function requestLog(opts: { family: Family }): MiddlewareObj<unknown, unknown, Error, Context, OperationInternal> {
  const options = { ...opts };
  const done = (request: { internal: OperationInternal }, status: number, code: string) => {
    const state = request.internal.operation;
    logger.info('request done', {
      status,
      code,
      caller: state?.audit.caller,
      subject: state?.audit.subjectMasked,
      latencyMs: state?.audit.elapsedMs(),
    });
  };
  return {
    after: async (request) => done(request, 200, successCode(options.family)),
    onError: async (request) => {
      const err = request.error;
      const answer = failureAnswer(err, options.family);
      if (answer.capacity) countMetric('CapacityUnavailable');
      if (!answer.known) {
        countMetric('ServerErrors');
        logger.error('unhandled error', {
          error: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err),
        });
      } else if (answer.known.detail) {
        logger.info('request refused', { code: answer.code, detail: answer.known.detail });
      }
      done(request, answer.status, answer.code);
    },
  };
}
