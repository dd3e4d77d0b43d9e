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
  /** A send accepted (committed with its delivery request): in all, and per channel and country (countFunnel). */
  | 'CodesSent'
  /** A message the provider accepted (deliverCode): whether it arrived is its receipt's (CodesDelivered, CodesFailed). */
  | 'CodesAccepted'
  /** A message its provider's receipt says arrived (recordReceipt): in all, and per channel and country. */
  | 'CodesDelivered'
  /** A message that will not arrive: a failure receipt (recordReceipt) or a refused delivery (deliverCode), in all and per channel and country. */
  | 'CodesFailed'
  /** A delivery that failed for good and was refunded (deliverCode): alarm on any. */
  | 'DeliveryFailures'
  /** The parts of each SMS the provider accepted (Average: parts per message, Sum: the parts paid for). */
  | 'SmsParts'
  /** A code verified: in all by the verify, per channel and country by publishLifecycleEvents (which knows the send's). */
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
  | 'CaptchaChecks'
  /** Lifecycle events put on the bus (publishLifecycleEvents), and those given back to the stream after their retries. */
  | 'LifecycleEventsPublished'
  | 'LifecycleEventsFailed'
  /** A verified code's message feedback End User Messaging did not take (PutMessageFeedback failed for good). */
  | 'MessageFeedbackFailures';

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

/**
 * Durations: DeliveryLatency, from a send's commit to the provider's acceptance of its message; TimeToHandset,
 * from a send's commit to the time its provider's receipt says it arrived (per channel and country).
 */
export type LatencyMetricName = 'DeliveryLatency' | 'TimeToHandset';

export function recordLatency(name: LatencyMetricName, ms: number): void {
  metrics.addMetric(name, MetricUnit.Milliseconds, ms);
}

/** The funnel of codes: sent, delivered, failed, verified, and the time to the handset. */
export type FunnelMetricName = Extract<MetricName, 'CodesSent' | 'CodesDelivered' | 'CodesFailed' | 'CodesVerified'>;
/** The dimensions the funnel is counted by (besides the service), in the order the dashboard and alarms name them. */
export const FUNNEL_DIMENSIONS = ['channel', 'country'] as const;
/** The country dimension of a destination without one (an email). */
export const NO_COUNTRY = 'none';

/**
 * The funnel's dimensions of a code: its channel and its destination's country. A phone's country is one of the
 * allow-list (send refuses any other, SPEC §4), so the dimension's values are bounded by the allow-list.
 */
export function funnelDimensions(channel: string, country: string | undefined): Record<(typeof FUNNEL_DIMENSIONS)[number], string> {
  return { channel, country: country && /^[A-Z]{2}$/.test(country) ? country : NO_COUNTRY };
}

/** Counts one code of the funnel under its channel and country, and (`total`) under the service alone too. */
export function countFunnel(name: FunnelMetricName, channel: string, country: string | undefined, o: { total: boolean }): void {
  countMetricWith(name, [...(o.total ? [{}] : []), funnelDimensions(channel, country)]);
}

/** A duration of the funnel under its channel and country. */
export function recordFunnelLatency(name: LatencyMetricName, channel: string, country: string | undefined, ms: number): void {
  const single = metrics.singleMetric();
  single.addDimensions(funnelDimensions(channel, country));
  single.addMetric(name, MetricUnit.Milliseconds, ms);
}
