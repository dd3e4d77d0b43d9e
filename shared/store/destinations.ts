import { safeEqual } from '../identity/hash.js';
import {
  ITEM_LIFETIME_MS,
  MAX_WRONG_TRIES_PER_CODE,
  SEND_COOLDOWN,
  SEND_DAILY_CAP,
  ttlAfter,
  VERIFY_ATTEMPTS,
  VERIFY_FAILURES_PER_DESTINATION,
} from '../policy.js';
import { keys, type Key } from './keys.js';
import { msUntilRoom, type ExpressionParts, type StoredWindow } from './sliding-window.js';

/**
 * The destination's item: its pending code and every per-destination limit, on one item per destination
 * (keyed by the destination's keyed hash), so each check-and-change of a send (code-sends.ts) or a verify
 * attempt (verify-attempts.ts) is one conditional write on one item. This module is the item's layout
 * and the rules read from it; the stores write it.
 *
 * Attributes: `codeHash`, `codeExpiresAt`, `codeWrongTries`, `codeChannel`, `codeCountry`, `codeMessageId`
 * (the pending code, its channel and its number's country, and the provider's id of the message that carried
 * it, once deliverCode knows it), the windows below (`sc1`, `sd1…sd10`, `va1…va5`), the failure run (`vfRun`,
 * `vfLast`), `verifiedAt`, `ttl`, and what the last verify that changed the item says of itself for its
 * lifecycle event (`verifyRequestId`, `verifyClientRequestId`, `subjectMasked`).
 */
export type DestinationState = Record<string, unknown>;

export const destinationKey = (destinationHash: string): Key => keys.destination(destinationHash);
export const destinationTtl = (nowMs: number): number => ttlAfter(nowMs, ITEM_LIFETIME_MS.destination);

/** The destination's windows; the attribute prefixes are this item's storage layout, the numbers SPEC's (shared/policy.ts). */
export const DESTINATION_WINDOWS = {
  cooldown: { prefix: 'sc', ...SEND_COOLDOWN },
  daily: { prefix: 'sd', ...SEND_DAILY_CAP },
  attempts: { prefix: 'va', ...VERIFY_ATTEMPTS },
} as const satisfies Record<string, StoredWindow>;

/**
 * The destination-wide failure cap, kept as a run: how many failures since the last 24 h without one,
 * and when the last one was. A run only ends after a quiet 24 h, so any 24 h span holds failures of one
 * run only and never more than the cap (conservative where a 100-slot window would be exact, at a
 * hundredth of its size on an item every send and verify writes).
 */
export const DESTINATION_FAILURE_RUN = { count: 'vfRun', last: 'vfLast', ...VERIFY_FAILURES_PER_DESTINATION } as const;

const run = DESTINATION_FAILURE_RUN;
const RUN_NAMES = { '#vfRun': run.count, '#vfLast': run.last };

export const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** Condition that the destination is not locked by its failure cap at `nowMs`. */
export function capNotReached(nowMs: number): ExpressionParts {
  return {
    condition: '(attribute_not_exists(#vfRun) OR #vfRun < :capLimit OR #vfLast <= :capCut)',
    set: [],
    names: RUN_NAMES,
    values: { ':capLimit': run.limit, ':capCut': nowMs - run.windowMs },
  };
}

/** Milliseconds the destination stays locked by its failure cap (0 when it is not). */
export function capLockedMs(state: DestinationState | undefined, nowMs: number): number {
  const last = num(state?.[run.last]);
  if (num(state?.[run.count]) < run.limit || last <= nowMs - run.windowMs) return 0;
  return last + run.windowMs - nowMs;
}

/**
 * Records one more failure in the run the destination was judged in: the judged run's values are
 * pinned by the condition (every failure changes the count, a new run the time), so a run that moved
 * on in between fails the write and is judged again.
 */
export function recordRunFailure(judged: DestinationState, nowMs: number): { parts: ExpressionParts; countAfter: number } {
  const judgedCount = judged[run.count];
  const judgedLast = judged[run.last];
  const fresh = typeof judgedLast !== 'number' || judgedLast <= nowMs - run.windowMs;
  const countAfter = fresh ? 1 : num(judgedCount) + 1;
  const pinned =
    typeof judgedCount === 'number' && typeof judgedLast === 'number'
      ? '#vfRun = :judgedRun AND #vfLast = :judgedLast'
      : 'attribute_not_exists(#vfRun) AND attribute_not_exists(#vfLast)';
  const open = capNotReached(nowMs);
  return {
    countAfter,
    parts: {
      condition: `${open.condition} AND ${pinned}`,
      set: ['#vfRun = :runAfter', '#vfLast = :runNow'],
      names: RUN_NAMES,
      values: {
        ...open.values,
        ':runAfter': countAfter,
        ':runNow': nowMs,
        ...(typeof judgedCount === 'number' && typeof judgedLast === 'number'
          ? { ':judgedRun': judgedCount, ':judgedLast': judgedLast }
          : {}),
      },
    },
  };
}

/** What a verify attempt meets at a destination, judged from its item. */
export type AttemptOutcome =
  | { kind: 'verified' }
  | { kind: 'no_code' }
  /** The destination reached its failure cap. */
  | { kind: 'locked'; retryMs: number }
  /** This requester used up its failure budget at this destination. */
  | { kind: 'requester_locked'; retryMs: number }
  | { kind: 'throttled'; retryMs: number }
  | { kind: 'wrong'; state: DestinationState };

/** What an attempt with `codeHash` at `nowMs` meets, judged from the destination's state. */
export function classifyAttempt(state: DestinationState | undefined, codeHash: string, nowMs: number): AttemptOutcome {
  const refusal = attemptRefusal(state, nowMs);
  if (refusal || !state) return refusal ?? { kind: 'no_code' };
  // A failed conditional write returns the item it was judged on, so an equal hash here means the
  // store and this function disagree on the rules: a bug, answered as a server error.
  if (safeEqual(String(state.codeHash), codeHash)) throw new Error('classifyAttempt: a matching live code failed its condition');
  return { kind: 'wrong', state };
}

/** Why any attempt at `nowMs` would be refused by the destination's state, or undefined when it would be judged. */
export function attemptRefusal(
  state: DestinationState | undefined,
  nowMs: number,
): Extract<AttemptOutcome, { kind: 'no_code' | 'locked' | 'throttled' }> | undefined {
  const lockedMs = capLockedMs(state, nowMs);
  if (lockedMs > 0) return { kind: 'locked', retryMs: lockedMs };
  if (!state || typeof state.codeHash !== 'string') return { kind: 'no_code' };
  const throttledMs = msUntilRoom(DESTINATION_WINDOWS.attempts, state, nowMs);
  if (throttledMs > 0) return { kind: 'throttled', retryMs: throttledMs };
  if (num(state.codeExpiresAt) <= nowMs || num(state.codeWrongTries) >= MAX_WRONG_TRIES_PER_CODE) return { kind: 'no_code' };
  return undefined;
}
