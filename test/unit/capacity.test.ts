// Issue 17's numbers held together (shared/policy.ts): the shared counters' shards hold the design's
// ceilings within DynamoDB's per-item limits and the configuration cannot ask for more; a request's time
// budget fits its DynamoDB attempts and its answer; and what a failed call says about capacity.
import { describe, expect, it } from 'vitest';
import { capacityFault } from '../../shared/capacity.js';
import {
  ANSWER_RESERVE_MS,
  CAPACITY_RETRY_AFTER_SECONDS,
  DYNAMODB_ATTEMPT_TIMEOUT_MS,
  DYNAMODB_MAX_ATTEMPTS,
  DYNAMODB_SDK_BACKOFF_MS,
  HOUR_MS,
  PARTNER_CALLS_PER_SECOND_CEILING,
  PARTNER_REQUESTS_PER_SECOND,
  REQUEST_BUDGET_MS,
  RETURN_RESERVE_MS,
  SECOND_MS,
  SHARD_WRITES_PER_SECOND,
  SMS_HOURLY_BUDGET_PER_COUNTRY,
  SMS_SENDS_PER_SECOND_CEILING,
  TRANSACTION_CONFLICT_RETRY,
} from '../../shared/policy.js';
import { PARTNER_RATE } from '../../shared/store/partner-rate.js';
import { shardCapacity, shardCount } from '../../shared/store/sharded-counter.js';
import { COUNTRY_BUDGET } from '../../shared/store/country-budget.js';

/** DynamoDB's limits: writes a second one item takes, and keys one BatchGetItem reads. */
const ITEM_WRITES_PER_SECOND = 1000;
const BATCH_GET_MAX_KEYS = 100;

describe('shared counters', () => {
  it('split every limit into shards whose capacities sum to it exactly, none empty', () => {
    for (const kind of [COUNTRY_BUDGET, PARTNER_RATE]) {
      for (const limit of [1, 2, 3, 7, 10, 19, 20, 21, 99, 100, 101, 1000, 9999, 10_000, 1_000_003]) {
        const k = shardCount(kind, limit);
        const capacities = Array.from({ length: k }, (_, i) => shardCapacity(limit, k, i));
        expect(capacities.reduce((a, b) => a + b, 0)).toBe(limit);
        expect(Math.min(...capacities)).toBeGreaterThanOrEqual(1);
        expect(Math.max(...capacities) - Math.min(...capacities)).toBeLessThanOrEqual(1);
      }
    }
  });

  it("hold the design's ceilings (5,000 sends a second to a country, 10,000 calls a second of a partner) within an item's writes", () => {
    expect(SHARD_WRITES_PER_SECOND).toBeLessThanOrEqual(ITEM_WRITES_PER_SECOND / 2);
    expect(SMS_SENDS_PER_SECOND_CEILING).toBeGreaterThanOrEqual(5000);
    expect(PARTNER_CALLS_PER_SECOND_CEILING).toBeGreaterThanOrEqual(10_000);
    const smsShards = shardCount(COUNTRY_BUDGET, SMS_HOURLY_BUDGET_PER_COUNTRY.max);
    expect(SMS_SENDS_PER_SECOND_CEILING / smsShards).toBeLessThanOrEqual(SHARD_WRITES_PER_SECOND);
    const partnerShards = shardCount(PARTNER_RATE, PARTNER_REQUESTS_PER_SECOND.max);
    expect(PARTNER_REQUESTS_PER_SECOND.max / partnerShards).toBeLessThanOrEqual(SHARD_WRITES_PER_SECOND);
    // One BatchGetItem reads every shard before a refusal.
    expect(Math.max(smsShards, partnerShards)).toBeLessThanOrEqual(BATCH_GET_MAX_KEYS);
  });

  it('take no setting the design cannot hold: a partner rate above the ceiling, an hourly budget the shards could not spend at it', () => {
    expect(PARTNER_REQUESTS_PER_SECOND.max).toBe(PARTNER_CALLS_PER_SECOND_CEILING);
    expect(SMS_HOURLY_BUDGET_PER_COUNTRY.max).toBeLessThanOrEqual((SMS_SENDS_PER_SECOND_CEILING * HOUR_MS) / SECOND_MS);
  });
});

