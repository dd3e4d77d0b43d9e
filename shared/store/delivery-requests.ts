import { acceptedLanguages } from '../request/language.js';
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditRecord } from '../audit/request-audit.js';
import { isChannel, NO_CHANNEL, type DeliveryChannel } from '../channels.js';
import type { Language } from '../errors.js';
import { ITEM_LIFETIME_MS, ttlAfter } from '../policy.js';
import { createSealer, DELIVERY_REQUEST_SEAL, SealError } from '../secrets/seal.js';
import type { AuditLog } from './audit.js';
import { cancellationReasons, conditionFailureItem, isConditionalCheckFailed, unlessConditionFails, type Db } from './client.js';
import type { SendTrace } from './code-sends.js';
import { keys, type Key } from './keys.js';
import type { TransactItem } from './transactions.js';

/**
 * Delivery requests: one per accepted send, written with it, read by deliverCode from the table's stream,
 * and settled by the provider's receipts (recordReceipt), which find it by its id.
 */
export interface DeliveryRequests {
  /** Transaction element: the send's delivery request, written once with the send (CodeSends.issue). */
  requestItem(r: DeliveryRequest): TransactItem;
  /** A delivery request from a stream record's new image; throws DeliveryRequestUnreadable. */
  fromImage(image: Record<string, unknown>): StoredDeliveryRequest;
  /** The destination and code, unsealed; throws DeliveryRequestUnreadable. */
  open(d: StoredDeliveryRequest): { to: string; code: string };
  /** Claims the request for one invocation running until `untilMs`: at most one claim ever calls the provider. */
  claim(sendId: string, untilMs: number, realNowMs: number): Promise<ClaimResult>;
  /** Ends this invocation's claim early (it failed after claiming), never reopening it for sending. */
  endClaim(sendId: string, untilMs: number, realNowMs: number): Promise<void>;
  /** Withdraws a request no invocation claimed (its send is being undone): false when claimed or settled already. */
  withdraw(sendId: string, atMs: number): Promise<boolean>;
  /** Settles the request (accepted by the provider, or refunded) with its audit record: false when settled already. */
  settle(sendId: string, s: Settlement): Promise<boolean>;
  /** The request as a receipt finds it (one consistent read); undefined when there is none (unknown id, or expired). */
  read(sendId: string): Promise<ReceiptTarget | undefined>;
  /**
   * Records what a receipt says, with its audit record (and a suppression, when it causes one), if it says
   * something new: a final state once, a complaint once. False when it changed nothing.
   */
  recordReceipt(sendId: string, r: ReceiptRecord): Promise<boolean>;
}

/** What a send leaves for its delivery. `channel` NO_CHANNEL: a withheld send, whose request is never sent. */
export interface DeliveryRequest {
  /** The send's id (its audit record's id): unique per send, the item's key. */
  sendId: string;
  /** The send's platform request id (its audit record's key). */
  sendRequestId: string;
  /** The send's request id (X-Request-Id): carried into the message and its log line. */
  requestId: string;
  channel: DeliveryChannel;
  to: string;
  code: string;
  /** A phone number's country (ISO 3166 alpha-2): its origination identity, and what its events report. */
  country?: string | undefined;
  expireSeconds: number;
  /** The answer's language: the message's when the stage has none of `acceptedLanguages`. */
  language: Language;
  /** The caller's Accept-Language, most wanted first (shared/request/language.ts acceptedLanguages). */
  acceptedLanguages: readonly string[];
  subjectHash: string;
  subjectMasked: string;
  committedAtMs: number;
  /** What undoing the send needs (CodeSends.undo). */
  trace: SendTrace;
}

/** A delivery request as deliverCode reads it from the stream: the code still sealed. */
export interface StoredDeliveryRequest extends Omit<DeliveryRequest, 'to' | 'code'> {
  sealed: string;
}

export interface Settlement {
  /** `accepted`: the provider took the message (its receipt says whether it arrived); `refunded`: it did not. */
  outcome: 'accepted' | 'refunded';
  attempts: number;
  atMs: number;
  /** The provider's id of the message it accepted. */
  messageId?: string | undefined;
  audit: AuditRecord;
  /** Written in the same transaction (a suppression the provider's refusal calls for). */
  alsoWrite?: TransactItem | undefined;
}

