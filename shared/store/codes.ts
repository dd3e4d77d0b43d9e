import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditRecord, PendingAudit } from '../audit/request-audit.js';
import { safeEqual } from '../identity/hash.js';
import {
  ITEM_LIFETIME_MS,
  MAX_WRONG_TRIES_PER_CODE,
  MINUTE_MS,
  SECOND_MS,
  SEND_COOLDOWN,
  SEND_DAILY_CAP,
  SEND_PER_SOURCE_IP,
  SMS_BUDGET_PERIOD_MS,
  ttlAfter,
  VERIFY_ATTEMPTS,
  VERIFY_FAILURES_PER_DESTINATION,
  VERIFY_FAILURES_PER_REQUESTER,
} from '../policy.js';
import type { AuditLog } from './audit.js';
import { cancellationReasons, isConditionalCheckFailed, outcomeUnknown, unlessConditionFails, type Db } from './client.js';
import type { DeliveryRequest, Deliveries, SendTrace } from './deliveries.js';
import { keys, type Key } from './keys.js';
import { countEventItem, msUntilNextPeriod, roomCheckItem, type PeriodCounter } from './period-counter.js';
import { admitEvent, attributeNames, combine, hasRoom, msUntilRoom, withdrawEvent, type ExpressionParts, type SlidingWindow } from './sliding-window.js';
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
} as const satisfies Record<string, SlidingWindow>;

/**
 * The destination-wide failure cap, kept as a run: how many failures since the last 24 h without one,
 * and when the last one was. A run only ends after a quiet 24 h, so any 24 h span holds failures of one
 * run only and never more than the cap (conservative where a 100-slot window would be exact, at a
 * hundredth of its size on an item every send and verify writes).
 */
export const DESTINATION_FAILURE_RUN = { count: 'vfRun', last: 'vfLast', ...VERIFY_FAILURES_PER_DESTINATION } as const;

/** A requester's failures at one destination, on that requester's own item. */
export const REQUESTER_FAILURES_WINDOW: SlidingWindow = { prefix: 'rf', ...VERIFY_FAILURES_PER_REQUESTER };

/** SMS per country per clock hour (SPEC §4), on an item per country and hour. */
export const SMS_BUDGET: PeriodCounter = {
  periodMs: SMS_BUDGET_PERIOD_MS,
  lifetimeMs: ITEM_LIFETIME_MS.smsBudget,
  key: (country, periodStartMs) => keys.smsBudget(country, periodStartMs),
};

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
  /**
   * The country whose hourly SMS budget the send spends (`spend`), or only needs room in (a send
   * withheld under enumeration protection: answered as a real one would be, costing nothing).
   */
  smsBudget?: { country: string; limit: number; spend: boolean } | undefined;
  audit: PendingAudit;
  /**
   * The message deliverCode sends once the send commits (store/deliveries.ts), committed with it; the
   * store adds the send's ids and traces. A withheld send leaves one too (channel 'none'), which is skipped.
   */
  delivery: Pick<DeliveryRequest, 'channel' | 'to' | 'code' | 'expireSeconds' | 'language' | 'requestId' | 'subjectHash' | 'subjectMasked'>;
}

/** What undoing `send` looks for: its CAPTCHA use, its window slots, its code. */
export const traceOf = (send: CodeSend): SendTrace => ({
  sendId: send.audit.record.id,
  destinationHash: send.destinationHash,
  codeHash: send.codeHash,
  nowMs: send.nowMs,
  captcha: send.captcha,
  sourceIpHash: send.sourceIpHash,
});
export type DestinationState = Record<string, unknown>;

const run = DESTINATION_FAILURE_RUN;
const RUN_NAMES = { '#vfRun': run.count, '#vfLast': run.last };

/** Condition that the destination is not locked by its failure cap at `nowMs`. */
function capNotReached(nowMs: number): ExpressionParts {
  return {
    condition: '(attribute_not_exists(#vfRun) OR #vfRun < :capLimit OR #vfLast <= :capCut)',
    set: [],
    names: RUN_NAMES,
    values: { ':capLimit': run.limit, ':capCut': nowMs - run.windowMs },
  };
}

/** Milliseconds the destination stays locked by its failure cap (0 when it is not). */
export function capLockedMs(state: DestinationState | undefined, nowMs: number): number {
  const last = num(state?.[run.last]);
  if (num(state?.[run.count]) < run.limit || last <= nowMs - run.windowMs) return 0;
  return last + run.windowMs - nowMs;
}

/**
 * Records one more failure in the run the destination was judged in: the judged run's values are
 * pinned by the condition (every failure changes the count, a new run the time), so a run that moved
 * on in between fails the write and is judged again.
 */
