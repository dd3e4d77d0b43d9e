import { AsyncLocalStorage } from 'node:async_hooks';
import { ANSWER_RESERVE_MS, RETURN_RESERVE_MS } from './policy.js';

/**
 * The time a request may still spend, as an AbortSignal every outgoing call takes (the DynamoDB
 * and SNS/SES clients read it): a stalled dependency ends the call when the request's budget ends,
 * not when the Lambda timeout kills the function without an answer or an audit record.
 *
 * A request has two phases: its work, which ends `ANSWER_RESERVE_MS` before the budget's end (the
 * function's timeout, or the request budget if sooner), and its answer (the audit record, undoing a
 * failed send), which ends just before it.
 */
interface Phases {
  /** The signal calls made now must honour, and when it fires (epoch ms). */
  signal: AbortSignal;
  signalEndsAtMs: number;
  answer: AbortSignal;
  answerEndsAtMs: number;
  /** When the function's timeout ends the request (epoch ms). */
  endsAtMs: number;
}

const current = new AsyncLocalStorage<Phases>();

/**
 * Runs a whole request that has `remainingMs` before the function's timeout, and at most `budgetMs` in all
 * (REQUEST_BUDGET_MS: a stalled dependency must not hold the function longer than that).
 */
export function withinRequestBudget<T>(remainingMs: number, request: () => Promise<T>, budgetMs = Infinity): Promise<T> {
  remainingMs = Math.min(remainingMs, budgetMs);
  const startMs = Date.now();
  const workMs = Math.max(1, remainingMs - ANSWER_RESERVE_MS);
  const answerMs = Math.max(1, remainingMs - RETURN_RESERVE_MS);
  const work = AbortSignal.timeout(workMs);
  const answer = AbortSignal.timeout(answerMs);
  return current.run(
    {
      signal: AbortSignal.any([work, answer]),
      signalEndsAtMs: startMs + Math.min(workMs, answerMs),
      answer,
      answerEndsAtMs: startMs + answerMs,
      endsAtMs: startMs + remainingMs,
    },
    request,
  );
}

/** Runs the answer phase: after the work, with the time kept back for it. */
export function inAnswerPhase<T>(answer: () => Promise<T>): Promise<T> {
  const phases = current.getStore();
  return phases ? current.run({ ...phases, signal: phases.answer, signalEndsAtMs: phases.answerEndsAtMs }, answer) : answer();
}

/** Runs `work` outside any request's budget (a clean-up that outlives the request). */
export const outsideRequestBudget = <T>(work: () => T): T => current.exit(work);

/** When the request the caller runs in ends (epoch ms), if it runs in one. */
export const requestEndsAt = (): number | undefined => current.getStore()?.endsAtMs;

/** The signal of the budget the caller runs in, if any. */
export const budgetSignal = (): AbortSignal | undefined => current.getStore()?.signal;

/** When that signal fires (epoch ms): the end of the phase the caller runs in, if it runs in a request. */
export const budgetEndsAt = (): number | undefined => current.getStore()?.signalEndsAtMs;

/** True when `error` ended a call without an answer: the budget ran out, or an attempt timed out. */
export function isTimeout(error: unknown): boolean {
  const name = error instanceof Error ? error.name : '';
  return name === 'AbortError' || name === 'TimeoutError' || name === 'RequestTimeout';
}
