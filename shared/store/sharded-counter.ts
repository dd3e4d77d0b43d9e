import { BatchGetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DYNAMODB_MAX_ATTEMPTS, SHARD_WRITES_PER_SECOND, ttlAfter } from '../policy.js';
import { retry } from '../retry.js';
import { isConditionalCheckFailed, unrepeatable, type Db } from './client.js';
import type { Key } from './keys.js';

/**
 * "At most `limit` events of one id per clock period" (a country's SMS in an hour, a partner's calls in a
 * second), counted outside any transaction on K shard items per (id, period), so no item takes more
 * writes a second than SHARD_WRITES_PER_SECOND at the design's peak, whatever the load:
 *
 *   admit     one conditional `ADD n 1` on a random shard, under that shard's capacity; if it is full,
 *             one strongly consistent BatchGetItem of every shard, then the shards seen with room, in
 *             random order; refused only when every shard was seen full.
 *   giveBack  `ADD n -1` on the shard a unit came from (a send refused after it spent), never repeated
 *             after an attempt that got no answer.
 *   hasRoom   the same requests as admit, adding 0: counts nothing, and costs and looks like a real one
 *             (a send withheld under enumeration protection must not be told apart from a real send).
 *
 * Exactness. Never over the limit: every admission is one conditional increment of a shard below its
 * capacity, the capacities sum to the limit, and a give-back undoes one admission at most once. No
 * false refusal where counts only grow (the partner rate): a refusal comes only after every shard was
 * seen full by a consistent read or a failed condition during the request, and a full shard stays
 * full until its period ends; so a warm function also remembers the refusal for the rest of the
 * period and writes nothing more for it. Where units are given back (the country budget), a refusal can
 * miss only units given back while it was being decided. Less than the limit is admitted only by
 * units that stay spent: a give-back that got no answer or never ran, and a spend the SDK repeated
 * after an attempt that got no answer. A fixed period: around a boundary up to twice the limit fit in
 * one period's length.
 */
export interface ShardedCounter {
  /** Counts one event of `id` at `nowMs` if its period has room: the unit taken, else when the next period starts. */
  admit(id: string, nowMs: number, limit: number): Promise<Admission>;
  /** Gives back a unit `admit` took (the event it counted did not happen after all). */
  giveBack(unit: CountedUnit): Promise<void>;
  /** Whether one more event of `id` would be admitted now, counting nothing: undefined, else ms until the next period. */
  hasRoom(id: string, nowMs: number, limit: number): Promise<number | undefined>;
}

export type Admission = { admitted: true; unit: CountedUnit } | { admitted: false; retryMs: number };

/** One admitted event: the shard it was counted on. */
export interface CountedUnit {
  id: string;
  periodStartMs: number;
  shard: number;
}

/** What a counter counts: its period, its items, and the peak it must take. */
export interface CounterKind {
  readonly periodMs: number;
  /** How long a period's shard lives after the period starts (then DynamoDB's TTL may remove it). */
  readonly lifetimeMs: number;
  key(id: string, periodStartMs: number, shard: number): Key;
  /** The most events a second the counter must take (the design's ceiling): sets its shard count. */
  readonly peakPerSecond: number;
  /**
   * Counts only grow within a period (nothing is given back): a refusal then holds until the period ends,
   * so a warm function remembers it (in at most `maxRemembered` ids) and writes nothing more for it.
   */
  readonly remembersRefusals?: { maxRemembered: number };
}

export const periodStart = (kind: Pick<CounterKind, 'periodMs'>, nowMs: number): number => nowMs - (nowMs % kind.periodMs);

/** Milliseconds until the next period, when the count starts again. */
export const msUntilNextPeriod = (kind: Pick<CounterKind, 'periodMs'>, nowMs: number): number =>
  periodStart(kind, nowMs) + kind.periodMs - nowMs;

/** K: enough shards that none takes more than SHARD_WRITES_PER_SECOND at the peak, and no more than the limit (each holds one at least). */
export const shardCount = (kind: Pick<CounterKind, 'peakPerSecond'>, limit: number): number =>
  Math.max(1, Math.min(limit, Math.ceil(kind.peakPerSecond / SHARD_WRITES_PER_SECOND)));

/** Shard i's share of the limit: the K capacities differ by one at most and sum to the limit exactly. */
export const shardCapacity = (limit: number, shards: number, shard: number): number =>
  Math.floor(limit / shards) + (shard < limit % shards ? 1 : 0);

/** A consistent read of the shards came back partly unread (UnprocessedKeys) through every attempt: DynamoDB throttled it. */
export class ShardsUnread extends Error {
  override name = 'ShardsUnread';
  constructor() {
    super('shards of a counter stayed unread (UnprocessedKeys)');
  }
}

const shuffled = <T>(items: T[]): T[] => {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
};

const countOf = (item: Record<string, unknown> | undefined): number => (typeof item?.n === 'number' ? item.n : 0);

