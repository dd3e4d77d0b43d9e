import type { AuditRecord, PendingAudit } from '../audit/request-audit.js';
import { ITEM_LIFETIME_MS, MAX_WRONG_TRIES_PER_CODE, VERIFY_FAILURES_PER_REQUESTER } from '../policy.js';
import type { AuditLog } from './audit.js';
import type { Db } from './client.js';
import {
  attemptRefusal,
  capNotReached,
  classifyAttempt,
  DESTINATION_FAILURE_RUN,
  DESTINATION_WINDOWS,
  destinationKey,
  destinationTtl,
  num,
  recordRunFailure,
  type AttemptOutcome,
  type DestinationState,
} from './destinations.js';
import { keys } from './keys.js';
import { admitEvent, admitEventItem, combine, msUntilRoom, roomCheckItem, type StoredWindow } from './sliding-window.js';
import { transactTagged } from './transactions.js';

/** Verify attempts at a destination (SPEC §4): each judged and recorded in one transaction with its audit record. */
export interface VerifyAttempts {
  /** Consumes the code if the attempt is allowed and the code is right; otherwise says what the attempt met. */
  attempt(input: Attempt): Promise<AttemptOutcome>;
  /** Records a wrong attempt against the state it was judged on; a state that moved on is answered `changed`. */
  recordWrong(input: WrongAttempt): Promise<WrongRecord>;
}

export interface Attempt {
  destinationHash: string;
  requesterHash: string;
  codeHash: string;
  nowMs: number;
  audit: PendingAudit;
}

export interface WrongAttempt {
  destinationHash: string;
  requesterHash: string;
  /** The destination's state the attempt was judged wrong on. */
  judged: DestinationState;
  nowMs: number;
  /** The request's audit record, given the attempts the caller has left. */
  audit: (remainingAttempts: number) => PendingAudit;
}

export type WrongRecord =
  | { kind: 'recorded'; remainingAttempts: number }
  | { kind: 'changed'; state: DestinationState | undefined } // the state moved on: evaluate the attempt again
  | Exclude<AttemptOutcome, { kind: 'wrong' } | { kind: 'verified' }>;

/** A requester's failures at one destination, on that requester's own item. */
export const REQUESTER_FAILURES_WINDOW: StoredWindow = { prefix: 'rf', ...VERIFY_FAILURES_PER_REQUESTER };

type Tag = 'requester' | 'destination' | 'audit';

/**
 * What a verify that changes the destination's item writes on it besides its rules' attributes: its request
 * ids (the platform's, and the caller's X-Request-Id when it sent one) and the destination masked, which the
 * lifecycle event of the change carries (CodeVerified, VerificationLocked; shared/events/lifecycle.ts). In the
 * write that already happens: no request more.
 */
function verifyMarks(record: AuditRecord): { set: string[]; remove: string[]; values: Record<string, string> } {
  const set = ['verifyRequestId = :verifyRid'];
  const values: Record<string, string> = { ':verifyRid': record.requestId };
  // Without an X-Request-Id of its own the caller was answered the platform's: an earlier caller's goes.
  const remove = record.clientRequestId ? [] : ['verifyClientRequestId'];
  if (record.clientRequestId) {
    set.push('verifyClientRequestId = :verifyCrid');
    values[':verifyCrid'] = record.clientRequestId;
  }
  if (record.subjectMasked) {
    set.push('subjectMasked = :masked');
    values[':masked'] = record.subjectMasked;
  }
  return { set, remove, values };
}

