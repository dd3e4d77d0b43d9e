import { isChannel, type Channel } from '../channels.js';
import { MAX_WRONG_TRIES_PER_CODE, SECOND_MS, VERIFY_FAILURES_PER_DESTINATION } from '../policy.js';
import { keys } from '../store/keys.js';
import type { LifecycleDetail } from './lifecycle-schemas.js';

/**
 * Lifecycle events (SPEC §6, docs/api.md "Lifecycle events"): what happened to a code, read from the table's
 * stream, so that an event follows every committed change and no change that did not commit (a cancelled
 * transaction writes nothing, so the stream has nothing). Each stream record is one committed write; this
 * module reads the write from the record's old and new images and says which event, if any, it is:
 *
 * | write (item)                                                   | event                                     |
 * | -------------------------------------------------------------- | ----------------------------------------- |
 * | delivery request inserted, of a channel (send's transaction)    | CodeSent                                  |
 * | its receipt recorded final (recordReceipt)                      | CodeDelivered / CodeDeliveryFailed        |
 * | settled refunded (deliverCode) or withdrawn (a send's undo)     | CodeDeliveryFailed (`refunded`/`withdrawn`) |
 * | destination's pending code consumed (verify's transaction)      | CodeVerified (+ message feedback)         |
 * | a code's last wrong try / the failure cap reached (verify)      | VerificationLocked                        |
 *
 * Pure: the function (functions/publish-lifecycle-events.ts) publishes what this returns.
 */

export const LIFECYCLE_EVENT_SOURCE = 'verigate.codes';
export const LIFECYCLE_DETAIL_TYPES = ['CodeSent', 'CodeDelivered', 'CodeDeliveryFailed', 'CodeVerified', 'VerificationLocked'] as const;
export type LifecycleDetailType = (typeof LIFECYCLE_DETAIL_TYPES)[number];
export const LOCK_REASONS = ['code_tries_used_up', 'destination_failure_cap'] as const;

export type LifecycleEvent = {
  [T in LifecycleDetailType]: { detailType: T; detail: LifecycleDetail<T>; time: Date };
}[LifecycleDetailType];

/** A committed write as the stream reports it, its images unmarshalled. */
export interface StreamChange {
  /** The stream record's eventID: the same on every redelivery of the record. */
  eventId: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE' | undefined;
  pk: string;
  oldImage: Record<string, unknown> | undefined;
  newImage: Record<string, unknown> | undefined;
}

