import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ITEM_LIFETIME_MS, PARTNER_RATE_PERIOD_MS } from '../policy.js';
import { isConditionalCheckFailed, type Db } from './client.js';
import { keys } from './keys.js';
import { countEvent, msUntilNextPeriod, type PeriodCounter } from './period-counter.js';

/** Per-partner flow control (SPEC §2 CBC.0250): one conditional write per call, exact under any concurrency. */
export interface PartnerRate {
  /** Counts a call of the partner if its second has room: undefined, else the milliseconds until the next second. */
  admit(partnerHash: string, nowMs: number, perSecond: number): Promise<number | undefined>;
}

/** A partner's check-identity calls per clock second (SPEC §2 CBC.0250), on an item per partner and second. */
export const PARTNER_RATE: PeriodCounter = {
  periodMs: PARTNER_RATE_PERIOD_MS,
  lifetimeMs: ITEM_LIFETIME_MS.partnerRate,
  key: (partnerHash, periodStartMs) => keys.partnerRate(partnerHash, periodStartMs),
};

export function createPartnerRate(db: Db, table: string): PartnerRate {
  return {
    async admit(partnerHash, nowMs, perSecond) {
      try {
        await db.doc.send(new UpdateCommand(countEvent(PARTNER_RATE, table, partnerHash, nowMs, perSecond)));
        return undefined;
      } catch (err) {
        if (!isConditionalCheckFailed(err)) throw err;
        return msUntilNextPeriod(PARTNER_RATE, nowMs);
      }
    },
  };
}
