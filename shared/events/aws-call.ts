import type { AwsCredentialIdentity } from '@smithy/types';
import { budgetSignal } from '../deadline.js';
import { EVENTS_CALL_MS, EVENTS_TIMEOUT_MS, SECOND_MS } from '../policy.js';

/**
 * What publishLifecycleEvents' calls share (PutEvents, PutMessageFeedback): each a single SDK attempt that
 * our own retry loop repeats, bounded by EVENTS_CALL_MS or the invocation's budget.
 */
export interface AwsClientOptions {
  region: string;
  /** A stand-in's endpoint and credentials (tests); AWS's and the function's own when undefined. */
  endpoint?: string | undefined;
  credentials?: AwsCredentialIdentity | undefined;
}

/** An SDK client's settings: one attempt a call, EVENTS_TIMEOUT_MS for the answer's headers. */
export const singleAttemptClient = (o: AwsClientOptions) => ({
  region: o.region,
  maxAttempts: 1,
  requestHandler: { requestTimeout: EVENTS_TIMEOUT_MS, connectionTimeout: SECOND_MS, throwOnRequestTimeout: true },
  ...(o.endpoint ? { endpoint: o.endpoint } : {}),
  ...(o.credentials ? { credentials: o.credentials } : {}),
});

/** One call's abort signal: EVENTS_CALL_MS, body included, or the invocation's budget if that ends first. */
export const callSignal = (): AbortSignal => {
  const call = AbortSignal.timeout(EVENTS_CALL_MS);
  const budget = budgetSignal();
  return budget ? AbortSignal.any([budget, call]) : call;
};

/**
 * A call worth making again: no answer (it may have been applied, so only for calls a repeat does no harm
 * to: a status set again, an event a consumer dedups), throttling, or the service's own fault.
 */
export function worthAnotherCall(err: unknown): boolean {
  const e = err as { name?: string; $fault?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  return status === undefined || status >= 500 || e.$fault === 'server' || e.$retryable !== undefined || /Throttl/.test(e.name ?? '');
}