export function createVerifyAttempts(db: Db, table: string, auditLog: Pick<AuditLog, 'putItem'>): VerifyAttempts {
  const requesterKey = (requesterHash: string) => keys.requester(requesterHash);

  return {
    /**
     * One attempt, one transaction: if the requester has failure budget left at this destination, the
     * destination is under its failure cap, its attempt window has room and the pending code is alive
     * and equal, the attempt is recorded, the code consumed and the request's audit record committed.
     * Otherwise nothing changes and the old state says why.
     */
    async attempt(input) {
      const { nowMs } = input;
      const parts = combine([admitEvent(DESTINATION_WINDOWS.attempts, nowMs), capNotReached(nowMs)]);
      const marks = verifyMarks(input.audit.record);
      const refusal = await transactTagged<Tag>(db, [
        { tag: 'requester', item: roomCheckItem(REQUESTER_FAILURES_WINDOW, table, requesterKey(input.requesterHash), nowMs) },
        {
          tag: 'destination',
          item: {
            Update: {
              TableName: table,
              Key: destinationKey(input.destinationHash),
              UpdateExpression: `SET ${[...parts.set, 'verifiedAt = :now', ...marks.set, '#ttl = :ttl'].join(', ')} REMOVE ${['codeHash', 'codeExpiresAt', 'codeWrongTries', ...marks.remove].join(', ')}`,
              ConditionExpression: `${parts.condition} AND codeHash = :code AND codeExpiresAt > :now AND codeWrongTries < :maxTries`,
              ExpressionAttributeNames: { ...parts.names, '#ttl': 'ttl' },
              ExpressionAttributeValues: {
                ...parts.values,
                ':code': input.codeHash,
                ':now': nowMs,
                ':maxTries': MAX_WRONG_TRIES_PER_CODE,
                ...marks.values,
                ':ttl': destinationTtl(nowMs),
              },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
        },
        { tag: 'audit', item: auditLog.putItem(input.audit.record) },
      ]);
      if (!refusal) {
        input.audit.committed();
        return { kind: 'verified' };
      }
      if (refusal.tag === 'requester')
        return { kind: 'requester_locked', retryMs: msUntilRoom(REQUESTER_FAILURES_WINDOW, refusal.item, nowMs) };
      return classifyAttempt(refusal.item, input.codeHash, nowMs);
    },

    /**
     * Records a wrong attempt against the state it was judged on (same code, same try count, same
     * failure run), in the requester's budget, with its audit record, in one transaction. A state that
     * moved on in between is re-judged.
     */
    async recordWrong(input) {
      const { nowMs, judged } = input;
      const tries = num(judged.codeWrongTries) + 1;
      const failure = recordRunFailure(judged, nowMs);
      // The code's tries and the destination's cap; the requester's own budget is not read (a requester
      // past it is answered 429 with the time it lasts).
      const remainingAttempts = Math.max(0, Math.min(MAX_WRONG_TRIES_PER_CODE - tries, DESTINATION_FAILURE_RUN.limit - failure.countAfter));
      const parts = combine([admitEvent(DESTINATION_WINDOWS.attempts, nowMs), failure.parts]);
      const audit = input.audit(remainingAttempts);
      const marks = verifyMarks(audit.record);
      const requesterFailure = admitEventItem(
        REQUESTER_FAILURES_WINDOW,
        table,
        requesterKey(input.requesterHash),
        nowMs,
        ITEM_LIFETIME_MS.requesterFailures,
      );
      const refusal = await transactTagged<Tag>(db, [
        { tag: 'requester', item: requesterFailure },
        {
          tag: 'destination',
          item: {
            Update: {
              TableName: table,
              Key: destinationKey(input.destinationHash),
              UpdateExpression: `SET ${[...parts.set, 'codeWrongTries = :tries', ...marks.set, '#ttl = :ttl'].join(', ')}${marks.remove.length ? ` REMOVE ${marks.remove.join(', ')}` : ''}`,
              ConditionExpression: `${parts.condition} AND codeHash = :judgedCode AND codeWrongTries = :judgedTries AND codeExpiresAt > :now`,
              ExpressionAttributeNames: { ...parts.names, '#ttl': 'ttl' },
              ExpressionAttributeValues: {
                ...parts.values,
                ':tries': tries,
                ':judgedCode': judged.codeHash,
                ':judgedTries': num(judged.codeWrongTries),
                ':now': nowMs,
                ...marks.values,
                ':ttl': destinationTtl(nowMs),
              },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
        },
        { tag: 'audit', item: auditLog.putItem(audit.record) },
      ]);
      if (!refusal) {
        audit.committed();
        return { kind: 'recorded', remainingAttempts };
      }
      if (refusal.tag === 'requester')
        return { kind: 'requester_locked', retryMs: msUntilRoom(REQUESTER_FAILURES_WINDOW, refusal.item, nowMs) };
      if (refusal.tag !== 'destination') throw new Error(`recordWrong: unexpected condition failure on ${refusal.tag}`);
      return attemptRefusal(refusal.item, nowMs) ?? { kind: 'changed', state: refusal.item };
    },
  };
}
