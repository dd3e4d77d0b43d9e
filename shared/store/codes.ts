import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { PendingAudit } from '../audit/request-audit.js';
import { safeEqual } from '../identity/hash.js';
import {
  ITEM_LIFETIME_MS,
  MAX_WRONG_TRIES_PER_CODE,
  MINUTE_MS,
  SEND_COOLDOWN,
  SEND_DAILY_CAP,
  SEND_PER_SOURCE_IP,
  ttlAfter,
  VERIFY_ATTEMPTS,
  VERIFY_FAILURES,
} from '../policy.js';
import type { AuditLog } from './audit.js';
import { cancellationReasons, conditionFailureItem, isConditionalCheckFailed, outcomeUnknown, type Db } from './client.js';
import { keys } from './keys.js';
import { admitEvent, combine, eventsInWindow, hasRoom, msUntilRoom, withdrawEvent, type SlidingWindow } from './sliding-window.js';
import { withTransactionRetry, type TransactItem } from './transactions.js';

/**
 * Pending codes and every per-destination limit live on one item per destination (keyed by the
 * destination's keyed hash), so each check-and-change is one conditional write on one item.
 * The attribute prefixes are this item's storage layout; the numbers are SPEC's (shared/policy.ts).
 */
export const DESTINATION_WINDOWS = {
  cooldown: { prefix: 'sc', ...SEND_COOLDOWN },
  daily: { prefix: 'sd', ...SEND_DAILY_CAP },
  attempts: { prefix: 'va', ...VERIFY_ATTEMPTS },
  failures: { prefix: 'vf', ...VERIFY_FAILURES },
} as const satisfies Record<string, SlidingWindow>;

/** The per-source-IP send window, on the IP's own item. */
export const SOURCE_IP_WINDOW: SlidingWindow = { prefix: 'ip', ...SEND_PER_SOURCE_IP };

const destinationTtl = (nowMs: number) => ttlAfter(nowMs, ITEM_LIFETIME_MS.destination);
const captchaTtl = (pass: { expiresAtMs: number }, nowMs: number) =>
  Math.max(ttlAfter(nowMs, ITEM_LIFETIME_MS.usedCaptcha), ttlAfter(pass.expiresAtMs, MINUTE_MS));

/** DynamoDB gave no answer to a send's transaction (it stalled, or the budget ran out): it may still commit. */
export class SendOutcomeUnknown extends Error {
  override name = 'SendOutcomeUnknown';
  constructor(override readonly cause: unknown) {
    super('the send transaction got no answer');
  }
}

/** One send as the domain asks for it: the new code, what it spends, and the request's audit record. */
export interface CodeSend {
  destinationHash: string;
  codeHash: string;
  channel: string;
  nowMs: number;
  expiresAtMs: number;
  /** A CAPTCHA pass to spend: refused if another send used it. */
  captcha?: { jti: string; expiresAtMs: number } | undefined;
  /** The keyed hash of the source address whose window the send counts against. */
  sourceIpHash?: string | undefined;
  audit: PendingAudit;
}
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

type Tag = 'captcha' | 'ip' | 'audit' | 'destination';

const num = (v: unknown) => (typeof v === 'number' ? v : 0);

/** What an attempt with `codeHash` at `nowMs` meets, judged from the destination's state. */
export function classifyAttempt(
  state: DestinationState | undefined,
  codeHash: string,
  nowMs: number,
): AttemptOutcome {
  const refusal = attemptRefusal(state, nowMs);
  if (refusal || !state) return refusal ?? { kind: 'no_code' };
  // A failed conditional write returns the item it was judged on, so an equal hash here means the
  // store and this function disagree on the rules: a bug, answered as a server error.
  if (safeEqual(String(state.codeHash), codeHash)) throw new Error('classifyAttempt: a matching live code failed its condition');
  return { kind: 'wrong', state };
}

/** Why any attempt at `nowMs` would be refused by the destination's state, or undefined when it would be judged. */
function attemptRefusal(state: DestinationState | undefined, nowMs: number): Extract<AttemptOutcome, { kind: 'no_code' | 'locked' | 'throttled' }> | undefined {
  const w = DESTINATION_WINDOWS;
  if (!state || typeof state.codeHash !== 'string') return { kind: 'no_code' };
  const lockedMs = msUntilRoom(w.failures, state, nowMs);
  if (lockedMs > 0) return { kind: 'locked', retryMs: lockedMs };
  const throttledMs = msUntilRoom(w.attempts, state, nowMs);
  if (throttledMs > 0) return { kind: 'throttled', retryMs: throttledMs };
  if (num(state.codeExpiresAt) <= nowMs || num(state.codeWrongTries) >= MAX_WRONG_TRIES_PER_CODE) return { kind: 'no_code' };
  return undefined;
}

