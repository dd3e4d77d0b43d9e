import { describe, expect, it } from 'vitest';
import { ServiceError } from '../../../shared/errors.js';
import { failureAnswer, successCode } from '../../../shared/middleware/answer.js';

describe('failureAnswer', () => {
  it("answers a ServiceError with its own code and status, and keeps it for the envelope's fields", () => {
    const error = new ServiceError('USG.201050003', { retryAfterSeconds: 30 });
    expect(failureAnswer(error, 'USG')).toEqual({ code: 'USG.201050003', status: 429, known: error, capacity: false });
    const cbc = new ServiceError('APIG.0301');
    expect(failureAnswer(cbc, 'CBC')).toEqual({ code: 'APIG.0301', status: 401, known: cbc, capacity: false });
  });

  it('answers anything else with the family 500 and keeps nothing of it', () => {
    for (const thrown of [new Error('boom'), new TypeError('x is undefined'), 'a string', undefined, null, { code: 'CBC.0100' }]) {
      expect(failureAnswer(thrown, 'CBC')).toEqual({ code: 'CBC.0999', status: 500, known: undefined, capacity: false });
      expect(failureAnswer(thrown, 'USG')).toEqual({ code: 'USG.000000500', status: 500, known: undefined, capacity: false });
    }
  });

  it('does not take an error that only looks like a ServiceError for one', () => {
    const lookalike = Object.assign(new Error('USG.000000001'), { name: 'ServiceError', code: 'USG.000000001', status: 400 });
    expect(failureAnswer(lookalike, 'USG')).toEqual({ code: 'USG.000000500', status: 500, known: undefined, capacity: false });
  });

  it("answers DynamoDB's capacity (throttled, contended, no answer) with the family 503, Retry-After and the fault for the audit", () => {
    const throttled = Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
      name: 'ProvisionedThroughputExceededException',
      $metadata: { httpStatusCode: 400 },
    });
    const answer = failureAnswer(throttled, 'CBC');
    expect([answer.code, answer.status, answer.capacity, answer.known?.retryAfterSeconds]).toEqual(['CBC.0503', 503, true, 1]);
    expect(answer.known?.audit).toEqual({ capacity: 'throttled', error: 'ProvisionedThroughputExceededException' });
    const stalled = failureAnswer(Object.assign(new Error('aborted'), { name: 'AbortError' }), 'USG');
    expect([stalled.code, stalled.status, stalled.known?.retryAfterSeconds, stalled.known?.audit]).toEqual([
      'USG.000000503',
      503,
      5,
      { capacity: 'unanswered', error: 'AbortError' },
    ]);
  });
});

describe('successCode', () => {
  it("is the family's own", () => {
    expect(successCode('CBC')).toBe('CBC.0000');
    expect(successCode('USG')).toBe('USG.000000000');
  });
});
