import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from './client.js';
import { keys, ttlAt } from './keys.js';

export const AK_FAILURES_BEFORE_LOCK = 5;
export const AK_LOCK_MS = 5 * 60_000;

export interface AccessKeyState {
  lockedUntil: number;
  failures: number;
}

/** Five consecutive signature failures lock an AK for five minutes (SPEC §5). */
export function createAccessKeyLockouts(db: Db, table: string) {
  return {
    async state(accessKey: string): Promise<AccessKeyState> {
      const { Item } = await db.doc.send(new GetCommand({ TableName: table, Key: keys.accessKey(accessKey), ConsistentRead: true }));
      return { lockedUntil: Number(Item?.lockedUntil ?? 0), failures: Number(Item?.failures ?? 0) };
    },

    /** Counts a failure; the fifth in a row sets the lock (conditionally, so concurrent fifths lock once). */
    async recordFailure(accessKey: string, nowMs: number): Promise<void> {
      const { Attributes } = await db.doc.send(
        new UpdateCommand({
          TableName: table,
          Key: keys.accessKey(accessKey),
          UpdateExpression: 'ADD failures :one SET lastFailureAt = :now, #ttl = :ttl',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':one': 1, ':now': nowMs, ':ttl': ttlAt(nowMs + 86_400_000) },
          ReturnValues: 'ALL_NEW',
        }),
      );
      if (Number(Attributes?.failures ?? 0) < AK_FAILURES_BEFORE_LOCK) return;
      try {
        await db.doc.send(
          new UpdateCommand({
            TableName: table,
            Key: keys.accessKey(accessKey),
            UpdateExpression: 'SET lockedUntil = :until, failures = :zero',
            ConditionExpression: 'failures >= :limit',
            ExpressionAttributeValues: { ':until': nowMs + AK_LOCK_MS, ':zero': 0, ':limit': AK_FAILURES_BEFORE_LOCK },
          }),
        );
      } catch (err) {
        if (!(err instanceof Error && err.name === 'ConditionalCheckFailedException')) throw err;
      }
    },

    /** A good signature ends a run of failures ("consecutive"). Only called when failures > 0. */
    async clearFailures(accessKey: string): Promise<void> {
      await db.doc.send(
        new UpdateCommand({
          TableName: table,
          Key: keys.accessKey(accessKey),
          UpdateExpression: 'SET failures = :zero',
          ExpressionAttributeValues: { ':zero': 0 },
        }),
      );
    },
  };
}

export type AccessKeyLockouts = ReturnType<typeof createAccessKeyLockouts>;
