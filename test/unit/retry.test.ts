import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withinRequestBudget } from '../../shared/deadline.js';
import { ANSWER_RESERVE_MS, type RetryPolicy } from '../../shared/policy.js';
import { backoffCapMs, retry } from '../../shared/retry.js';

const POLICY: RetryPolicy = { attempts: 4, firstDelayMs: 100, maxDelayMs: 300 };

/** A piece of work failing `failures` times with the errors it is given, then answering `done`. */
function flaky(failures: number, error: (attempt: number) => unknown = (n) => new Error(`failure ${n}`)) {
  const attempts: number[] = [];
  const work = vi.fn(async (attempt: number) => {
    attempts.push(attempt);
    if (attempts.length <= failures) throw error(attempt);
    return 'done';
  });
  return { work, attempts };
}

/** Runs `promise` to its end with fake timers, letting every wait pass. */
async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  const outcome = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  await vi.runAllTimersAsync();
  return outcome;
}

describe('retry', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('answers with the first attempt that succeeds, numbering the attempts from 1', async () => {
    const { work, attempts } = flaky(2);
    expect(await settle(retry(POLICY, work))).toEqual({ value: 'done' });
    expect(attempts).toEqual([1, 2, 3]);
  });

  it("stops after the policy's attempts with the last failure", async () => {
    const { work } = flaky(10);
    const { error } = await settle(retry(POLICY, work));
    expect((error as Error).message).toBe('failure 4');
    expect(work).toHaveBeenCalledTimes(POLICY.attempts);
  });

  it('does not try again what is not retryable', async () => {
    const { work } = flaky(10, (n) => Object.assign(new Error(`failure ${n}`), { fatal: n === 2 }));
    const { error } = await settle(retry(POLICY, work, { retryable: (e) => !(e as { fatal: boolean }).fatal }));
    expect((error as Error).message).toBe('failure 2');
    expect(work).toHaveBeenCalledTimes(2);
  });

  it('waits a random share of a backoff that doubles from the first delay up to the longest', async () => {
    expect([1, 2, 3, 4].map((n) => backoffCapMs(POLICY, n))).toEqual([100, 200, 300, 300]);
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const waits: number[] = [];
    await settle(retry(POLICY, flaky(3).work, { onRetry: (_e, _n, ms) => waits.push(ms) }));
    expect(waits).toEqual([50, 100, 150]);
  });

  it('never waits longer than the backoff, nor less than nothing (full jitter)', async () => {
    for (const r of [0, 0.999999]) {
      vi.spyOn(Math, 'random').mockReturnValue(r);
      const waits: number[] = [];
      await settle(retry(POLICY, flaky(3).work, { onRetry: (_e, _n, ms) => waits.push(ms) }));
      waits.forEach((ms, i) => {
        expect(ms).toBeGreaterThanOrEqual(0);
        expect(ms).toBeLessThanOrEqual(backoffCapMs(POLICY, i + 1));
      });
    }
  });

  it('backs off longer after the failures that ask for it', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(1);
    const waits: number[] = [];
    const throttled = { firstDelayMs: 1000, maxDelayMs: 5000 };
    await settle(
      retry(POLICY, flaky(2, (n) => ({ throttled: n === 1 })).work, {
        backoffAfter: (e) => ((e as { throttled: boolean }).throttled ? throttled : POLICY),
        onRetry: (_e, _n, ms) => waits.push(ms),
      }),
    );
    expect(waits).toEqual([1000, 200]);
  });

  it('starts no attempt that could end past its deadline, and gives up with the last failure', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(1);
    const { work } = flaky(10);
    const started = Date.now();
    // Attempts at 0, 100 (after a wait of 100) and 300 (after 200): a wait of 300 and a 4th attempt of
    // 500 ms would end at 1100, past the deadline.
    const { error } = await settle(retry(POLICY, work, { attemptMs: 500, deadlineMs: started + 1000 }));
    expect((error as Error).message).toBe('failure 3');
    expect(work).toHaveBeenCalledTimes(3);
    expect(Date.now() - started).toBeLessThanOrEqual(1000);
  });

  it("keeps within the request's budget by default, and only within one when it runs in one", async () => {
    vi.spyOn(Math, 'random').mockReturnValue(1);
    const inRequest = flaky(10);
    // A request with 150 ms of work left: one wait of 100 ms fits, the next of 200 does not.
    await settle(withinRequestBudget(ANSWER_RESERVE_MS + 150, () => retry(POLICY, inRequest.work).catch(() => undefined)));
    expect(inRequest.work).toHaveBeenCalledTimes(2);
    const outside = flaky(10);
    await settle(retry(POLICY, outside.work));
    expect(outside.work).toHaveBeenCalledTimes(POLICY.attempts);
  });
});
