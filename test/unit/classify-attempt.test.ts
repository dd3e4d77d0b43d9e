import { describe, expect, it } from 'vitest';
import { classifyAttempt, DESTINATION_FAILURE_RUN, DESTINATION_WINDOWS, type DestinationState } from '../../shared/store/destinations.js';
import { REQUESTER_FAILURES_WINDOW } from '../../shared/store/verify-attempts.js';
import { MAX_WRONG_TRIES_PER_CODE } from '../../shared/policy.js';

const NOW = Date.parse('2025-06-01T10:00:00.000Z');
const HASH = 'hash-of-the-right-code';
const OTHER = 'hash-of-another-code!!';

/** Slots of a window filled with the given times, newest first. */
const slots = (prefix: string, times: number[]) => Object.fromEntries(times.map((t, i) => [`${prefix}${i + 1}`, t]));
const live = (over: DestinationState = {}): DestinationState => ({
  codeHash: HASH,
  codeExpiresAt: NOW + 120_000,
  codeWrongTries: 0,
  ...over,
});
const times = (n: number, first: number, step: number) => Array.from({ length: n }, (_, i) => first - i * step);
/** The destination's failure run: `count` failures, the last at `last`. */
const failureRun = (count: number, last: number) => ({ [DESTINATION_FAILURE_RUN.count]: count, [DESTINATION_FAILURE_RUN.last]: last });

describe('classifyAttempt', () => {
  it('uses the SPEC limits: 5 attempts per 60 s, 10 failures per requester and 100 per destination in 24 h, 5 wrong tries per code', () => {
    expect(DESTINATION_WINDOWS.attempts).toMatchObject({ limit: 5, windowMs: 60_000 });
    expect(REQUESTER_FAILURES_WINDOW).toMatchObject({ limit: 10, windowMs: 86_400_000 });
    expect(DESTINATION_FAILURE_RUN).toMatchObject({ limit: 100, windowMs: 86_400_000 });
    expect(MAX_WRONG_TRIES_PER_CODE).toBe(5);
  });

  it('finds no code when there is no item', () => {
    expect(classifyAttempt(undefined, HASH, NOW)).toEqual({ kind: 'no_code' });
  });

  it('finds no code on an item without a code (consumed or withdrawn)', () => {
    expect(classifyAttempt({ verifiedAt: NOW - 1000, ...slots('va', [NOW - 1000]) }, HASH, NOW)).toEqual({ kind: 'no_code' });
  });

  it('judges a different hash on a live code wrong and hands back the state', () => {
    const state = live();
    expect(classifyAttempt(state, OTHER, NOW)).toEqual({ kind: 'wrong', state });
  });

  it('throws on the same hash on a live code: the conditional write should have succeeded, so store and rules disagree', () => {
    expect(() => classifyAttempt(live(), HASH, NOW)).toThrow(/matching live code/);
  });

  it('finds no code when the code has expired', () => {
    expect(classifyAttempt(live({ codeExpiresAt: NOW - 1 }), HASH, NOW)).toEqual({ kind: 'no_code' });
  });

  it('finds no code at the very millisecond it expires', () => {
    expect(classifyAttempt(live({ codeExpiresAt: NOW }), OTHER, NOW)).toEqual({ kind: 'no_code' });
    expect(classifyAttempt(live({ codeExpiresAt: NOW + 1 }), OTHER, NOW)).toMatchObject({ kind: 'wrong' });
  });

  it('finds no code after 5 wrong tries, even for the right code', () => {
    expect(classifyAttempt(live({ codeWrongTries: 5 }), HASH, NOW)).toEqual({ kind: 'no_code' });
    expect(classifyAttempt(live({ codeWrongTries: 5 }), OTHER, NOW)).toEqual({ kind: 'no_code' });
  });

  it('still judges the code after 4 wrong tries', () => {
    expect(classifyAttempt(live({ codeWrongTries: 4 }), OTHER, NOW)).toMatchObject({ kind: 'wrong' });
  });

  it('throttles after 5 attempts within 60 s and says when the oldest leaves the window', () => {
    const state = live(slots('va', times(5, NOW - 1000, 5000))); // oldest at NOW - 21 000
    expect(classifyAttempt(state, OTHER, NOW)).toEqual({ kind: 'throttled', retryMs: 39_000 });
    expect(classifyAttempt(state, HASH, NOW)).toEqual({ kind: 'throttled', retryMs: 39_000 });
  });

  it('does not throttle after 4 attempts within 60 s', () => {
    expect(classifyAttempt(live(slots('va', times(4, NOW - 1000, 1000))), OTHER, NOW)).toMatchObject({ kind: 'wrong' });
  });

  it('does not throttle when the 5th-newest attempt is exactly 60 s old', () => {
    const state = live(slots('va', [NOW - 1, NOW - 2, NOW - 3, NOW - 4, NOW - 60_000]));
    expect(classifyAttempt(state, OTHER, NOW)).toMatchObject({ kind: 'wrong' });
  });

  it('locks after 100 failures in a run until 24 h after the last one', () => {
    const state = live(failureRun(100, NOW - 1000));
    expect(classifyAttempt(state, OTHER, NOW)).toEqual({ kind: 'locked', retryMs: 86_400_000 - 1000 });
  });

  it('lets the lock win over the throttle', () => {
    const state = live({ ...failureRun(100, NOW - 1000), ...slots('va', times(5, NOW - 1000, 1000)) });
    expect(classifyAttempt(state, OTHER, NOW)).toMatchObject({ kind: 'locked' });
  });

  it('lets the lock win over an expired code, no code and the right code', () => {
    const state = live({ codeExpiresAt: NOW - 1, ...failureRun(100, NOW - 1000) });
    expect(classifyAttempt(state, HASH, NOW)).toMatchObject({ kind: 'locked' });
    expect(classifyAttempt(failureRun(100, NOW - 1000), HASH, NOW)).toMatchObject({ kind: 'locked' });
  });

  it('does not lock after 99 failures in a run', () => {
    expect(classifyAttempt(live(failureRun(99, NOW - 1000)), OTHER, NOW)).toMatchObject({ kind: 'wrong' });
  });

  it('does not lock once the run ended: 24 h without a failure', () => {
    expect(classifyAttempt(live(failureRun(100, NOW - 86_400_000)), OTHER, NOW)).toMatchObject({ kind: 'wrong' });
    expect(classifyAttempt(live(failureRun(100, NOW - 86_400_000 + 1)), OTHER, NOW)).toMatchObject({ kind: 'locked', retryMs: 1 });
  });

  it('lets the throttle win over a dead code', () => {
    const state = live({ codeWrongTries: 5, ...slots('va', times(5, NOW - 1000, 1000)) });
    expect(classifyAttempt(state, OTHER, NOW)).toMatchObject({ kind: 'throttled' });
  });
});
