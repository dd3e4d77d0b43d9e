import type { AwsCredentialIdentity } from '@smithy/types';
import { budgetSignal } from './deadline.js';
import { SECOND_MS } from './policy.js';

/**
 * What the calls to AWS services other than DynamoDB share (End User Messaging, SES, EventBridge): each a
 * single SDK attempt (a retry is ours to decide: some calls must never be made twice), its answer's headers
 * awaited for a request timeout that fires, the whole call bounded by its own time or the request's budget.
 */
export interface AwsClientOptions {
  region: string;
  /** A stand-in's endpoint and credentials (tests); AWS's and the function's own when undefined. */
  endpoint?: string | undefined;
  credentials?: AwsCredentialIdentity | undefined;
}

/** An SDK client's settings: one attempt a call, `requestTimeoutMs` for the answer's headers. */
export const singleAttemptClient = (o: AwsClientOptions, requestTimeoutMs: number) => ({
  region: o.region,
  maxAttempts: 1,
  requestHandler: { requestTimeout: requestTimeoutMs, connectionTimeout: SECOND_MS, throwOnRequestTimeout: true },
  ...(o.endpoint ? { endpoint: o.endpoint } : {}),
  ...(o.credentials ? { credentials: o.credentials } : {}),
});

/** One call's abort signal: `callMs`, body included, or the request's budget if that ends first. */
export const callSignal = (callMs: number): AbortSignal => {
  const call = AbortSignal.timeout(callMs);
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
