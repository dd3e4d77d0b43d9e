import { ITEM_LIFETIME_MS, COUNTRY_BUDGET_PERIOD_MS, SMS_SENDS_PER_SECOND_CEILING } from '../policy.js';
import type { Db } from './client.js';
import { keys } from './keys.js';
import { createShardedCounter, type CounterKind, type ShardedCounter } from './sharded-counter.js';

/**
 * SPEC §4: a country's hourly budget, on a sharded counter (store/sharded-counter.ts) outside send's
 * transaction: a send spends a unit before its transaction and gives it back if the transaction refuses
 * or fails it; a withheld send only reads whether there is room.
 */
export type CountryBudget = ShardedCounter;

/** SMS and voice sends per country and clock hour, on shards per country and hour, sized for the design's ceiling. */
export const COUNTRY_BUDGET: CounterKind = {
  periodMs: COUNTRY_BUDGET_PERIOD_MS,
  lifetimeMs: ITEM_LIFETIME_MS.countryBudget,
  key: (country, periodStartMs, shard) => keys.countryBudget(country, periodStartMs, shard),
  peakPerSecond: SMS_SENDS_PER_SECOND_CEILING,
};

export const createCountryBudget = (db: Db, table: string): CountryBudget => createShardedCounter(db, table, COUNTRY_BUDGET);
