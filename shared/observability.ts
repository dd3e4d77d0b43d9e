import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

// Log lines carry the request id and masked identities only; never a raw contact, code or secret.
export const logger = new Logger({ serviceName: 'verigate', logLevel: (process.env.LOG_LEVEL ?? 'INFO') as 'INFO' });
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'verigate',
  serviceName: 'verigate',
  // Many answers count nothing (a 400, a check that changes nothing): that is not worth a warning per request.
  logger: logger.createChild({ logLevel: 'ERROR' }),
});

export type MetricName =
  /** A send accepted (committed with its delivery request). */
  | 'CodesSent'
  /** A code the provider accepted (deliverCode). */
  | 'CodesDelivered'
  /** A delivery that failed for good and was refunded (deliverCode): alarm on any. */
  | 'DeliveryFailures'
  /** The parts of each SMS the provider accepted (Average: parts per message, Sum: the parts paid for). */
  | 'SmsParts'
  | 'CodesVerified'
  | 'VerificationsFailed'
  | 'Throttled'
  /** A send refused because its country's hourly budget is spent (SPEC §4): alarm on any. */
  | 'CountryBudgetExhausted'
  /** A unit of a country's budget whose give-back got no answer: it stays spent (the budget admits one less this hour). */
  | 'CountryBudgetUnitsLeftSpent'
  /** A request answered 503 because DynamoDB was throttled, contended or gave no answer (SPEC §2 capacity). */
  | 'CapacityUnavailable'
  /** A send refused because SMS may not go to its number (type or country, SPEC §4). */
  | 'SmsDestinationRefused'
  /** A send refused because its destination is suppressed (a hard bounce, a complaint, an opt-out: SPEC §4). */
  | 'DestinationSuppressed'
  /** A receipt that changed a delivery request (recordReceipt), by what it said (countMetricWith: state). */
  | 'Receipts'
  /** A request refused by its caller's flow control (check-identity: CBC.0250). */
  | 'FlowControlled'
  | 'IdentityChecks'
  | 'AuthFailures'
  | 'CustomersRegistered'
  | 'CustomersDeregistered'
  | 'ServerErrors'
  /** A send's CAPTCHA check, by provider and outcome, and by provider and the check that failed (countMetricWith). */
  | 'CaptchaChecks';

export function countMetric(name: MetricName, value = 1): void {
  metrics.addMetric(name, MetricUnit.Count, value);
}

/**
 * A count under dimensions of its own (one or more dimension sets), published at once as a record of its
 * own: a dimension added to `metrics` would apply to every other metric of the request too.
 */
export function countMetricWith(name: MetricName, dimensionSets: readonly Record<string, string>[], value = 1): void {
  const single = metrics.singleMetric();
  for (const set of dimensionSets) single.addDimensions(set);
  single.addMetric(name, MetricUnit.Count, value);
}

/** Durations: DeliveryLatency is the time from a send's commit to the provider's acceptance of its message. */
export type LatencyMetricName = 'DeliveryLatency';

export function recordLatency(name: LatencyMetricName, ms: number): void {
  metrics.addMetric(name, MetricUnit.Milliseconds, ms);
}
