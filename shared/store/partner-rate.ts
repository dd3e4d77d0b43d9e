import { ITEM_LIFETIME_MS, PARTNER_CALLS_PER_SECOND_CEILING, PARTNER_RATE_MEMO_MAX_ENTRIES, PARTNER_RATE_PERIOD_MS } from '../policy.js';
import type { Db } from './client.js';
import { keys } from './keys.js';
import { createShardedCounter, type CounterKind } from './sharded-counter.js';

/**
 * Per-partner flow control (SPEC §2 CBC.0250) on a sharded counter (store/sharded-counter.ts): exact under
 * any concurrency, up to PARTNER_CALLS_PER_SECOND_CEILING calls a second of one partner.
 */
export interface PartnerRate {
  /** Counts a call of the partner if its second has room: undefined, else the milliseconds until the next second. */
  admit(partnerHash: string, nowMs: number, perSecond: number): Promise<number | undefined>;
}

/**
 * A partner's check-identity calls per clock second, on shards per partner and second, sized for the
 * design's ceiling. No call is given back, so a refusal holds for the rest of the second: a warm function
 * remembers it and writes nothing more for that partner until the next second.
 */
export const PARTNER_RATE: CounterKind = {
  periodMs: PARTNER_RATE_PERIOD_MS,
  lifetimeMs: ITEM_LIFETIME_MS.partnerRate,
  key: (partnerHash, periodStartMs, shard) => keys.partnerRate(partnerHash, periodStartMs, shard),
  peakPerSecond: PARTNER_CALLS_PER_SECOND_CEILING,
  remembersRefusals: { maxRemembered: PARTNER_RATE_MEMO_MAX_ENTRIES },
};

export function createPartnerRate(db: Db, table: string): PartnerRate {
  const counter = createShardedCounter(db, table, PARTNER_RATE);
  return {
    async admit(partnerHash, nowMs, perSecond) {
      const admission = await counter.admit(partnerHash, nowMs, perSecond);
      return admission.admitted ? undefined : admission.retryMs;
    },
  };
}