/** What a receipt needs of its delivery request: who it concerns, what undoing its send takes, what is recorded. */
export interface ReceiptTarget {
  sendId: string;
  sendRequestId: string;
  channel: DeliveryChannel;
  /** A phone number's country: the receipt's metrics are counted under it. */
  country: string | undefined;
  /** When the send committed (epoch ms): a delivery's time to the handset is counted from it. */
  committedAtMs: number;
  subjectHash: string;
  subjectMasked: string;
  trace: SendTrace;
  /** The final state recorded from an earlier receipt. */
  receipt: 'delivered' | 'failed' | undefined;
  complained: boolean;
}

/** A receipt's change to its delivery request. */
export type ReceiptRecord =
  | {
      kind: 'final';
      state: 'delivered' | 'failed';
      /** The provider's status (`TEXT_DELIVERED`, `Bounce/Permanent/General`, …). */
      reason: string;
      atMs: number;
      messageId: string;
      audit: AuditRecord;
      alsoWrite?: TransactItem | undefined;
    }
  | { kind: 'complaint'; atMs: number; messageId: string; audit: AuditRecord; alsoWrite: TransactItem };

export type ClaimResult =
  | { kind: 'claimed'; untilMs: number }
  /** Delivered or refunded already: a redelivered record. */
  | { kind: 'settled' }
  /** Claimed by an invocation that ended without an outcome: the provider may have taken the message. */
  | { kind: 'cut_off' }
  /** Claimed by an invocation still running (only with concurrent consumers): try again later. */
  | { kind: 'held' }
  /** No such request (expired by TTL before the record was read). */
  | { kind: 'gone' };

export class DeliveryRequestUnreadable extends Error {
  override name = 'DeliveryRequestUnreadable';
}

/** A request written, never claimed and not settled: the only state it can be claimed or withdrawn in. */
const UNCLAIMED = 'attribute_exists(pk) AND attribute_not_exists(claimedUntil) AND attribute_not_exists(settledAt)';
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** What undoing the send needs, from the request's item (stream image or read). */
const traceFrom = (sendId: string, image: Record<string, unknown>): SendTrace => ({
  sendId,
  destinationHash: str(image.destinationHash),
  codeHash: str(image.codeHash),
  nowMs: num(image.sentAt),
  captcha: typeof image.captchaJti === 'string' ? { jti: image.captchaJti, expiresAtMs: num(image.captchaExpiresAt) } : undefined,
  sourceIpHash: typeof image.sourceIpHash === 'string' ? image.sourceIpHash : undefined,
});

/**
 * The destination and the code are sealed (AES-256-GCM under `sealingKey`, the delivery request key, bound to
 * the item), so the table never holds a code a reader could use; everything else on the item is what undoing
 * the send needs (keyed hashes, times), so a failed delivery can be refunded without another read.
 *
 * A delivery is claimed before any provider call and settled after it, each with a condition, so however
 * often the stream hands the record over, at most one claim calls the provider and one outcome is kept.
 * Without the key (`undefined`: recordReceipt, which neither seals nor opens a request) a request can
 * still be read, withdrawn, settled and receipted.
 */
