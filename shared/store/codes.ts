import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { safeEqual } from '../identity/hash.js';
import { cancellationReasons, conditionFailureItem, isConditionalCheckFailed, type Db } from './client.js';
import { keys, ttlAt } from './keys.js';
import { withTransactionRetry } from './retry.js';
import { admitEvent, combine, eventsInWindow, hasRoom, msUntilRoom, withdrawEvent, type SlidingWindow } from './sliding-window.js';
import { IP_SEND_WINDOW, type TransactItem } from './throttles.js';

/**
 * Pending codes and every per-destination limit live on one item per destination (keyed by the
 * destination's keyed hash), so each check-and-change is one conditional write on one item.
 */
export const DESTINATION_WINDOWS = {
  /** one send per 60 s */
  cooldown: { prefix: 'sc', limit: 1, windowMs: 60_000 },
  /** 10 sends per 24 h */
  daily: { prefix: 'sd', limit: 10, windowMs: 86_400_000 },
  /** at most 5 verification attempts in any 60 s (the seed's rule) */
  attempts: { prefix: 'va', limit: 5, windowMs: 60_000 },
  /** 20 failed attempts in 24 h lock the destination; a resend does not reset it */
  failures: { prefix: 'vf', limit: 20, windowMs: 86_400_000 },
} as const satisfies Record<string, SlidingWindow>;

export const MAX_WRONG_TRIES_PER_CODE = 5;
// The item outlives its longest window, then DynamoDB's TTL removes it.
const itemTtl = (nowMs: number) => ttlAt(nowMs + 86_400_000 + 60_000);

export type DestinationState = Record<string, unknown>;

export type SendRefusal =
  | { reason: 'captcha_used' }
  | { reason: 'ip_limited'; retryMs: number }
  | { reason: 'send_limited'; retryMs: number }
  | { reason: 'locked'; retryMs: number };

export type AttemptOutcome =
  | { kind: 'verified' }
  | { kind: 'no_code' }
  | { kind: 'locked'; retryMs: number }
  | { kind: 'throttled'; retryMs: number }
  | { kind: 'wrong'; state: DestinationState };

export type WrongRecord =
  | { kind: 'recorded'; remainingAttempts: number }
  | { kind: 'changed'; state: DestinationState | undefined } // the state moved on: evaluate the attempt again
  | Exclude<AttemptOutcome, { kind: 'wrong' } | { kind: 'verified' }>;

export type TaggedItem = { tag: 'captcha' | 'ip' | 'audit'; item: TransactItem };

const num = (v: unknown) => (typeof v === 'number' ? v : 0);

/** What an attempt with `codeHash` at `nowMs` meets, judged from the destination's state. */
export function classifyAttempt(
  state: DestinationState | undefined,
  codeHash: string,
  nowMs: number,
): AttemptOutcome | { kind: 'unexpected' } {
  const w = DESTINATION_WINDOWS;
  if (!state || typeof state.codeHash !== 'string') return { kind: 'no_code' };
  const lockedMs = msUntilRoom(w.failures, state, nowMs);
  if (lockedMs > 0) return { kind: 'locked', retryMs: lockedMs };
  const throttledMs = msUntilRoom(w.attempts, state, nowMs);
  if (throttledMs > 0) return { kind: 'throttled', retryMs: throttledMs };
  if (num(state.codeExpiresAt) <= nowMs || num(state.codeWrongTries) >= MAX_WRONG_TRIES_PER_CODE) return { kind: 'no_code' };
  if (safeEqual(state.codeHash, codeHash)) return { kind: 'unexpected' };
  return { kind: 'wrong', state };
}

