import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { conditionFailureItem, isConditionalCheckFailed, unlessConditionFails, type Db } from './client.js';
import { AK_FAILURES_BEFORE_LOCK, AK_LOCK_MS, ITEM_LIFETIME_MS, ttlAfter } from '../policy.js';
import { keys } from './keys.js';

/**
 * Failed-signature counts and locks per (AK, source) (SPEC §5). Each pair is its own item under its own
 * partition key, so failures from one source never touch, lock or throttle the item another source's
 * requests read.
 */
export interface AccessKeyLockouts {
  /** The pair's lock and failures so far (strongly consistent). */
  state(pair: AccessKeySource): Promise<AccessKeySourceState>;
  /** Counts a failure unless the pair is locked; returns the lock's end when it was. */
  recordFailure(pair: AccessKeySource, nowMs: number): Promise<{ lockedUntil: number } | undefined>;
  /** A good signature ends the pair's run of failures ("in a row"). */
  clearFailures(pair: AccessKeySource): Promise<void>;
}

/** One access key as used from one source (IPv4 address or IPv6 /64), the source as a keyed hash. */
export interface AccessKeySource {
  accessKey: string;
  sourceHash: string;
}

export interface AccessKeySourceState {
  lockedUntil: number;
  failures: number;
}

export function createAccessKeyLockouts(db: Db, table: string): AccessKeyLockouts {
  return {
    async state(pair) {
      const { Item } = await db.doc.send(
        new GetCommand({ TableName: table, Key: keys.accessKeySource(pair.accessKey, pair.sourceHash), ConsistentRead: true }),
      );
      return { lockedUntil: Number(Item?.lockedUntil ?? 0), failures: Number(Item?.failures ?? 0) };
    },

    /**
     * Counts a failure unless the pair is locked; returns the lock's end when it was (a failure during a lock
     * neither counts nor extends it). The failure that makes the count reach the limit sets the lock; only that
     * one sees exactly the limit, so concurrent failures lock once.
     */
    async recordFailure(pair, nowMs) {
      const key = keys.accessKeySource(pair.accessKey, pair.sourceHash);
      let failures: number;
      try {
        const { Attributes } = await db.doc.send(
          new UpdateCommand({
            TableName: table,
            Key: key,
            UpdateExpression: 'ADD failures :one SET lastFailureAt = :now, #ttl = :ttl',
            ConditionExpression: 'attribute_not_exists(lockedUntil) OR lockedUntil <= :now',
            ExpressionAttributeNames: { '#ttl': 'ttl' },
            ExpressionAttributeValues: { ':one': 1, ':now': nowMs, ':ttl': ttlAfter(nowMs, ITEM_LIFETIME_MS.accessKeyLockout) },
            ReturnValues: 'UPDATED_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        failures = Number(Attributes?.failures ?? 0);
      } catch (err) {
        if (!isConditionalCheckFailed(err)) throw err;
        return { lockedUntil: Number(conditionFailureItem(err)?.lockedUntil ?? nowMs + AK_LOCK_MS) };
      }
      // Every failure at or past the limit tries the lock (not only the fifth): if the fifth's lock write was
      // lost, the sixth still locks. The condition keeps concurrent tries to one effective lock.
      if (failures < AK_FAILURES_BEFORE_LOCK) return undefined;
      await unlessConditionFails(
        db.doc.send(
          new UpdateCommand({
            TableName: table,
            Key: key,
            UpdateExpression: 'SET lockedUntil = :until, failures = :zero',
            // A success since (clearFailures) ended the run: then there is nothing to lock.
            ConditionExpression: 'failures >= :limit',
            ExpressionAttributeValues: { ':until': nowMs + AK_LOCK_MS, ':zero': 0, ':limit': AK_FAILURES_BEFORE_LOCK },
          }),
        ),
      );
      return undefined;
    },

    /** A good signature ends the pair's run of failures ("in a row"). Only called when failures > 0. */
    async clearFailures(pair) {
      await unlessConditionFails(
        db.doc.send(
          new UpdateCommand({
            TableName: table,
            Key: keys.accessKeySource(pair.accessKey, pair.sourceHash),
            UpdateExpression: 'SET failures = :zero',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':zero': 0 },
          }),
        ),
      );
    },
  };
}
