import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditRecord, PendingAudit } from '../audit/request-audit.js';
import type { DeliveryChannel } from '../channels.js';
import { ITEM_LIFETIME_MS, MINUTE_MS, SEND_PER_SOURCE_IP, ttlAfter } from '../policy.js';
import type { AuditLog } from './audit.js';
import { isConditionalCheckFailed, outcomeUnknown, unlessConditionFails, type Db } from './client.js';
import type { DeliveryRequest, DeliveryRequests } from './delivery-requests.js';
import { capLockedMs, capNotReached, DESTINATION_WINDOWS, destinationKey, destinationTtl } from './destinations.js';
import { keys } from './keys.js';
import { admitEvent, admitEventItem, attributeNames, combine, msUntilRoom, retractEvent, type StoredWindow } from './sliding-window.js';
import { transactTagged, type TaggedItem, type TransactionRefusal, type TransactItem } from './transactions.js';

/** Sends of codes (SPEC §4): each one issued in one transaction with all it spends, and undone when it must be. */
export interface CodeSends {
  /** Stores a new code if every send limit allows it, with all the send spends and its audit record: all or nothing. */
  issue(send: CodeSend): Promise<SendRefusal | undefined>;
  /** Gives back all a committed send took (code, window slots, CAPTCHA pass); repeating it changes nothing more. */
  undo(trace: SendTrace, o: UndoOptions): Promise<UndoResult>;
  /** Notes the provider's id of the message that carries the send's code on its destination, while that code is the pending one. */
  sent(trace: SendTrace, messageId: string): Promise<void>;
  /** Whether a send already used the CAPTCHA pass (a consistent read; the claim itself is in `issue`). */
  passUsed(jti: string): Promise<boolean>;
}

/** One send as the domain asks for it: the new code, what it spends, and the request's audit record. */
export interface CodeSend {
  destinationHash: string;
  codeHash: string;
  channel: DeliveryChannel;
  nowMs: number;
  expiresAtMs: number;
  /** A CAPTCHA pass to spend: refused if another send used it. */
  captcha?: { jti: string; expiresAtMs: number } | undefined;
  /** The keyed hash of the source address whose window the send counts against. */
  sourceIpHash?: string | undefined;
  audit: PendingAudit;
  /**
   * The delivery request deliverCode sends the message from once the send commits, committed with it; the
   * store adds the send's ids and trace. A withheld send leaves one too (NO_CHANNEL), which is never sent.
   */
  delivery: Pick<
    DeliveryRequest,
    'channel' | 'to' | 'code' | 'country' | 'expireSeconds' | 'language' | 'acceptedLanguages' | 'requestId' | 'subjectHash' | 'subjectMasked'
  >;
}

export type SendRefusal =
  | { reason: 'captcha_used' }
  | { reason: 'ip_limited'; retryMs: number }
  | { reason: 'send_limited'; retryMs: number }
  | { reason: 'locked'; retryMs: number };

/** What a committed send left, found again by undo; its delivery request carries it. */
export interface SendTrace {
  sendId: string;
  destinationHash: string;
  codeHash: string;
  nowMs: number;
  captcha?: { jti: string; expiresAtMs: number } | undefined;
  sourceIpHash?: string | undefined;
}

export interface UndoOptions {
  /** Whether the send is known to have committed: `unknown` when its transaction got no answer. */
  committed: boolean | 'unknown';
  /** The record that answered the send with 200, removed if the send did commit: the request keeps the record of its real answer. */
  removeAuditRecord?: AuditRecord | undefined;
}

export interface UndoResult {
  /** Whether the send had committed. */
  committed: boolean;
  /**
   * Whether no message of the send can go out: it never committed, or this undo withdrew its delivery
   * request before deliverCode claimed it. Only then may what the send spent on sending (its country's
   * country budget) be given back.
   */
  unsent: boolean;
}

