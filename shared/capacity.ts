import { FAMILY_CODES, ServiceError, type Family } from './errors.js';
import { CAPACITY_RETRY_AFTER_SECONDS } from './policy.js';

/**
 * What a failed call says about capacity (SPEC §2: 503 with Retry-After, never a 500 and never a 429,
 * which is only ever a caller's own limit): DynamoDB throttled it, other transactions on the same items
 * kept cancelling it through every attempt, or it got no answer (a stalled or dead dependency, the
 * request's budget run out). Read from the error's name and shape only, so no bundle needs the SDK here.
 */
export type CapacityFault = keyof typeof CAPACITY_RETRY_AFTER_SECONDS;

const THROTTLED = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  // a counter's consistent read that DynamoDB left unprocessed through every attempt (store/sharded-counter.ts)
  'ShardsUnread',
]);
/** Cancellation reasons of a transaction that mean throttling (DynamoDB's codes). */
const THROTTLED_REASONS = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded']);
const UNANSWERED = new Set([
  'AbortError', // the request's budget ended the call
  'TimeoutError', // an attempt's timeout
  'RequestTimeout',
  'UnansweredWrite', // an unrepeatable write's attempt got no answer (store/client.ts)
  'SendOutcomeUnknown', // send's transaction got no answer (store/code-sends.ts)
  'TransactionInProgressException', // an SDK retry met its first attempt still running: no outcome yet
]);
/** Node's codes for a connection that failed or dropped before an answer. */
const CONNECTION_LOST = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

export function capacityFault(error: unknown): CapacityFault | undefined {
  if (!(error instanceof Error)) return undefined;
  if (THROTTLED.has(error.name)) return 'throttled';
  if (error.name === 'TransactionCanceledException') {
    const codes = ((error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons ?? []).map((r) => r.Code ?? '');
    if (codes.some((c) => THROTTLED_REASONS.has(c))) return 'throttled';
    if (codes.includes('TransactionConflict')) return 'contended';
    return undefined;
  }
  if (error.name === 'TransactionConflictException') return 'contended'; // a single write met a transaction on its item
  if (UNANSWERED.has(error.name)) return 'unanswered';
  const answered = typeof (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 'number';
  if (!answered && CONNECTION_LOST.has(String((error as { code?: unknown }).code))) return 'unanswered';
  return undefined;
}

/** The family's 503 for a capacity fault, with its Retry-After and the fault in the audit record; undefined for any other error. */
export function unavailableAnswer(error: unknown, family: Family): ServiceError | undefined {
  const fault = capacityFault(error);
  if (!fault) return undefined;
  const name = (error as Error).name;
  return new ServiceError(FAMILY_CODES[family].unavailable, {
    detail: `capacity: ${fault} (${name})`,
    retryAfterSeconds: CAPACITY_RETRY_AFTER_SECONDS[fault],
    audit: { capacity: fault, error: name },
  });
}