export function createCodeStore(db: Db, table: string) {
  const key = (destinationHash: string) => keys.destination(destinationHash);

  return {
    /**
     * Stores a new code (replacing a pending one) if the destination's send limits allow it, in one
     * transaction with the CAPTCHA use, the IP's window and the audit record: all or nothing.
     */
    async issue(input: {
      destinationHash: string;
      codeHash: string;
      channel: string;
      nowMs: number;
      expiresAtMs: number;
      with: TaggedItem[];
    }): Promise<SendRefusal | undefined> {
      const w = DESTINATION_WINDOWS;
      const { nowMs } = input;
      const parts = combine([admitEvent(w.cooldown, nowMs), admitEvent(w.daily, nowMs), hasRoom(w.failures, nowMs)]);
      const destination: TransactItem = {
        Update: {
          TableName: table,
          Key: key(input.destinationHash),
          UpdateExpression: `SET ${[...parts.set, 'codeHash = :code', 'codeExpiresAt = :exp', 'codeWrongTries = :zero', 'codeChannel = :ch', '#ttl = :ttl'].join(', ')}`,
          ConditionExpression: parts.condition,
          ExpressionAttributeNames: { ...parts.names, '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ...parts.values,
            ':code': input.codeHash,
            ':exp': input.expiresAtMs,
            ':ch': input.channel,
            ':ttl': itemTtl(nowMs),
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      };
      const tagged: Array<{ tag: TaggedItem['tag'] | 'destination'; item: TransactItem }> = [
        ...input.with,
        { tag: 'destination', item: destination },
      ];
      const refusal = await runTagged(tagged);
      if (!refusal) return undefined;
      if (refusal.tag === 'captcha') return { reason: 'captcha_used' };
      if (refusal.tag === 'ip') return { reason: 'ip_limited', retryMs: msUntilRoom(IP_SEND_WINDOW, refusal.item, nowMs) };
      const lockedMs = msUntilRoom(w.failures, refusal.item, nowMs);
      if (lockedMs > 0) return { reason: 'locked', retryMs: lockedMs };
      return {
        reason: 'send_limited',
        retryMs: Math.max(msUntilRoom(w.cooldown, refusal.item, nowMs), msUntilRoom(w.daily, refusal.item, nowMs)),
      };
    },

    /** Undoes a send whose delivery failed: the code is dropped and the send no longer counts. */
    async withdraw(input: { destinationHash: string; codeHash: string; sentAtMs: number }): Promise<void> {
      const w = DESTINATION_WINDOWS;
      const parts = combine([withdrawEvent(w.cooldown, input.sentAtMs), withdrawEvent(w.daily, input.sentAtMs)]);
      try {
        await db.doc.send(
          new UpdateCommand({
            TableName: table,
            Key: key(input.destinationHash),
            UpdateExpression: `SET ${parts.set.join(', ')} REMOVE codeHash, codeExpiresAt, codeWrongTries`,
            ConditionExpression: `${parts.condition} AND codeHash = :code`,
            ExpressionAttributeNames: parts.names,
            ExpressionAttributeValues: { ...parts.values, ':code': input.codeHash },
          }),
        );
      } catch (err) {
        if (!isConditionalCheckFailed(err)) throw err; // a newer send replaced it: nothing to undo
      }
    },

    /**
     * One attempt, one conditional write: if the attempt window has room, the destination is not
     * locked and the pending code is alive and equal, the attempt is recorded and the code consumed.
     * Otherwise nothing changes and the old state says why.
     */
    async attempt(input: { destinationHash: string; codeHash: string; nowMs: number }): Promise<AttemptOutcome | { kind: 'unexpected' }> {
      const w = DESTINATION_WINDOWS;
      const { nowMs } = input;
      const parts = combine([admitEvent(w.attempts, nowMs), hasRoom(w.failures, nowMs)]);
      try {
        await db.doc.send(
          new UpdateCommand({
            TableName: table,
            Key: key(input.destinationHash),
            UpdateExpression: `SET ${[...parts.set, 'verifiedAt = :now', '#ttl = :ttl'].join(', ')} REMOVE codeHash, codeExpiresAt, codeWrongTries`,
            ConditionExpression: `${parts.condition} AND codeHash = :code AND codeExpiresAt > :now AND codeWrongTries < :maxTries`,
            ExpressionAttributeNames: { ...parts.names, '#ttl': 'ttl' },
            ExpressionAttributeValues: {
              ...parts.values,
              ':code': input.codeHash,
              ':now': nowMs,
              ':maxTries': MAX_WRONG_TRIES_PER_CODE,
              ':ttl': itemTtl(nowMs),
            },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { kind: 'verified' };
      } catch (err) {
        if (!isConditionalCheckFailed(err)) throw err;
        return classifyAttempt(conditionFailureItem(err), input.codeHash, nowMs);
      }
    },

    /**
     * Records a wrong attempt against the state it was judged on (same code, same try count), with
     * its audit record, in one transaction. A state that moved on in between is re-judged.
     */
    async recordWrong(input: {
      destinationHash: string;
      judged: DestinationState;
      nowMs: number;
      audit: (remainingAttempts: number) => TransactItem;
    }): Promise<WrongRecord> {
      const w = DESTINATION_WINDOWS;
      const { nowMs, judged } = input;
      const tries = num(judged.codeWrongTries) + 1;
      const failuresAfter = eventsInWindow(w.failures, judged, nowMs) + 1;
      const remainingAttempts = Math.max(0, Math.min(MAX_WRONG_TRIES_PER_CODE - tries, w.failures.limit - failuresAfter));
      const parts = combine([admitEvent(w.attempts, nowMs), admitEvent(w.failures, nowMs)]);
      try {
        await withTransactionRetry(() =>
          db.doc.send(
            new TransactWriteCommand({
              TransactItems: [
                {
                  Update: {
                    TableName: table,
                    Key: key(input.destinationHash),
                    UpdateExpression: `SET ${[...parts.set, 'codeWrongTries = :tries', '#ttl = :ttl'].join(', ')}`,
                    ConditionExpression: `${parts.condition} AND codeHash = :judgedCode AND codeWrongTries = :judgedTries AND codeExpiresAt > :now`,
                    ExpressionAttributeNames: { ...parts.names, '#ttl': 'ttl' },
                    ExpressionAttributeValues: {
                      ...parts.values,
                      ':tries': tries,
                      ':judgedCode': judged.codeHash,
                      ':judgedTries': num(judged.codeWrongTries),
                      ':now': nowMs,
                      ':ttl': itemTtl(nowMs),
                    },
                    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                  },
                },
                input.audit(remainingAttempts),
              ],
            }),
          ),
        );
        return { kind: 'recorded', remainingAttempts };
      } catch (err) {
        const reasons = cancellationReasons(err);
        if (!reasons || reasons[0]?.Code !== 'ConditionalCheckFailed') throw err;
        const now = classifyAttempt(reasons[0].Item, String(judged.codeHash), nowMs);
        if (now.kind === 'no_code' || now.kind === 'locked' || now.kind === 'throttled') return now;
        return { kind: 'changed', state: reasons[0].Item };
      }
    },
  };

  /** Runs a transaction of tagged items; returns the first item (by tag order) whose condition failed. */
  async function runTagged(
    tagged: Array<{ tag: string; item: TransactItem }>,
  ): Promise<{ tag: string; item: DestinationState | undefined } | undefined> {
    try {
      await withTransactionRetry(() => db.doc.send(new TransactWriteCommand({ TransactItems: tagged.map((t) => t.item) })));
      return undefined;
    } catch (err) {
      const reasons = cancellationReasons(err);
      if (!reasons) throw err;
      const index = reasons.findIndex((r) => r.Code === 'ConditionalCheckFailed');
      if (index < 0) throw err;
      return { tag: tagged[index]!.tag, item: reasons[index]!.Item };
    }
  }
}

export type CodeStore = ReturnType<typeof createCodeStore>;
