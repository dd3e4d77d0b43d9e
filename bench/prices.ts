// AWS on-demand prices used for the cost per million operations (us-east-1, USD). Read on 2026-11-22
// from the public price pages as last published before that date (DynamoDB on-demand after the
// November 2024 reduction). They are inputs, not measurements: update them here when AWS changes them.
export const PRICES_READ_ON = '2026-11-22';
export const PRICES = {
  region: 'us-east-1',
  /** Lambda, arm64: per GB-second of billed duration (1 ms granularity). */
  lambdaArmPerGbSecond: 0.0000133334,
  /** Lambda: per request. */
  lambdaPerRequest: 0.2 / 1_000_000,
  /** API Gateway REST API: per request (first 333 million a month). */
  restApiPerRequest: 3.5 / 1_000_000,
  /** AWS WAF: per request the web ACL in front of the REST API inspects (plus $5 a month per web ACL, $1 per rule). */
  wafPerRequest: 0.6 / 1_000_000,
  /** DynamoDB on-demand: per write request unit. */
  dynamoPerWriteUnit: 0.625 / 1_000_000,
  /** DynamoDB on-demand: per read request unit. */
  dynamoPerReadUnit: 0.125 / 1_000_000,
} as const;