function recordRunFailure(judged: DestinationState, nowMs: number): { parts: ExpressionParts; countAfter: number } {
  const judgedCount = judged[run.count];
  const judgedLast = judged[run.last];
  const fresh = typeof judgedLast !== 'number' || judgedLast <= nowMs - run.windowMs;
  const countAfter = fresh ? 1 : num(judgedCount) + 1;
  const pinned =
    typeof judgedCount === 'number' && typeof judgedLast === 'number'
      ? '#vfRun = :judgedRun AND #vfLast = :judgedLast'
      : 'attribute_not_exists(#vfRun) AND attribute_not_exists(#vfLast)';
  const open = capNotReached(nowMs);
  return {
    countAfter,
    parts: {
      condition: `${open.condition} AND ${pinned}`,
      set: ['#vfRun = :runAfter', '#vfLast = :runNow'],
      names: RUN_NAMES,
      values: {
        ...open.values,
        ':runAfter': countAfter,
        ':runNow': nowMs,
        ...(typeof judgedCount === 'number' && typeof judgedLast === 'number' ? { ':judgedRun': judgedCount, ':judgedLast': judgedLast } : {}),
      },
    },
  };
}

export type SendRefusal =
  | { reason: 'captcha_used' }
  | { reason: 'sms_budget_exhausted'; retryMs: number }
  | { reason: 'ip_limited'; retryMs: number }
  | { reason: 'send_limited'; retryMs: number }
  | { reason: 'locked'; retryMs: number };

export type AttemptOutcome =
  | { kind: 'verified' }
  | { kind: 'no_code' }
  /** The destination reached its failure cap. */
  | { kind: 'locked'; retryMs: number }
  /** This requester used up its failure budget at this destination. */
  | { kind: 'requester_locked'; retryMs: number }
  | { kind: 'throttled'; retryMs: number }
  | { kind: 'wrong'; state: DestinationState };

export type WrongRecord =
  | { kind: 'recorded'; remainingAttempts: number }
  | { kind: 'changed'; state: DestinationState | undefined } // the state moved on: evaluate the attempt again
  | Exclude<AttemptOutcome, { kind: 'wrong' } | { kind: 'verified' }>;

type Tag = 'captcha' | 'ip' | 'sms_budget' | 'audit' | 'destination' | 'requester' | 'delivery';

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
  const lockedMs = capLockedMs(state, nowMs);
  if (lockedMs > 0) return { kind: 'locked', retryMs: lockedMs };
  if (!state || typeof state.codeHash !== 'string') return { kind: 'no_code' };
  const throttledMs = msUntilRoom(w.attempts, state, nowMs);
  if (throttledMs > 0) return { kind: 'throttled', retryMs: throttledMs };
  if (num(state.codeExpiresAt) <= nowMs || num(state.codeWrongTries) >= MAX_WRONG_TRIES_PER_CODE) return { kind: 'no_code' };
  return undefined;
}