export function createDeliveryRequests(
  db: Db,
  table: string,
  sealingKey: string | undefined,
  auditLog: Pick<AuditLog, 'putItem'>,
): DeliveryRequests {
  const keyed = sealingKey === undefined ? undefined : createSealer(sealingKey, DELIVERY_REQUEST_SEAL);
  const sealer = () => {
    if (!keyed) throw new SealError('no delivery request key: this function neither seals nor opens delivery requests');
    return keyed;
  };
  const boundTo = (k: Key) => `${k.pk}/${k.sk}`;

  return {
    requestItem(r) {
      const k = keys.delivery(r.sendId);
      const t = r.trace;
      return {
        Put: {
          TableName: table,
          Item: {
            ...k,
            channel: r.channel,
            ...(r.country ? { country: r.country } : {}),
            sealed: sealer().seal(JSON.stringify({ to: r.to, code: r.code }), boundTo(k)),
            expireSeconds: r.expireSeconds,
            language: r.language,
            ...(r.acceptedLanguages.length > 0 ? { acceptedLanguages: r.acceptedLanguages.join(',') } : {}),
            requestId: r.requestId,
            sendRequestId: r.sendRequestId,
            subjectHash: r.subjectHash,
            subjectMasked: r.subjectMasked,
            committedAt: r.committedAtMs,
            destinationHash: t.destinationHash,
            codeHash: t.codeHash,
            sentAt: t.nowMs,
            ...(t.captcha ? { captchaJti: t.captcha.jti, captchaExpiresAt: t.captcha.expiresAtMs } : {}),
            ...(t.sourceIpHash ? { sourceIpHash: t.sourceIpHash } : {}),
            ttl: ttlAfter(r.committedAtMs, ITEM_LIFETIME_MS.deliveryRequest),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      };
    },

    /** A delivery request from a stream record's new image (unmarshalled). */
    fromImage(image) {
      const sendId = str(image.pk).replace(/^DELIVERY#/, '');
      const channel = image.channel;
      if (!sendId || typeof image.sealed !== 'string' || !(isChannel(channel) || channel === NO_CHANNEL)) {
        throw new DeliveryRequestUnreadable('not a delivery request image');
      }
      return {
        sendId,
        sendRequestId: str(image.sendRequestId),
        requestId: str(image.requestId),
        channel,
        country: typeof image.country === 'string' ? image.country : undefined,
        sealed: image.sealed,
        expireSeconds: num(image.expireSeconds),
        language: image.language === 'en-US' ? 'en-US' : 'zh-CN',
        // Read back through the same rules that wrote it: the image is data, whoever wrote it.
        acceptedLanguages: typeof image.acceptedLanguages === 'string' ? acceptedLanguages(image.acceptedLanguages) : [],
        subjectHash: str(image.subjectHash),
        subjectMasked: str(image.subjectMasked),
        committedAtMs: num(image.committedAt),
        trace: traceFrom(sendId, image),
      };
    },

    /** The destination and code, opened; throws DeliveryRequestUnreadable if the seal does not open. */
    open(d) {
      try {
        const { to, code } = JSON.parse(sealer().open(d.sealed, boundTo(keys.delivery(d.sendId)))) as { to: unknown; code: unknown };
        if (typeof to !== 'string' || typeof code !== 'string') throw new SealError('sealed payload has no destination or code');
        return { to, code };
      } catch (err) {
        throw new DeliveryRequestUnreadable(err instanceof Error ? err.message : 'sealed payload unreadable');
      }
    },

    /**
     * Claims the delivery for one invocation that runs until `untilMs` (epoch ms, real time): only a
     * request never claimed and not settled can be. The claim is never taken over: whoever finds it held
     * past its end knows the provider may have taken the message, and refunds instead of sending again.
     */
    async claim(sendId, untilMs, realNowMs) {
      try {
        await db.doc.send(
          new UpdateCommand({
            TableName: table,
            Key: keys.delivery(sendId),
            UpdateExpression: 'SET claimedUntil = :until',
            ConditionExpression: UNCLAIMED,
            ExpressionAttributeValues: { ':until': untilMs },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
        );
        return { kind: 'claimed', untilMs };
      } catch (err) {
        if (!isConditionalCheckFailed(err)) throw err;
        const old = conditionFailureItem(err);
        if (!old) return { kind: 'gone' };
        if (old.settledAt !== undefined) return { kind: 'settled' };
        return num(old.claimedUntil) < realNowMs ? { kind: 'cut_off' } : { kind: 'held' };
      }
    },

    /**
     * Ends this invocation's claim early (it failed after claiming): the stream's retry then finds it cut
     * off and refunds at once, instead of waiting for the invocation's end. Never reopens it for sending.
     */
    async endClaim(sendId, untilMs, realNowMs) {
      await unlessConditionFails(
        db.doc.send(
          new UpdateCommand({
            TableName: table,
            Key: keys.delivery(sendId),
            UpdateExpression: 'SET claimedUntil = :ended',
            ConditionExpression: 'claimedUntil = :mine AND attribute_not_exists(settledAt)',
            ExpressionAttributeValues: { ':ended': realNowMs - 1, ':mine': untilMs },
          }),
        ),
      );
    },

    /**
     * Withdraws a request no invocation has claimed yet (its send was answered with a failure and is
     * being undone), so its message is never sent. False when it is claimed or settled already: the
     * message may be out (or the request was never written).
     */
    async withdraw(sendId, atMs) {
      try {
        await db.doc.send(
          new UpdateCommand({
            TableName: table,
            Key: keys.delivery(sendId),
            UpdateExpression: 'SET settledAt = :at, outcome = :outcome REMOVE sealed',
            ConditionExpression: UNCLAIMED,
            ExpressionAttributeValues: { ':at': atMs, ':outcome': 'withdrawn' },
          }),
        );
        return true;
      } catch (err) {
        if (isConditionalCheckFailed(err)) return false;
        throw err;
      }
    },

    /**
     * Settles the delivery (accepted by the provider, with its message id, or refunded) with its audit
     * record, in one transaction, and drops the sealed code: it is no use to anyone after this. False when
     * it was settled already.
     */
    async settle(sendId, s) {
      return transactUnlessFirstFails([
        {
          Update: {
            TableName: table,
            Key: keys.delivery(sendId),
            UpdateExpression: `SET settledAt = :at, outcome = :outcome, attempts = :attempts${s.messageId ? ', messageId = :mid' : ''} REMOVE sealed`,
            ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(settledAt)',
            ExpressionAttributeValues: {
              ':at': s.atMs,
              ':outcome': s.outcome,
              ':attempts': s.attempts,
              ...(s.messageId ? { ':mid': s.messageId } : {}),
            },
          },
        },
        auditLog.putItem(s.audit),
        ...(s.alsoWrite ? [s.alsoWrite] : []),
      ]);
    },

    async read(sendId) {
      const { Item } = await db.doc.send(new GetCommand({ TableName: table, Key: keys.delivery(sendId), ConsistentRead: true }));
      if (!Item) return undefined;
      const channel = Item.channel;
      if (!(isChannel(channel) || channel === NO_CHANNEL)) return undefined;
      return {
        sendId,
        sendRequestId: str(Item.sendRequestId),
        channel,
        country: typeof Item.country === 'string' ? Item.country : undefined,
        committedAtMs: num(Item.committedAt),
        subjectHash: str(Item.subjectHash),
        subjectMasked: str(Item.subjectMasked),
        trace: traceFrom(sendId, Item),
        receipt: Item.receipt === 'delivered' || Item.receipt === 'failed' ? Item.receipt : undefined,
        complained: Item.complainedAt !== undefined,
      };
    },

    /**
     * A final state is recorded once (`receipt` delivered or failed, the provider's reason and time, and
     * its message id if deliverCode has not written it yet): a repeated receipt, or a second final one
     * (AWS may report a delivered SMS twice: TEXT_SUCCESSFUL, then TEXT_DELIVERED), changes nothing. A
     * complaint is recorded once beside it. Each with its audit record, in one transaction.
     */
    async recordReceipt(sendId, r) {
      const update =
        r.kind === 'final'
          ? {
              UpdateExpression:
                'SET receipt = :state, receiptReason = :reason, receiptAt = :at, messageId = if_not_exists(messageId, :mid)',
              ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(receipt)',
              ExpressionAttributeValues: { ':state': r.state, ':reason': r.reason, ':at': r.atMs, ':mid': r.messageId },
            }
          : {
              UpdateExpression: 'SET complainedAt = :at, messageId = if_not_exists(messageId, :mid)',
              ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(complainedAt)',
              ExpressionAttributeValues: { ':at': r.atMs, ':mid': r.messageId },
            };
      return transactUnlessFirstFails([
        { Update: { TableName: table, Key: keys.delivery(sendId), ...update } },
        auditLog.putItem(r.audit),
        ...(r.alsoWrite ? [r.alsoWrite] : []),
      ]);
    },
  };

  /** Runs a transaction whose first item carries the condition; false when that condition failed. */
  async function transactUnlessFirstFails(items: TransactItem[]): Promise<boolean> {
    try {
      await db.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return true;
    } catch (err) {
      if (cancellationReasons(err)?.[0]?.Code === 'ConditionalCheckFailed') return false;
      throw err;
    }
  }
}