describe('the request budget', () => {
  const workMs = REQUEST_BUDGET_MS.default - ANSWER_RESERVE_MS;

  it("is SPEC §6's 3 s, of which the work leaves time for the answer", () => {
    expect(REQUEST_BUDGET_MS.default).toBe(3 * SECOND_MS);
    expect(ANSWER_RESERVE_MS - RETURN_RESERVE_MS).toBeGreaterThanOrEqual(DYNAMODB_ATTEMPT_TIMEOUT_MS.default);
  });

  it("fits every DynamoDB attempt of a call and the SDK's longest waits between them in the work, stalled or throttled", () => {
    const waits = (first: number) => Array.from({ length: DYNAMODB_MAX_ATTEMPTS - 1 }, (_, i) => first * 2 ** i).reduce((a, b) => a + b, 0);
    expect(DYNAMODB_MAX_ATTEMPTS * DYNAMODB_ATTEMPT_TIMEOUT_MS.default + waits(DYNAMODB_SDK_BACKOFF_MS.first)).toBeLessThanOrEqual(workMs);
    expect(waits(DYNAMODB_SDK_BACKOFF_MS.throttled)).toBeLessThan(workMs);
  });

  it('runs a whole transaction at most 3 times, with waits that fit the work', () => {
    expect(TRANSACTION_CONFLICT_RETRY.attempts).toBeLessThanOrEqual(3);
    expect(TRANSACTION_CONFLICT_RETRY.maxDelayMs * (TRANSACTION_CONFLICT_RETRY.attempts - 1)).toBeLessThan(workMs / 4);
  });
});

describe('capacityFault', () => {
  const error = (name: string, fields: Record<string, unknown> = {}) => Object.assign(new Error(name), { name, ...fields });
  const answered = { $metadata: { httpStatusCode: 400 } };

  it.each([
    ['ThrottlingException', 'throttled'],
    ['ProvisionedThroughputExceededException', 'throttled'],
    ['RequestLimitExceeded', 'throttled'],
    ['ShardsUnread', 'throttled'],
    ['TransactionConflictException', 'contended'],
    ['AbortError', 'unanswered'],
    ['TimeoutError', 'unanswered'],
    ['UnansweredWrite', 'unanswered'],
    ['SendOutcomeUnknown', 'unanswered'],
    ['TransactionInProgressException', 'unanswered'],
  ])('%s → %s', (name, fault) => {
    expect(capacityFault(error(name, answered))).toBe(fault);
  });

  it('reads a cancelled transaction by its reasons: throttled, conflicting, or a failed condition (no capacity fault)', () => {
    const cancelled = (...codes: string[]) =>
      error('TransactionCanceledException', { ...answered, CancellationReasons: codes.map((Code) => ({ Code })) });
    expect(capacityFault(cancelled('None', 'ThrottlingError'))).toBe('throttled');
    expect(capacityFault(cancelled('None', 'TransactionConflict', 'None'))).toBe('contended');
    expect(capacityFault(cancelled('ConditionalCheckFailed', 'None'))).toBeUndefined();
  });

  it('takes a dropped connection without an answer for no answer, and nothing else for capacity', () => {
    expect(capacityFault(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe('unanswered');
    expect(capacityFault(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET', ...answered }))).toBeUndefined();
    for (const other of [
      new TypeError('x is undefined'),
      error('ValidationException', answered),
      error('ResourceNotFoundException', answered),
      'text',
      undefined,
    ]) {
      expect(capacityFault(other)).toBeUndefined();
    }
  });

  it('has a Retry-After for every fault', () => {
    for (const seconds of Object.values(CAPACITY_RETRY_AFTER_SECONDS)) expect(seconds).toBeGreaterThanOrEqual(1);
  });
});
