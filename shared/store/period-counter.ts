import { ttlAfter } from '../policy.js';
import type { Key } from './keys.js';
import type { TransactItem } from './transactions.js';

/**
 * "At most `limit` events per clock period" (an hour of SMS to a country, a second of a partner's
 * calls): one item per period, counted with ADD under the condition that the count is below the limit,
 * so check and count are one conditional write, exact under any concurrency. A period is fixed, not
 * sliding: around a boundary up to twice the limit fit in one period's length.
 */
export interface PeriodCounter {
  readonly periodMs: number;
  /** How long a period's item lives after the period starts (then DynamoDB's TTL may remove it). */
  readonly lifetimeMs: number;
  key(id: string, periodStartMs: number): Key;
}

export const periodStart = (c: PeriodCounter, nowMs: number): number => nowMs - (nowMs % c.periodMs);

/** Milliseconds until the next period, when the count starts again. */
export const msUntilNextPeriod = (c: PeriodCounter, nowMs: number): number => periodStart(c, nowMs) + c.periodMs - nowMs;

const CONDITION = 'attribute_not_exists(#n) OR #n < :limit';

/** UpdateItem input that counts one event of `id` at `nowMs` if the period has room, or fails its condition. */
export function countEvent(c: PeriodCounter, table: string, id: string, nowMs: number, limit: number) {
  const start = periodStart(c, nowMs);
  return {
    TableName: table,
    Key: c.key(id, start),
    UpdateExpression: 'ADD #n :one SET #ttl = :ttl',
    ConditionExpression: CONDITION,
    ExpressionAttributeNames: { '#n': 'n', '#ttl': 'ttl' },
    ExpressionAttributeValues: { ':one': 1, ':limit': limit, ':ttl': ttlAfter(start, c.lifetimeMs) },
  };
}

/** Transaction element: count one event, or fail. */
export const countEventItem = (c: PeriodCounter, table: string, id: string, nowMs: number, limit: number): TransactItem => ({
  Update: countEvent(c, table, id, nowMs, limit),
});

/** Transaction element: fail unless the period has room, counting nothing. */
export function roomCheckItem(c: PeriodCounter, table: string, id: string, nowMs: number, limit: number): TransactItem {
  return {
    ConditionCheck: {
      TableName: table,
      Key: c.key(id, periodStart(c, nowMs)),
      ConditionExpression: CONDITION,
      ExpressionAttributeNames: { '#n': 'n' },
      ExpressionAttributeValues: { ':limit': limit },
    },
  };
}