/** DynamoDB gave no answer to a send's transaction (it stalled, or the budget ran out): it may still commit. */
export class SendOutcomeUnknown extends Error {
  override name = 'SendOutcomeUnknown';
  constructor(override readonly cause: unknown) {
    super('the send transaction got no answer');
  }
}

/** The send's trace: what undoing `send` looks for (its CAPTCHA use, its window slots, its code). */
export const traceOf = (send: CodeSend): SendTrace => ({
  sendId: send.audit.record.id,
  destinationHash: send.destinationHash,
  codeHash: send.codeHash,
  nowMs: send.nowMs,
  captcha: send.captcha,
  sourceIpHash: send.sourceIpHash,
});

/** The per-source-IP send window, on the IP's own item. */
export const SOURCE_IP_WINDOW: StoredWindow = { prefix: 'ip', ...SEND_PER_SOURCE_IP };

const captchaTtl = (pass: { expiresAtMs: number }, nowMs: number) =>
  Math.max(ttlAfter(nowMs, ITEM_LIFETIME_MS.usedCaptcha), ttlAfter(pass.expiresAtMs, MINUTE_MS));

type Tag = 'captcha' | 'ip' | 'audit' | 'destination' | 'delivery';

export function createCodeSends(
  db: Db,
  table: string,
  auditLog: Pick<AuditLog, 'putItem' | 'remove'>,
  deliveryRequests: Pick<DeliveryRequests, 'requestItem' | 'withdraw'>,
): CodeSends {
  return {
    /**
     * Stores a new code (replacing a pending one) if the destination's send limits allow it, in one
     * transaction with the CAPTCHA pass's use, the source IP's window, the delivery request and the
     * request's audit record: all or nothing. Every item is the request's own or its caller's (no item
     * that unrelated sends share: the country's budget is spent before, store/country-budget.ts).
     */
    async issue(input) {
      const w = DESTINATION_WINDOWS;
      const { nowMs } = input;
      const parts = combine([admitEvent(w.cooldown, nowMs), admitEvent(w.daily, nowMs), capNotReached(nowMs)]);
      // The code's channel and country stay with it for the events of its verify (shared/events/lifecycle.ts).
      const country = input.delivery.country;
      const destination: TransactItem = {
        Update: {
          TableName: table,
          Key: destinationKey(input.destinationHash),
          // The replaced code's message id goes with it (deliverCode notes the new one's: sent()).
          UpdateExpression: `SET ${[...parts.set, 'codeHash = :code', 'codeExpiresAt = :exp', 'codeWrongTries = :zero', 'codeChannel = :ch', ...(country ? ['codeCountry = :country'] : []), '#ttl = :ttl'].join(', ')} REMOVE codeMessageId`,
          ConditionExpression: parts.condition,
          ExpressionAttributeNames: { ...parts.names, '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ...parts.values,
            ':code': input.codeHash,
            ':exp': input.expiresAtMs,
            ':ch': input.channel,
            ...(country ? { ':country': country } : {}),
            ':ttl': destinationTtl(nowMs),
          },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      };
      const record = input.audit.record;
      const tagged: Array<TaggedItem<Tag>> = [];
      if (input.captcha) tagged.push({ tag: 'captcha', item: captchaUseItem(input.captcha, record.id, nowMs) });
      if (input.sourceIpHash) {
        const item = admitEventItem(SOURCE_IP_WINDOW, table, keys.sourceIp(input.sourceIpHash), nowMs, ITEM_LIFETIME_MS.sourceIp);
        tagged.push({ tag: 'ip', item });
      }
      tagged.push({ tag: 'audit', item: auditLog.putItem(record) });
      tagged.push({ tag: 'destination', item: destination });
      const delivery = {
        ...input.delivery,
        sendId: record.id,
        sendRequestId: record.requestId,
        committedAtMs: nowMs,
        trace: traceOf(input),
      };
      tagged.push({ tag: 'delivery', item: deliveryRequests.requestItem(delivery) });
      let refusal: TransactionRefusal<Tag> | undefined;
      try {
        refusal = await transactTagged(db, tagged);
      } catch (err) {
        throw outcomeUnknown(err) ? new SendOutcomeUnknown(err) : err;
      }
      if (!refusal) {
        input.audit.committed();
        return undefined;
      }
      if (refusal.tag === 'captcha') return { reason: 'captcha_used' };
      if (refusal.tag === 'ip') return { reason: 'ip_limited', retryMs: msUntilRoom(SOURCE_IP_WINDOW, refusal.item, nowMs) };
      const lockedMs = capLockedMs(refusal.item, nowMs);
      if (lockedMs > 0) return { reason: 'locked', retryMs: lockedMs };
      return {
        reason: 'send_limited',
        retryMs: Math.max(msUntilRoom(w.cooldown, refusal.item, nowMs), msUntilRoom(w.daily, refusal.item, nowMs)),
      };
    },

    /**
     * Undoes a send: one answered with a failure because its transaction's outcome is unknown (DynamoDB
     * stalled or the budget ran out mid-request), or one whose delivery failed for good (deliverCode
     * refunds the delivery). The CAPTCHA pass is voided first, which also stops the send's own transaction
     * from committing if it is still on its way; if the send did commit, its delivery request is withdrawn
     * (unless known committed: then deliverCode has it), its code is dropped, its cooldown, daily and
     * source-address slots are retracted, and the record that said 200 is removed (`removeAuditRecord`),
     * so the request keeps the one record of its real answer. Every step is conditional, so undoing twice
     * changes nothing more. It says whether the send's message can no longer go out (`unsent`).
     */
    async undo(send, o) {
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
      if (!committed) return { committed, unsent: true };
      // A send answered with a failure must not be delivered: its request is withdrawn unless deliverCode
      // claimed it already (the stream is quick; then the message may be out, with a code dropped below).
      const withdrawn = o.committed !== true && (await deliveryRequests.withdraw(send.sendId, send.nowMs));

      const w = DESTINATION_WINDOWS;
      const parts = combine([retractEvent(w.cooldown, send.nowMs), retractEvent(w.daily, send.nowMs)]);
      // A newer send replaced the code: nothing of this one is left to undo.
      await unlessConditionFails(
        db.doc.send(
          new UpdateCommand({
            TableName: table,
            Key: destinationKey(send.destinationHash),
            UpdateExpression: `SET ${parts.set.join(', ')} REMOVE codeHash, codeExpiresAt, codeWrongTries, codeMessageId`,
            ConditionExpression: `${parts.condition} AND codeHash = :code`,
            ExpressionAttributeNames: attributeNames(parts.names),
            ExpressionAttributeValues: { ...parts.values, ':code': send.codeHash },
          }),
        ),
      );
      if (send.sourceIpHash) {
        const ip = retractEvent(SOURCE_IP_WINDOW, send.nowMs);
        // Another send from the address came after: its slot is not this one's to retract.
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
      if (o.removeAuditRecord) await auditLog.remove(o.removeAuditRecord);
      return { committed, unsent: withdrawn };
    },

    /** A pass is used while its item holds a send's use that was not voided (what captchaUseItem refuses). */
    async passUsed(jti) {
      const { Item } = await db.doc.send(
        new GetCommand({ TableName: table, Key: keys.captcha(jti), ConsistentRead: true, ProjectionExpression: 'usedBy, voidedBy' }),
      );
      return Item !== undefined && Item.voidedBy === undefined;
    },

    /**
     * `codeMessageId` on the destination's item: the message of the pending code, which the verify of that
     * code reports to the provider as received (message feedback). A newer send replaced the code: not its message.
     */
    async sent(send, messageId) {
      await unlessConditionFails(
        db.doc.send(
          new UpdateCommand({
            TableName: table,
            Key: destinationKey(send.destinationHash),
            UpdateExpression: 'SET codeMessageId = :mid',
            ConditionExpression: 'codeHash = :code',
            ExpressionAttributeValues: { ':mid': messageId, ':code': send.codeHash },
          }),
        ),
      );
    },
  };

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
}
