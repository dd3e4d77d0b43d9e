import { budgetEndsAt } from './deadline.js';
import type { RetryPolicy } from './policy.js';

/**
 * The one retry loop of the service. Bounded by the policy's attempts (shared/policy.ts); each wait is drawn
 * at random up to an exponential backoff ("full jitter", as the AWS SDKs wait), so callers that failed
 * together do not come back together; and no wait is slept nor attempt started that could end past the
 * deadline: by default the end of the request's budget (shared/deadline.ts), when the caller runs in one.
 * Giving up rethrows the last failure.
 */
export interface RetryOptions {
  /** Whether a failure may be tried again (default: every failure). */
  retryable?: (error: unknown) => boolean;
  /** The backoff after this failure, when it differs from the policy's (a throttled call waits longer). */
  backoffAfter?: (error: unknown) => Pick<RetryPolicy, 'firstDelayMs' | 'maxDelayMs'>;
  /** The longest one attempt can take: no attempt starts unless it would end by the deadline. */
  attemptMs?: number;
  /** Epoch ms the loop must be done by; default: the end of the request's budget, if any. */
  deadlineMs?: number;
  /** Told of each failure that will be tried again, before the wait. */
  onRetry?: (error: unknown, attempt: number, waitMs: number) => void;
}

/** The most a wait after `failedAttempts` failures may be: the backoff doubled per failure, capped. */
export const backoffCapMs = (b: Pick<RetryPolicy, 'firstDelayMs' | 'maxDelayMs'>, failedAttempts: number): number =>
  Math.min(b.maxDelayMs, b.firstDelayMs * 2 ** Math.max(0, failedAttempts - 1));

/** Runs `work(attempt)` (1, 2, …) until it resolves, the policy's attempts are spent, or the deadline is near. */
export async function retry<T>(policy: RetryPolicy, work: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const deadlineMs = options.deadlineMs ?? budgetEndsAt();
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (err) {
      if (attempt >= policy.attempts || !(options.retryable?.(err) ?? true)) throw err;
      const waitMs = Math.random() * backoffCapMs(options.backoffAfter?.(err) ?? policy, attempt);
      if (deadlineMs !== undefined && Date.now() + waitMs + (options.attemptMs ?? 0) > deadlineMs) throw err;
      options.onRetry?.(err, attempt, waitMs);
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}