/** Unprocessed keys of a BatchGetItem are asked again, as long and as often as a call's attempts allow. */
const UNPROCESSED_RETRY = { attempts: DYNAMODB_MAX_ATTEMPTS, firstDelayMs: 50, maxDelayMs: 200 };

export function createShardedCounter(db: Db, table: string, kind: CounterKind): ShardedCounter {
  /** Periods known to be full, by `${id}#${periodStart}`: the period's end. */
  const refused = new Map<string, number>();

  function remember(slot: string, endsAtMs: number, nowMs: number): void {
    const max = kind.remembersRefusals?.maxRemembered;
    if (max === undefined) return;
    if (refused.size >= max) for (const [k, end] of refused) if (end <= nowMs || refused.size >= max) refused.delete(k);
    refused.set(slot, endsAtMs);
  }

  /** Adds `add` (1, or 0 to only ask) on shard `shard` if it is below its capacity: false when it is full. */
  async function countOn(id: string, start: number, shard: number, capacity: number, add: 0 | 1): Promise<boolean> {
    try {
      await db.doc.send(
        new UpdateCommand({
          TableName: table,
          Key: kind.key(id, start, shard),
          UpdateExpression: 'ADD #n :add SET #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(#n) OR #n < :cap',
          ExpressionAttributeNames: { '#n': 'n', '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':add': add, ':cap': capacity, ':ttl': ttlAfter(start, kind.lifetimeMs) },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  /** Every shard's count, strongly consistent (one BatchGetItem; keys it left unprocessed asked again). */
  async function counts(id: string, start: number, shards: number): Promise<number[]> {
    const found = new Map<string, number>();
    let pending: Key[] = Array.from({ length: shards }, (_, i) => kind.key(id, start, i));
    await retry(
      UNPROCESSED_RETRY,
      async () => {
        const out = await db.doc.send(
          new BatchGetCommand({
            RequestItems: {
              [table]: {
                Keys: pending,
                ConsistentRead: true,
                ProjectionExpression: '#pk, #n',
                ExpressionAttributeNames: { '#pk': 'pk', '#n': 'n' },
              },
            },
          }),
        );
        for (const item of out.Responses?.[table] ?? []) found.set(String(item.pk), countOf(item));
        pending = (out.UnprocessedKeys?.[table]?.Keys ?? []) as Key[];
        if (pending.length > 0) throw new ShardsUnread();
      },
      { retryable: (err) => err instanceof ShardsUnread },
    );
    return Array.from({ length: shards }, (_, i) => found.get(kind.key(id, start, i).pk) ?? 0);
  }

  /** The shard an event of `id` at `nowMs` is (`add` 1) or would be (0) counted on, or undefined when every shard is full. */
  async function shardWithRoom(id: string, nowMs: number, limit: number, add: 0 | 1): Promise<CountedUnit | undefined> {
    const start = periodStart(kind, nowMs);
    const slot = `${id}#${start}`;
    const knownFull = refused.get(slot);
    if (knownFull !== undefined && knownFull > nowMs) return undefined;

    const shards = shardCount(kind, limit);
    const capacity = (shard: number) => shardCapacity(limit, shards, shard);
    const first = Math.floor(Math.random() * shards);
    if (await countOn(id, start, first, capacity(first), add)) return { id, periodStartMs: start, shard: first };
    if (shards > 1) {
      const seen = await counts(id, start, shards);
      for (const shard of shuffled(seen.flatMap((n, i) => (i !== first && n < capacity(i) ? [i] : [])))) {
        if (await countOn(id, start, shard, capacity(shard), add)) return { id, periodStartMs: start, shard };
      }
    }
    remember(slot, start + kind.periodMs, nowMs);
    return undefined;
  }

  return {
    async admit(id, nowMs, limit) {
      const unit = await shardWithRoom(id, nowMs, limit, 1);
      return unit ? { admitted: true, unit } : { admitted: false, retryMs: msUntilNextPeriod(kind, nowMs) };
    },

    async giveBack(unit) {
      try {
        // Not repeated by the SDK after an attempt that got no answer: it may have been applied, and a
        // second one would give back a unit nobody took.
        await db.doc.send(
          unrepeatable(
            new UpdateCommand({
              TableName: table,
              Key: kind.key(unit.id, unit.periodStartMs, unit.shard),
              UpdateExpression: 'ADD #n :minusOne',
              ConditionExpression: '#n > :zero',
              ExpressionAttributeNames: { '#n': 'n' },
              ExpressionAttributeValues: { ':minusOne': -1, ':zero': 0 },
            }),
          ),
        );
      } catch (err) {
        if (!isConditionalCheckFailed(err)) throw err; // the shard expired (a give-back long after its period)
      }
    },

    async hasRoom(id, nowMs, limit) {
      return (await shardWithRoom(id, nowMs, limit, 0)) ? undefined : msUntilNextPeriod(kind, nowMs);
    },
  };
}