/** `deliveries` only for a store that issues codes (send): verify never writes a delivery request. */
export function createCodeStore(db: Db, table: string, auditLog: AuditLog, deliveries?: Pick<Deliveries, 'requestItem' | 'withdraw'>) {
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
      const parts = combine([admitEvent(w.cooldown, nowMs), admitEvent(w.daily, nowMs), capNotReached(nowMs)]);
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
      const sms = input.smsBudget;
      if (sms) {
        const item = (sms.spend ? countEventItem : roomCheckItem)(SMS_BUDGET, table, sms.country, nowMs, sms.limit);
        tagged.push({ tag: 'sms_budget', item });
      }
      tagged.push({ tag: 'audit', item: auditLog.putItem(input.audit.record) });
      tagged.push({ tag: 'destination', item: destination });
      if (!deliveries) throw new Error('createCodeStore: issuing codes needs the delivery requests store');
      const record = input.audit.record;
      const delivery = { ...input.delivery, sendId: record.id, sendRequestId: record.requestId, committedAtMs: nowMs, trace: traceOf(input) };
      tagged.push({ tag: 'delivery', item: deliveries.requestItem(delivery) });
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
      if (refusal.tag === 'contended') return { reason: 'send_limited', retryMs: SECOND_MS };
      if (refusal.tag === 'captcha') return { reason: 'captcha_used' };
      if (refusal.tag === 'ip') return { reason: 'ip_limited', retryMs: msUntilRoom(SOURCE_IP_WINDOW, refusal.item, nowMs) };
      if (refusal.tag === 'sms_budget') return { reason: 'sms_budget_exhausted', retryMs: msUntilNextPeriod(SMS_BUDGET, nowMs) };
      const lockedMs = capLockedMs(refusal.item, nowMs);
      if (lockedMs > 0) return { reason: 'locked', retryMs: lockedMs };
      return {
        reason: 'send_limited',
        retryMs: Math.max(msUntilRoom(w.cooldown, refusal.item, nowMs), msUntilRoom(w.daily, refusal.item, nowMs)),
      };
    },

    /**
     * Undoes a send: one answered with a failure because its transaction's outcome is unknown (DynamoDB
     * stalled or the budget ran out mid-request), or one whose delivery failed for good (deliverCode's
     * refund). The CAPTCHA pass is voided first, which also stops the send's own transaction from
     * committing if it is still on its way; if the send did commit, its code is dropped, its cooldown,
     * daily and source-address slots are given back, and (`dropAuditRecord`) the record that said 200
     * is removed, so the request keeps the one record of its real answer. Every step is conditional, so
     * undoing twice changes nothing more. The country's SMS budget stays spent: the SMS may have gone out.
     */
    async undo(send: SendTrace, o: { committed: boolean | 'unknown'; dropAuditRecord?: AuditRecord | undefined }): Promise<{ committed: boolean }> {
      const id = send.sendId;
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
          committed ||= Attributes?.usedBy === id;
        } catch (err) {
          if (!isConditionalCheckFailed(err)) throw err;
          // Another send holds the pass: unless known to have committed, this one never did and now never will.
          committed = o.committed === true;
        }
      } else if (o.committed === 'unknown') {
        committed = true; // a trusted direct send has no pass to void: undo whatever it left, conditionally
      }
      if (!committed) return { committed };
      // A send answered with a failure must not be delivered: its request is withdrawn unless deliverCode
      // claimed it already (the stream is quick; then the message may be out, with a code dropped below).
      if (deliveries && o.committed !== true) await deliveries.withdraw(send.sendId, send.nowMs);

      const w = DESTINATION_WINDOWS;
      const parts = combine([withdrawEvent(w.cooldown, send.nowMs), withdrawEvent(w.daily, send.nowMs)]);
      // A newer send replaced the code: nothing of this one is left to undo.
      await unlessConditionFails(
        db.doc.send(
          new UpdateCommand({
            TableName: table,
            Key: key(send.destinationHash),
            UpdateExpression: `SET ${parts.set.join(', ')} REMOVE codeHash, codeExpiresAt, codeWrongTries`,
            ConditionExpression: `${parts.condition} AND codeHash = :code`,
            ExpressionAttributeNames: attributeNames(parts.names),
            ExpressionAttributeValues: { ...parts.values, ':code': send.codeHash },
          }),
        ),
      );
      if (send.sourceIpHash) {
        const ip = withdrawEvent(SOURCE_IP_WINDOW, send.nowMs);
        // Another send from the address came after: its slot is not this one's to give back.
        await unlessConditionFails(
          db.doc.send(
            new UpdateCommand({
              TableName: table,
              Key: keys.sourceIp(send.sourceIpHash),
              UpdateExpression: `SET ${ip.set.join(', ')}`,
              ConditionExpression: ip.condition,
              ExpressionAttributeNames: attributeNames(ip.names),
              ExpressionAttributeValues: ip.values,
            }),
          ),
        );
      }
      if (o.dropAuditRecord) await auditLog.remove(o.dropAuditRecord);
      return { committed };
    },

    /**
     * One attempt, one transaction: if the requester has failure budget left at this destination, the
     * destination is under its failure cap, its attempt window has room and the pending code is alive
     * and equal, the attempt is recorded, the code consumed and the request's audit record committed.
     * Otherwise nothing changes and the old state says why.
     */
    async attempt(input: { destinationHash: string; requesterHash: string; codeHash: string; nowMs: number; audit: PendingAudit }): Promise<AttemptOutcome> {
      const w = DESTINATION_WINDOWS;
      const { nowMs } = input;
      const parts = combine([admitEvent(w.attempts, nowMs), capNotReached(nowMs)]);
      const refusal = await runTagged([
        { tag: 'requester', item: requesterBudgetCheck(input.requesterHash, nowMs) },
        {
          tag: 'destination',
          item: {
            Update: {
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
            },
          },
        },
        { tag: 'audit', item: auditLog.putItem(input.audit.record) },
      ]);
      if (!refusal) {
        input.audit.committed();
        return { kind: 'verified' };
      }
      if (refusal.tag === 'contended') return { kind: 'throttled', retryMs: SECOND_MS };
      if (refusal.tag === 'requester') return { kind: 'requester_locked', retryMs: msUntilRoom(REQUESTER_FAILURES_WINDOW, refusal.item, nowMs) };
      return classifyAttempt(refusal.item, input.codeHash, nowMs);
    },

    /**
     * Records a wrong attempt against the state it was judged on (same code, same try count, same
     * failure run), in the requester's budget, with its audit record, in one transaction. A state that
     * moved on in between is re-judged.
     */
    async recordWrong(input: {
      destinationHash: string;
      requesterHash: string;
      judged: DestinationState;
      nowMs: number;
      /** The request's audit record, given the attempts the caller has left. */
      audit: (remainingAttempts: number) => PendingAudit;
    }): Promise<WrongRecord> {
      const w = DESTINATION_WINDOWS;
      const { nowMs, judged } = input;
      const tries = num(judged.codeWrongTries) + 1;
      const failure = recordRunFailure(judged, nowMs);
      // The code's tries and the destination's cap; the requester's own budget is not read (a requester
      // past it is answered 429 with the time it lasts).
      const remainingAttempts = Math.max(0, Math.min(MAX_WRONG_TRIES_PER_CODE - tries, run.limit - failure.countAfter));
      const parts = combine([admitEvent(w.attempts, nowMs), failure.parts]);
      const audit = input.audit(remainingAttempts);
      const refusal = await runTagged([
        { tag: 'requester', item: requesterFailureItem(input.requesterHash, nowMs) },
        {
          tag: 'destination',
          item: {
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
        },
        { tag: 'audit', item: auditLog.putItem(audit.record) },
      ]);
      if (!refusal) {
        audit.committed();
        return { kind: 'recorded', remainingAttempts };
      }
      if (refusal.tag === 'contended') return { kind: 'throttled', retryMs: SECOND_MS };
      if (refusal.tag === 'requester') return { kind: 'requester_locked', retryMs: msUntilRoom(REQUESTER_FAILURES_WINDOW, refusal.item, nowMs) };
      if (refusal.tag !== 'destination') throw new Error(`recordWrong: unexpected condition failure on ${refusal.tag}`);
      return attemptRefusal(refusal.item, nowMs) ?? { kind: 'changed', state: refusal.item };
    },
  };

  /** Transaction element: fail unless the requester has failure budget left at this destination. */
  function requesterBudgetCheck(requesterHash: string, nowMs: number): TransactItem {
    const room = hasRoom(REQUESTER_FAILURES_WINDOW, nowMs);
    return {
      ConditionCheck: {
        TableName: table,
        Key: keys.requester(requesterHash),
        ConditionExpression: room.condition,
        ExpressionAttributeNames: attributeNames(room.names),
        ExpressionAttributeValues: room.values,
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
  }

  /** Transaction element: admit one event into a window kept on an item of its own, or fail its condition. */
  function windowAdmitItem(window: SlidingWindow, itemKey: Key, nowMs: number, lifetimeMs: number): TransactItem {
    const w = admitEvent(window, nowMs);
    return {
      Update: {
        TableName: table,
        Key: itemKey,
        UpdateExpression: `SET ${[...w.set, '#ttl = :windowTtl'].join(', ')}`,
        ConditionExpression: w.condition,
        ExpressionAttributeNames: { ...w.names, '#ttl': 'ttl' },
        ExpressionAttributeValues: { ...w.values, ':windowTtl': ttlAfter(nowMs, lifetimeMs) },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
  }

  /** Transaction element: record one failure in the requester's budget at this destination. */
  function requesterFailureItem(requesterHash: string, nowMs: number): TransactItem {
    return windowAdmitItem(REQUESTER_FAILURES_WINDOW, keys.requester(requesterHash), nowMs, ITEM_LIFETIME_MS.requesterFailures);
  }

  /** Transaction element: admit one send from this (hashed) source address. */
  function sourceIpSendItem(ipHash: string, nowMs: number): TransactItem {
    return windowAdmitItem(SOURCE_IP_WINDOW, keys.sourceIp(ipHash), nowMs, ITEM_LIFETIME_MS.sourceIp);
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


  /**
   * Runs a transaction of tagged items; returns the first item (by tag order) whose condition failed,
   * or `contended` when other transactions on the same items kept cancelling it through every retry
   * (many concurrent requests on one destination: answered as a throttle, not as a server error).
   */
  async function runTagged(
    tagged: Array<{ tag: Tag; item: TransactItem }>,
  ): Promise<{ tag: Tag | 'contended'; item: DestinationState | undefined } | undefined> {
    try {
      await withTransactionRetry(() => db.doc.send(new TransactWriteCommand({ TransactItems: tagged.map((t) => t.item) })));
      return undefined;
    } catch (err) {
      const reasons = cancellationReasons(err);
      if (!reasons) throw err;
      const index = reasons.findIndex((r) => r.Code === 'ConditionalCheckFailed');
      if (index >= 0) return { tag: tagged[index]!.tag, item: reasons[index]!.Item };
      if (reasons.some((r) => r.Code === 'TransactionConflict')) return { tag: 'contended', item: undefined };
      throw err;
    }
  }
}

export type CodeStore = ReturnType<typeof createCodeStore>;
