import { describe, expect, it } from 'vitest';
import { ServiceError } from '../../../shared/errors.js';
import { failureAnswer, successCode } from '../../../shared/middleware/answer.js';

describe('failureAnswer', () => {
  it("answers a ServiceError with its own code and status, and keeps it for the envelope's fields", () => {
    const error = new ServiceError('USG.201050003', { retryAfterSeconds: 30 });
    expect(failureAnswer(error, 'USG')).toEqual({ code: 'USG.201050003', status: 429, known: error });
    const cbc = new ServiceError('APIG.0301');
    expect(failureAnswer(cbc, 'CBC')).toEqual({ code: 'APIG.0301', status: 401, known: cbc });
  });

  it('answers anything else with the family 500 and keeps nothing of it', () => {
    for (const thrown of [new Error('boom'), new TypeError('x is undefined'), 'a string', undefined, null, { code: 'CBC.0100' }]) {
      expect(failureAnswer(thrown, 'CBC')).toEqual({ code: 'CBC.0999', status: 500, known: undefined });
      expect(failureAnswer(thrown, 'USG')).toEqual({ code: 'USG.000000500', status: 500, known: undefined });
    }
  });

  it('does not take an error that only looks like a ServiceError for one', () => {
    const lookalike = Object.assign(new Error('USG.000000001'), { name: 'ServiceError', code: 'USG.000000001', status: 400 });
    expect(failureAnswer(lookalike, 'USG')).toEqual({ code: 'USG.000000500', status: 500, known: undefined });
  });
});

describe('successCode', () => {
  it("is the family's own", () => {
    expect(successCode('CBC')).toBe('CBC.0000');
    expect(successCode('USG')).toBe('USG.000000000');
  });
});
