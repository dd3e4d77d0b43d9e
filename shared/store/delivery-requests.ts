import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
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

/** Delivery requests: one per accepted send, written with it, read by deliverCode from the table's stream. */
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
  /** Settles the request (delivered, or refunded) with its audit record: false when settled already. */
  settle(sendId: string, s: Settlement): Promise<boolean>;
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
  expireSeconds: number;
  language: Language;
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
  outcome: 'delivered' | 'refunded';
  attempts: number;
  atMs: number;
  audit: AuditRecord;
}

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

/**
 * The destination and the code are sealed (AES-256-GCM under `sealingKey`, the delivery request key, bound to
 * the item), so the table never holds a code a reader could use; everything else on the item is what undoing
 * the send needs (keyed hashes, times), so a failed delivery can be refunded without another read.
 *
 * A delivery is claimed before any provider call and settled after it, each with a condition, so however
 * often the stream hands the record over, at most one claim calls the provider and one outcome is kept.
 */
export function createDeliveryRequests(db: Db, table: string, sealingKey: string, auditLog: Pick<AuditLog, 'putItem'>): DeliveryRequests {
  const sealer = createSealer(sealingKey, DELIVERY_REQUEST_SEAL);
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
            sealed: sealer.seal(JSON.stringify({ to: r.to, code: r.code }), boundTo(k)),
            expireSeconds: r.expireSeconds,
            language: r.language,
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
        sealed: image.sealed,
        expireSeconds: num(image.expireSeconds),
        language: image.language === 'en-US' ? 'en-US' : 'zh-CN',
        subjectHash: str(image.subjectHash),
        subjectMasked: str(image.subjectMasked),
        committedAtMs: num(image.committedAt),
        trace: {
          sendId,
          destinationHash: str(image.destinationHash),
          codeHash: str(image.codeHash),
          nowMs: num(image.sentAt),
          captcha: typeof image.captchaJti === 'string' ? { jti: image.captchaJti, expiresAtMs: num(image.captchaExpiresAt) } : undefined,
          sourceIpHash: typeof image.sourceIpHash === 'string' ? image.sourceIpHash : undefined,
        },
      };
    },

    /** The destination and code, opened; throws DeliveryRequestUnreadable if the seal does not open. */
    open(d) {
      try {
        const { to, code } = JSON.parse(sealer.open(d.sealed, boundTo(keys.delivery(d.sendId)))) as { to: unknown; code: unknown };
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
     * Settles the delivery (delivered, or refunded) with its audit record, in one transaction, and drops
     * the sealed code: it is no use to anyone after this. False when it was settled already.
     */
    async settle(sendId, s) {
      try {
        await db.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: table,
                  Key: keys.delivery(sendId),
                  UpdateExpression: 'SET settledAt = :at, outcome = :outcome, attempts = :attempts REMOVE sealed',
                  ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(settledAt)',
                  ExpressionAttributeValues: { ':at': s.atMs, ':outcome': s.outcome, ':attempts': s.attempts },
                },
              },
              auditLog.putItem(s.audit),
            ],
          }),
        );
        return true;
      } catch (err) {
        if (cancellationReasons(err)?.[0]?.Code === 'ConditionalCheckFailed') return false;
        throw err;
      }
    },
  };
}
