// AWS prices the cost per million is computed with (us-east-1, USD), and the assumptions that turn a local
// measurement into an in-AWS figure. Prices are inputs, not measurements: read on PRICES_READ_ON from AWS's
// public price pages as last published before that date (DynamoDB on-demand after the November 2024
// reduction, Lambda logs' tiered pricing of May 2025, whose first tier is CloudWatch Logs' standard rate).
// Update them here when AWS changes them. GB is 2^30 bytes, a month 365.25/12 days.
export const PRICES_READ_ON = '2026-12-06';
export const PRICES = {
  region: 'us-east-1',
  /** DynamoDB on-demand, Standard table class: per write request unit (table and index writes alike). */
  dynamoPerWriteUnit: 0.625 / 1_000_000,
  /** DynamoDB on-demand: per read request unit. */
  dynamoPerReadUnit: 0.125 / 1_000_000,
  /** DynamoDB storage, Standard table class, per GB-month (table and indexes; the first 25 GB a month are free, not counted here). */
  dynamoStoragePerGbMonth: 0.25,
  /** Point-in-time recovery (continuous backups), per GB-month of table size. */
  pitrPerGbMonth: 0.2,
  /** Lambda, arm64: per GB-second of billed duration (1 ms granularity), first 7.5 billion GB-s a month. */
  lambdaArmPerGbSecond: 0.0000133334,
  /** Lambda, x86_64: per GB-second. */
  lambdaX86PerGbSecond: 0.0000166667,
  /** Lambda: per request (invocation). */
  lambdaPerRequest: 0.2 / 1_000_000,
  /** API Gateway REST API: per request, first 333 million a month. */
  restApiPerRequest: 3.5 / 1_000_000,
  /** API Gateway HTTP API: per request, first 300 million a month. */
  httpApiPerRequest: 1.0 / 1_000_000,
  /** AWS WAF: per request the web ACL inspects (allowed or blocked). */
  wafPerRequest: 0.6 / 1_000_000,
  /** AWS WAF: per web ACL per month. */
  wafWebAclPerMonth: 5,
  /** AWS WAF: per rule (or rule group: the AWS managed IP reputation list is one, without a subscription) per month. */
  wafRulePerMonth: 1,
  /** SNS standard topic: per publish (each 64 KB of it; the first million a month free, not counted); delivery to Lambda is free. */
  snsPerPublish: 0.5 / 1_000_000,
  /** EventBridge event bus: per custom event put (PutEvents), each 64 KB chunk of an entry counting as one. */
  eventBridgePerEvent: 1.0 / 1_000_000,
  /**
   * End User Messaging SMS and voice: PutMessageFeedback (a verified code's message reported received). AWS
   * prices End User Messaging per message sent and per origination identity; its pricing lists no charge for
   * message feedback, so none is counted.
   */
  messageFeedbackPerRequest: 0,
  /** CloudWatch Logs, standard class: per GB ingested (Lambda logs' first tier is the same). */
  logsIngestedPerGb: 0.5,
  /** CloudWatch Logs: per GB-month stored (AWS meters it compressed; counted here uncompressed: an upper bound). */
  logsStoredPerGbMonth: 0.03,
} as const;

/**
 * Turning the local measurement into Lambda's billed duration in AWS (per invocation):
 *
 *   CPU (measured here: user + system time of the bench process per call, at concurrency 1)
 *     × 1769 / the function's memory (Lambda gives one vCPU's share at 1,769 MB, proportionally less below;
 *       this machine's core is taken as fast as a Graviton core: a stated assumption)
 *   + each DynamoDB request the call made (counted by the meter) × its in-region round trip below
 *   + the provider call, for a function that sends a message
 *
 * The round trips are assumptions (AWS states "single-digit milliseconds"; these are typical p50s seen from
 * Lambda in the same region with keep-alive connections; a transaction runs two phases through a
 * coordinator). The local DynamoDB Local round trips are not used: the emulator is neither the service
 * nor across a network. The report prints the Lambda part at half and twice these to show how much
 * rides on them.
 */
export const LAMBDA_IN_AWS = {
  /** Memory at which Lambda allots one full vCPU. */
  fullVcpuAtMb: 1769,
  roundTripMs: {
    GetItem: 4,
    BatchGetItem: 5,
    Query: 5,
    Scan: 5,
    PutItem: 6,
    UpdateItem: 6,
    DeleteItem: 6,
    BatchWriteItem: 8,
    TransactWriteItems: 12,
    TransactGetItems: 8,
  } as Record<string, number>,
  /** One End User Messaging SMS SendTextMessage / SES SendEmail call, answered (deliverCode). */
  providerCallMs: 80,
  /** Other AWS calls in the same region, answered (publishLifecycleEvents: a PutEvents of up to 10 entries, a PutMessageFeedback). */
  awsCallMs: { PutEvents: 20, PutMessageFeedback: 20 } as Record<string, number>,
  /** deliverCode invocations per delivery: the stream hands over batches, at low load of one record. */
  deliveriesPerInvocation: 1,
} as const;

/**
 * The WAF's monthly fixed cost (web ACL + rules) is spread over this many requests a month reaching the
 * API (BENCH_MONTHLY_API_REQUESTS overrides it): 10 million is about 4 a second on average.
 */
export const MONTHLY_API_REQUESTS = Number(process.env.BENCH_MONTHLY_API_REQUESTS ?? 10_000_000);

/** Per-message prices the table leaves out (they dwarf it): noted beside it. */
export const OUT_OF_SCOPE_NOTE =
  'End User Messaging SMS/voice and SES are priced per message and not included: SES $0.10 per 1,000 emails ' +
  '($100 per million); SMS and voice by destination country, cents per message (tens of thousands of dollars per million).';
