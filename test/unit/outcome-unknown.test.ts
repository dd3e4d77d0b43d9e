import { describe, expect, it } from 'vitest';
import { outcomeUnknown } from '../../shared/store/client.js';

const answered = (name: string, status: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

describe('outcomeUnknown', () => {
  it('knows the outcome of a call DynamoDB answered, even with an error', () => {
    expect(outcomeUnknown(answered('TransactionCanceledException', 400))).toBe(false);
    expect(outcomeUnknown(answered('InternalServerError', 500))).toBe(false);
  });

  it('does not know it when no answer came: a timeout, an abort, a dropped connection', () => {
    expect(outcomeUnknown(Object.assign(new Error('timed out'), { name: 'TimeoutError' }))).toBe(true);
    expect(outcomeUnknown(Object.assign(new Error('aborted'), { name: 'AbortError', $metadata: {} }))).toBe(true);
    expect(outcomeUnknown(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
  });

  it('does not know it when a retry met its first attempt still in progress (that attempt may commit)', () => {
    expect(outcomeUnknown(answered('TransactionInProgressException', 400))).toBe(true);
  });

  it('is not fooled by something that is not an error', () => {
    expect(outcomeUnknown('boom')).toBe(false);
  });
});
