import { RequestAudit } from '../audit/request-audit.js';
import { NO_CHANNEL } from '../channels.js';
import { RECEIPT_CODES, type ReceiptCode } from '../errors.js';
import { readReceipt, type Receipt } from '../notify/receipts.js';
import { countFunnel, countMetricWith, logger, recordFunnelLatency } from '../observability.js';
import type { CodeSends } from '../store/code-sends.js';
import type { DeliveryRequests, ReceiptTarget } from '../store/delivery-requests.js';
import type { SuppressionReason, Suppressions } from '../store/suppressions.js';

export interface RecordReceiptDeps {
  deliveryRequests: Pick<DeliveryRequests, 'read' | 'recordReceipt'>;
  sends: Pick<CodeSends, 'undo'>;
  suppressions: Pick<Suppressions, 'suppressItem'>;
  clock: () => Date;
}

export type ReceiptResult =
  /** The delivery request now holds what the receipt said, with its audit record. */
  | 'recorded'
  /** It held it already (a repeated receipt, or a second final one): nothing more happened. */
  | 'unchanged'
  /** Not a final state (a delay, a call ringing): nothing is recorded. */
  | 'pending'
  /** No such delivery request (not ours, or expired): nothing to record. */
  | 'unknown_request'
  /** Not a receipt of a message this service sent. */
  | 'not_a_receipt';

const OUTCOME: Record<Exclude<Receipt['state'], 'pending'>, ReceiptCode> = {
  delivered: 'RCP.0000',
  failed: 'RCP.0502',
  complained: 'RCP.0001',
};

/** Whether `target` already holds what `r` says: then it changes nothing, whatever order receipts come in. */
const alreadyHeld = (target: ReceiptTarget, r: Receipt) => (r.state === 'complained' ? target.complained : target.receipt !== undefined);

/**
 * Records one provider receipt (an SNS message's body, parsed) on the delivery request it names by id:
 * - a final state once (delivered, or failed with the provider's reason), with one audit record; a
 *   repeated or later final receipt changes nothing, and a transient one (TEXT_PENDING, DeliveryDelay)
 *   records nothing;
 * - a failure refunds the send as a refused delivery does (the send undone: code dropped, CAPTCHA pass
 *   voided, cooldown, daily and source-address slots retracted; every step conditional, so an undo
 *   repeated changes nothing), so the user may ask again at once, by another channel too; the undo comes
 *   first, so a receipt whose recording failed is retried whole;
 * - a hard bounce, a complaint (or an opt-out, which deliverCode meets) suppresses the destination, in the
 *   transaction that records it.
 * `platformRequestId` is the SNS message's id, which keys the audit record.
 */
export async function recordReceipt(deps: RecordReceiptDeps, message: unknown, platformRequestId: string): Promise<ReceiptResult> {
  const r = readReceipt(message);
  if (!r) {
    logger.warn('not a receipt of a message this service sent; skipped', { platformRequestId });
    return 'not_a_receipt';
  }
  if (r.state === 'pending') {
    logger.info('receipt of a state that is not final; nothing recorded', { event: r.reason, deliveryRequestId: r.deliveryRequestId });
    return 'pending';
  }
  const target = await deps.deliveryRequests.read(r.deliveryRequestId);
  if (!target || target.channel === NO_CHANNEL) {
    logger.warn('receipt names no delivery request; skipped', { event: r.reason, deliveryRequestId: r.deliveryRequestId });
    return 'unknown_request';
  }
  if (alreadyHeld(target, r)) return 'unchanged';

  if (r.state === 'failed') await deps.sends.undo(target.trace, { committed: true });
  const now = deps.clock();
  const suppress: SuppressionReason | undefined = r.state === 'complained' ? 'complaint' : r.state === 'failed' ? r.suppress : undefined;
  const suppression = suppress
    ? deps.suppressions.suppressItem({
        destinationHash: target.trace.destinationHash,
        subjectMasked: target.subjectMasked,
        reason: suppress,
        channel: target.channel,
        sendRequestId: target.sendRequestId,
        atMs: now.getTime(),
      })
    : undefined;
  const code = OUTCOME[r.state];
  const audit = new RequestAudit({ requestId: platformRequestId, operation: 'recordReceipt', caller: 'event:sns', at: now });
  audit.setSubject(target.subjectHash, target.subjectMasked);
  audit.addDetail({
    channel: target.channel,
    sendRequestId: target.sendRequestId,
    event: r.reason,
    messageId: r.messageId,
    reportedAt: new Date(r.atMs).toISOString(),
    ...(suppress ? { suppressed: suppress } : {}),
  });
  const record = audit.pending(code, RECEIPT_CODES[code].status).record;
  const recorded = await deps.deliveryRequests.recordReceipt(
    target.sendId,
    r.state === 'complained'
      ? { kind: 'complaint', atMs: r.atMs, messageId: r.messageId, audit: record, alsoWrite: suppression! }
      : { kind: 'final', state: r.state, reason: r.reason, atMs: r.atMs, messageId: r.messageId, audit: record, alsoWrite: suppression },
  );
  if (!recorded) return 'unchanged';
  countMetricWith('Receipts', [{ channel: target.channel, state: r.state }]);
  if (r.state === 'delivered') {
    countFunnel('CodesDelivered', target.channel, target.country, { total: true });
    // From the send's commit to the provider's own time of the delivery: what the user waited.
    recordFunnelLatency('TimeToHandset', target.channel, target.country, Math.max(0, r.atMs - target.committedAtMs));
  } else if (r.state === 'failed') {
    countFunnel('CodesFailed', target.channel, target.country, { total: true });
  }
  logger.info('receipt recorded', { state: r.state, event: r.reason, channel: target.channel, sendRequestId: target.sendRequestId });
  return 'recorded';
}
