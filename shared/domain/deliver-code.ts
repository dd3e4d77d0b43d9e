import { RequestAudit } from '../audit/request-audit.js';
import { NO_CHANNEL } from '../channels.js';
import { requestEndsAt } from '../deadline.js';
import { DELIVERY_CODES, type DeliveryCode } from '../errors.js';
import { DeliveryOutcomeUnknown, type Notifier } from '../notify/notifier.js';
import { countMetric, logger, recordLatency } from '../observability.js';
import { DELIVER_FUNCTION_TIMEOUT_MS, DELIVERY_RETRY, DELIVERY_TIMEOUT_MS } from '../policy.js';
import { retry } from '../retry.js';
import type { CodeSends } from '../store/code-sends.js';
import type { DeliveryRequests, StoredDeliveryRequest } from '../store/delivery-requests.js';

export interface DeliverCodeDeps {
  deliveryRequests: Pick<DeliveryRequests, 'claim' | 'open' | 'settle' | 'endClaim'>;
  sends: Pick<CodeSends, 'undo'>;
  notifier: Notifier;
  clock: () => Date;
}

export type DeliveryResult =
  /** A withheld send's request: nothing to send. */
  | 'skipped'
  /** Settled before (a redelivered stream record): nothing more happens. */
  | 'already_settled'
  | 'delivered'
  | 'refunded';

/** A delivery claimed by an invocation still running: the record is handed back to the stream for later. */
export class DeliveryHeldElsewhere extends Error {
  override name = 'DeliveryHeldElsewhere';
}

const errorName = (err: unknown) => (err instanceof Error ? err.name : 'unknown');

/**
 * Delivers one send's code, exactly once however often the stream hands its record over:
 * - the request is claimed first (a conditional write); a claim is never taken over, so at most one
 *   invocation ever calls the provider for it;
 * - the provider is called again while it refuses (an answered error: nothing was sent), as
 *   DELIVERY_RETRY allows; a call without an answer is never repeated (the message may be out);
 * - the outcome is settled with its audit record in one conditional transaction: delivered, or refunded
 *   after the send was undone (code dropped, CAPTCHA pass voided, cooldown, daily and source-address slots
 *   retracted), so the caller may send again at once;
 * - a claim found held past its invocation's end (a crash or timeout mid-call) is refunded, not resent.
 * `platformRequestId` is the stream record's id: the platform's id of this request, which keys its audit record.
 */
export async function deliverCode(deps: DeliverCodeDeps, d: StoredDeliveryRequest, platformRequestId: string): Promise<DeliveryResult> {
  if (d.channel === NO_CHANNEL) return 'skipped';
  const realNow = Date.now();
  const claim = await deps.deliveryRequests.claim(d.sendId, requestEndsAt() ?? realNow + DELIVER_FUNCTION_TIMEOUT_MS, realNow);
  switch (claim.kind) {
    case 'settled':
    case 'gone':
      logger.info('delivery already settled; redelivered record skipped', { sendRequestId: d.sendRequestId });
      return 'already_settled';
    case 'held':
      throw new DeliveryHeldElsewhere('the delivery is claimed by an invocation still running');
    case 'cut_off':
      // The claiming invocation ended without an outcome: the provider may have taken the message.
      return refund(deps, d, platformRequestId, { attempts: 0, error: 'ClaimCutOff' });
    case 'claimed':
      break;
  }
  try {
    return await deliverClaimed(deps, d, platformRequestId);
  } catch (err) {
    // DynamoDB failed us mid-way: the record goes back to the stream, whose retry refunds (never resends).
    await deps.deliveryRequests.endClaim(d.sendId, claim.untilMs, Date.now()).catch(() => undefined);
    throw err;
  }
}

async function deliverClaimed(deps: DeliverCodeDeps, d: StoredDeliveryRequest, platformRequestId: string): Promise<DeliveryResult> {
  const channel = d.channel;
  if (channel === NO_CHANNEL) return 'skipped';
  let message: { to: string; code: string };
  try {
    message = deps.deliveryRequests.open(d);
  } catch (err) {
    // Sealed under another delivery request key (rotated while the request waited), or altered: it cannot be sent.
    return refund(deps, d, platformRequestId, { attempts: 0, error: errorName(err) });
  }
  let attempts = 0;
  let lastError = 'unknown';
  const deliver = async (attempt: number) => {
    attempts = attempt;
    try {
      await deps.notifier.deliver({
        channel,
        to: message.to,
        code: message.code,
        expireSeconds: d.expireSeconds,
        language: d.language,
        requestId: d.requestId,
      });
    } catch (err) {
      // The error's name only: a provider's message can quote the destination back.
      lastError = errorName(err instanceof DeliveryOutcomeUnknown ? err.cause : err);
      logger.warn('delivery attempt failed', { channel, attempt, error: lastError, unknownOutcome: err instanceof DeliveryOutcomeUnknown });
      throw err;
    }
  };
  try {
    await retry(DELIVERY_RETRY, deliver, { retryable: (err) => !(err instanceof DeliveryOutcomeUnknown), attemptMs: DELIVERY_TIMEOUT_MS });
  } catch {
    return refund(deps, d, platformRequestId, { attempts, error: lastError });
  }
  const now = deps.clock();
  countMetric('CodesDelivered');
  recordLatency('DeliveryLatency', Math.max(0, now.getTime() - d.committedAtMs));
  await settle(deps, d, platformRequestId, now, 'DLV.0000', { attempts });
  return 'delivered';
}

/**
 * Refunds a delivery that failed for good: its send is undone (it no longer counts against any limit), then
 * the delivery is settled as refunded.
 */
async function refund(
  deps: DeliverCodeDeps,
  d: StoredDeliveryRequest,
  platformRequestId: string,
  o: { attempts: number; error: string },
): Promise<DeliveryResult> {
  logger.error('delivery failed; refunding the send', {
    channel: d.channel,
    attempts: o.attempts,
    error: o.error,
    sendRequestId: d.sendRequestId,
  });
  await deps.sends.undo(d.trace, { committed: true });
  const settled = await settle(deps, d, platformRequestId, deps.clock(), 'DLV.0502', o);
  if (settled) countMetric('DeliveryFailures');
  return 'refunded';
}

async function settle(
  deps: DeliverCodeDeps,
  d: StoredDeliveryRequest,
  platformRequestId: string,
  now: Date,
  code: DeliveryCode,
  o: { attempts: number; error?: string },
): Promise<boolean> {
  const audit = new RequestAudit({ requestId: platformRequestId, operation: 'deliverCode', caller: 'event:dynamodb-stream', at: now });
  audit.setSubject(d.subjectHash, d.subjectMasked);
  audit.addDetail({ channel: d.channel, sendRequestId: d.sendRequestId, attempts: o.attempts, ...(o.error ? { error: o.error } : {}) });
  const settled = await deps.deliveryRequests.settle(d.sendId, {
    outcome: code === 'DLV.0000' ? 'delivered' : 'refunded',
    attempts: o.attempts,
    atMs: now.getTime(),
    audit: audit.pending(code, DELIVERY_CODES[code].status).record,
  });
  if (!settled) logger.warn('delivery was settled by another invocation', { sendRequestId: d.sendRequestId });
  return settled;
}
