/**
 * Key layout of the single table (pk, sk; GSI gsi1 on gsi1pk/gsi1sk; TTL attribute `ttl`).
 * Registry keys hold the normalized identity; everything keyed by a destination or an IP uses a
 * keyed hash, so codes, throttles and audit records can be read without learning who they concern.
 */
export type Key = { pk: string; sk: string };

export const keys = {
  name: (normalizedName: string): Key => ({ pk: `NAME#${normalizedName}`, sk: 'CLAIM' }),
  email: (normalizedEmail: string): Key => ({ pk: `EMAIL#${normalizedEmail}`, sk: 'CLAIM' }),
  mobile: (e164: string): Key => ({ pk: `MOBILE#${e164}`, sk: 'CLAIM' }),
  customer: (customerId: string): Key => ({ pk: `CUSTOMER#${customerId}`, sk: 'CUSTOMER' }),
  destination: (destinationHash: string): Key => ({ pk: `DEST#${destinationHash}`, sk: 'CODE' }),
  sourceIp: (ipHash: string): Key => ({ pk: `IP#${ipHash}`, sk: 'SENDS' }),
  requester: (requesterHash: string): Key => ({ pk: `REQ#${requesterHash}`, sk: 'FAILURES' }),
  captcha: (jti: string): Key => ({ pk: `CAPTCHA#${jti}`, sk: 'USED' }),
  /** Failed-signature count and lock of one AK from one source; its own partition, so sources never share one. */
  accessKeySource: (accessKey: string, sourceHash: string): Key => ({ pk: `AKSRC#${sourceHash}#${accessKey}`, sk: 'LOCKOUT' }),
  partnerKey: (accessKey: string): Key => ({ pk: `PARTNER#${accessKey}`, sk: 'KEY' }),
  /** One shard of a country's SMS count in one period (the period's start, epoch ms): new keys every hour. */
  countryBudget: (country: string, periodStartMs: number, shard: number): Key => ({
    pk: `COUNTRYBUDGET#${country}#${periodStartMs}#${shard}`,
    sk: 'COUNT',
  }),
  /** One shard of a partner's check-identity count in one second (its start, epoch ms). */
  partnerRate: (partnerHash: string, periodStartMs: number, shard: number): Key => ({
    pk: `RATE#${partnerHash}#${periodStartMs}#${shard}`,
    sk: 'COUNT',
  }),
  /** A send's delivery request (read from the table's stream by deliverCode), keyed by the send's id. */
  delivery: (sendId: string): Key => ({ pk: `DELIVERY#${sendId}`, sk: 'REQUEST' }),
  /** A destination suppressed after a hard bounce, a complaint or an opt-out, by its keyed hash (store/suppressions.ts). */
  suppression: (destinationHash: string): Key => ({ pk: `SUPPRESSED#${destinationHash}`, sk: 'SUPPRESSION' }),
  audit: (requestId: string): Key => ({ pk: `AUDIT#${requestId}`, sk: 'AUDIT' }),
  auditBySubject: (subjectHash: string) => `AUDIT#${subjectHash}`,
  /** The index partition listing every suppression (gsi1), newest first by its sort key. */
  suppressions: () => 'SUPPRESSIONS',
};