/** What follows from one change: its event, and what else its publisher does. */
export interface LifecycleChange {
  event: LifecycleEvent;
  /** A code verified that went by SMS or voice: End User Messaging is told its message was received. */
  feedback?: { messageId: string };
  /** A code verified: counted per channel and country (CodesVerified). */
  verified?: { channel: Channel; country: string | undefined };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const iso = (ms: number) => new Date(ms).toISOString();
const country = (v: unknown): string | null => {
  const c = str(v);
  return c && /^[A-Z]{2}$/.test(c) ? c : null;
};

/** The event a committed write is, if any (undefined: a write no event follows from). */
export function lifecycleChangeOf(c: StreamChange): LifecycleChange | undefined {
  if (c.pk.startsWith(keys.delivery('').pk)) return deliveryChange(c);
  if (c.pk.startsWith(keys.destination('').pk)) return destinationChange(c);
  return undefined;
}

/** A delivery request: inserted with its send, then settled, then receipted. */
function deliveryChange(c: StreamChange): LifecycleChange | undefined {
  const now = c.newImage;
  const channel = now?.channel;
  if (!now || !isChannel(channel)) return undefined;
  const committedAt = num(now.committedAt);
  const requestId = str(now.sendRequestId);
  const destination = str(now.subjectMasked);
  if (committedAt === undefined || !requestId || !destination) return undefined;
  const common = {
    eventId: c.eventId,
    requestId,
    clientRequestId: str(now.requestId) ?? requestId,
    channel,
    country: country(now.country),
    destination,
  };
  if (c.eventName === 'INSERT') {
    const expiresAt = committedAt + (num(now.expireSeconds) ?? 0) * SECOND_MS;
    return at('CodeSent', committedAt, { ...common, occurredAt: iso(committedAt), expiresAt: iso(expiresAt) });
  }
  if (c.eventName !== 'MODIFY') return undefined;
  const before = c.oldImage ?? {};
  const receipt = now.receipt;
  if ((receipt === 'delivered' || receipt === 'failed') && before.receipt !== receipt) {
    const receiptAt = num(now.receiptAt) ?? committedAt;
    const reason = str(now.receiptReason) ?? receipt;
    const occurredAt = iso(receiptAt);
    return receipt === 'delivered'
      ? at('CodeDelivered', receiptAt, { ...common, occurredAt, reason, timeToHandsetMs: Math.max(0, Math.round(receiptAt - committedAt)) })
      : at('CodeDeliveryFailed', receiptAt, { ...common, occurredAt, reason });
  }
  const outcome = now.outcome;
  if ((outcome === 'refunded' || outcome === 'withdrawn') && before.outcome !== outcome) {
    const settledAt = num(now.settledAt) ?? committedAt;
    return at('CodeDeliveryFailed', settledAt, { ...common, occurredAt: iso(settledAt), reason: outcome });
  }
  return undefined;
}

/**
 * A destination's item (shared/store/destinations.ts). The verify's writes carry its request ids and the
 * destination masked (`verifyRequestId`, `verifyClientRequestId`, `subjectMasked`), the send's the code's
 * channel and country (`codeChannel`, `codeCountry`): what the events need, with no read.
 */
function destinationChange(c: StreamChange): LifecycleChange | undefined {
  if (c.eventName !== 'MODIFY' || !c.oldImage || !c.newImage) return undefined;
  const before = c.oldImage;
  const now = c.newImage;
  const channel = now.codeChannel ?? before.codeChannel;
  const requestId = str(now.verifyRequestId);
  const destination = str(now.subjectMasked);
  // An item last written by a version before these attributes: nothing to say who did it.
  if (!isChannel(channel) || !requestId || !destination) return undefined;
  const common = {
    eventId: c.eventId,
    requestId,
    clientRequestId: str(now.verifyClientRequestId) ?? requestId,
    channel,
    country: country(now.codeCountry ?? before.codeCountry),
    destination,
  };

  // Consumed by a verify: the code is gone with a verify's mark that is new (an undo removes a code without one).
  const verifiedAt = num(now.verifiedAt);
  const consumed =
    str(before.codeHash) !== undefined &&
    now.codeHash === undefined &&
    verifiedAt !== undefined &&
    (verifiedAt !== num(before.verifiedAt) || requestId !== str(before.verifyRequestId));
  if (consumed) {
    const messageId = str(before.codeMessageId) ?? str(now.codeMessageId);
    return {
      ...at('CodeVerified', verifiedAt, { ...common, occurredAt: iso(verifiedAt) }),
      ...(messageId && channel !== 'email' ? { feedback: { messageId } } : {}),
      verified: { channel, country: common.country ?? undefined },
    };
  }

  // A wrong try recorded: it moves the failure run's last time (shared/store/destinations.ts recordRunFailure).
  const failedAt = num(now.vfLast);
  if (failedAt === undefined || failedAt === num(before.vfLast)) return undefined;
  const cap = VERIFY_FAILURES_PER_DESTINATION;
  if ((num(now.vfRun) ?? 0) >= cap.limit) {
    return at('VerificationLocked', failedAt, {
      ...common,
      occurredAt: iso(failedAt),
      reason: 'destination_failure_cap',
      lockedUntil: iso(failedAt + cap.windowMs),
    });
  }
  const sameCode = str(now.codeHash) !== undefined && now.codeHash === before.codeHash;
  if (
    sameCode &&
    (num(now.codeWrongTries) ?? 0) >= MAX_WRONG_TRIES_PER_CODE &&
    (num(before.codeWrongTries) ?? 0) < MAX_WRONG_TRIES_PER_CODE
  ) {
    return at('VerificationLocked', failedAt, { ...common, occurredAt: iso(failedAt), reason: 'code_tries_used_up', lockedUntil: null });
  }
  return undefined;
}

function at<T extends LifecycleDetailType>(detailType: T, ms: number, detail: LifecycleDetail<T>): LifecycleChange {
  return { event: { detailType, detail, time: new Date(ms) } as LifecycleEvent };
}