export function createCodeStore(db: Db, table: string, auditLog: AuditLog) {
  const key = (destinationHash: string) => keys.destination(destinationHash);

  return {
    /**
     * Stores a new code (replacing a pending one) if the destination's send limits allow it, in one
     * transaction with the CAPTCHA pass's use, the source IP's window and the request's audit
     * record: all or nothing.
     */
    async issue(input: CodeSend): Promise<SendRefusal | undefined> {
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
            ':ttl': destinationTtl(nowMs),
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      };
      const tagged: Array<{ tag: Tag; item: TransactItem }> = [];
      if (input.captcha) tagged.push({ tag: 'captcha', item: captchaUseItem(input.captcha, input.audit.record.id, nowMs) });
      if (input.sourceIpHash) tagged.push({ tag: 'ip', item: sourceIpSendItem(input.sourceIpHash, nowMs) });
      tagged.push({ tag: 'audit', item: auditLog.putItem(input.audit.record) });
      tagged.push({ tag: 'destination', item: destination });
      let refusal: Awaited<ReturnType<typeof runTagged>>;
      try {
        refusal = await runTagged(tagged);
      } catch (err) {
        throw outcomeUnknown(err) ? new SendOutcomeUnknown(err) : err;
      }
      if (!refusal) {
        input.audit.committed();
        return undefined;
      }
      if (refusal.tag === 'captcha') return { reason: 'captcha_used' };
      if (refusal.tag === 'ip') return { reason: 'ip_limited', retryMs: msUntilRoom(SOURCE_IP_WINDOW, refusal.item, nowMs) };
      const lockedMs = msUntilRoom(w.failures, refusal.item, nowMs);
      if (lockedMs > 0) return { reason: 'locked', retryMs: lockedMs };
      return {
        reason: 'send_limited',
        retryMs: Math.max(msUntilRoom(w.cooldown, refusal.item, nowMs), msUntilRoom(w.daily, refusal.item, nowMs)),
      };
    },

    /**
     * Undoes a send that was answered with a failure: its delivery failed, or its transaction's
     * outcome is unknown (DynamoDB stalled or the budget ran out mid-request). The CAPTCHA pass is
     * voided first, which also stops the send's own transaction from committing if it is still on
     * its way; if the send did commit, its code is dropped, its cooldown, daily and source-address
     * slots are given back, and (when `dropAuditRecord`) the record that said 200 is removed, so the
     * request keeps the one record of its real answer.
     */
    async undo(send: CodeSend, o: { committed: boolean | 'unknown'; dropAuditRecord: boolean }): Promise<{ committed: boolean }> {
      const id = send.audit.record.id;
      let committed = o.committed === true;
      if (send.captcha) {
        try {
          // `usedBy` stays, so a repeated undo (the first may have timed out after it was applied) still sees the send committed.
          const { Attributes } = await db.doc.send(
            new UpdateCommand({
              TableName: table,
              Key: keys.captcha(send.captcha.jti),
              UpdateExpression: 'SET voidedBy = :id, #ttl = if_not_exists(#ttl, :ttl)',
              ConditionExpression: 'attribute_not_exists(pk) OR usedBy = :id',
              ExpressionAttributeNames: { '#ttl': 'ttl' },
              ExpressionAttributeValues: { ':id': id, ':ttl': captchaTtl(send.captcha, send.nowMs) },
              ReturnValues: 'ALL_OLD',
            }),
          );
          committed = Attributes?.usedBy === id;
        } catch (err) {
          if (!isConditionalCheckFailed(err)) throw err;
          committed = false; // another send holds the pass: this one never committed and now never will
        }
      } else if (o.committed === 'unknown') {
        committed = true; // a trusted direct send has no pass to void: undo whatever it left, conditionally
      }
      if (!committed) return { committed };

      const w = DESTINATION_WINDOWS;
      const parts = combine([withdrawEvent(w.cooldown, send.nowMs), withdrawEvent(w.daily, send.nowMs)]);
      await ignoringConditionFailure(
        // A newer send replaced the code: nothing of this one is left to undo.
        new UpdateCommand({
          TableName: table,
          Key: key(send.destinationHash),
          UpdateExpression: `SET ${parts.set.join(', ')} REMOVE codeHash, codeExpiresAt, codeWrongTries`,
          ConditionExpression: `${parts.condition} AND codeHash = :code`,
          ExpressionAttributeNames: parts.names,
          ExpressionAttributeValues: { ...parts.values, ':code': send.codeHash },
        }),
      );
      if (send.sourceIpHash) {
        const ip = withdrawEvent(SOURCE_IP_WINDOW, send.nowMs);
        await ignoringConditionFailure(
          // Another send from the address came after: its slot is not this one's to give back.
          new UpdateCommand({
            TableName: table,
            Key: keys.sourceIp(send.sourceIpHash),
            UpdateExpression: `SET ${ip.set.join(', ')}`,
            ConditionExpression: ip.condition,
            ExpressionAttributeNames: ip.names,
            ExpressionAttributeValues: ip.values,
          }),
        );
      }
      if (o.dropAuditRecord) await auditLog.remove(send.audit.record);
      return { committed };
    },

    /**
     * One attempt, one conditional write: if the attempt window has room, the destination is not
     * locked and the pending code is alive and equal, the attempt is recorded and the code consumed.
     * Otherwise nothing changes and the old state says why.
     */
    async attempt(input: { destinationHash: string; codeHash: string; nowMs: number }): Promise<AttemptOutcome> {
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
              ':ttl': destinationTtl(nowMs),
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
      /** The request's audit record, given the attempts the caller has left. */
      audit: (remainingAttempts: number) => PendingAudit;
    }): Promise<WrongRecord> {
      const w = DESTINATION_WINDOWS;
      const { nowMs, judged } = input;
      const tries = num(judged.codeWrongTries) + 1;
      const failuresAfter = eventsInWindow(w.failures, judged, nowMs) + 1;
      const remainingAttempts = Math.max(0, Math.min(MAX_WRONG_TRIES_PER_CODE - tries, w.failures.limit - failuresAfter));
      const parts = combine([admitEvent(w.attempts, nowMs), admitEvent(w.failures, nowMs)]);
      const audit = input.audit(remainingAttempts);
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
                      ':ttl': destinationTtl(nowMs),
                    },
                    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                  },
                },
                auditLog.putItem(audit.record),
              ],
            }),
          ),
        );
        audit.committed();
        return { kind: 'recorded', remainingAttempts };
      } catch (err) {
        const reasons = cancellationReasons(err);
        if (!reasons || reasons[0]?.Code !== 'ConditionalCheckFailed') throw err;
        return attemptRefusal(reasons[0].Item, nowMs) ?? { kind: 'changed', state: reasons[0].Item };
      }
    },
  };

  /** Transaction element: admit one send from this (hashed) source address, or fail its condition. */
  function sourceIpSendItem(ipHash: string, nowMs: number): TransactItem {
    const w = admitEvent(SOURCE_IP_WINDOW, nowMs);
    return {
      Update: {
        TableName: table,
        Key: keys.sourceIp(ipHash),
        UpdateExpression: `SET ${[...w.set, '#ttl = :ipTtl'].join(', ')}`,
        ConditionExpression: w.condition,
        ExpressionAttributeNames: { ...w.names, '#ttl': 'ttl' },
        ExpressionAttributeValues: { ...w.values, ':ipTtl': ttlAfter(nowMs, ITEM_LIFETIME_MS.sourceIp) },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
  }

  /**
   * Transaction element: mark a CAPTCHA pass as used by this send; fails if another send used it.
   * A pass voided by a send that failed may be used again, but never by that same send.
   */
  function captchaUseItem(pass: { jti: string; expiresAtMs: number }, sendId: string, nowMs: number): TransactItem {
    return {
      Put: {
        TableName: table,
        Item: { ...keys.captcha(pass.jti), usedAt: nowMs, usedBy: sendId, ttl: captchaTtl(pass, nowMs) },
        ConditionExpression: 'attribute_not_exists(pk) OR (attribute_exists(voidedBy) AND voidedBy <> :sendId)',
        ExpressionAttributeValues: { ':sendId': sendId },
      },
    };
  }

  async function ignoringConditionFailure(command: UpdateCommand): Promise<void> {
    try {
      await db.doc.send(command);
    } catch (err) {
      if (!isConditionalCheckFailed(err)) throw err;
    }
  }

  /** Runs a transaction of tagged items; returns the first item (by tag order) whose condition failed. */
  async function runTagged(
    tagged: Array<{ tag: Tag; item: TransactItem }>,
  ): Promise<{ tag: Tag; item: DestinationState | undefined } | undefined> {
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
