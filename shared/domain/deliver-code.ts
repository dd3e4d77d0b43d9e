import { RequestAudit } from '../audit/request-audit.js';
import { NO_CHANNEL } from '../channels.js';
import { requestEndsAt } from '../deadline.js';
import { DELIVERY_CODES, type DeliveryCode } from '../errors.js';
import { DeliveryOutcomeUnknown, DeliveryRefused, type Notifier } from '../notify/notifier.js';
import { countFunnel, countMetric, logger, recordLatency } from '../observability.js';
import { DELIVER_FUNCTION_TIMEOUT_MS, DELIVERY_CALL_MS, DELIVERY_RETRY, SECOND_MS } from '../policy.js';
import { retry } from '../retry.js';
import type { CodeSends } from '../store/code-sends.js';
import type { DeliveryRequests, StoredDeliveryRequest } from '../store/delivery-requests.js';
import type { Suppressions } from '../store/suppressions.js';
import type { TransactItem } from '../store/transactions.js';

export interface DeliverCodeDeps {
  deliveryRequests: Pick<DeliveryRequests, 'claim' | 'open' | 'settle' | 'endClaim'>;
  sends: Pick<CodeSends, 'undo' | 'sent'>;
  suppressions: Pick<Suppressions, 'suppressItem'>;
  notifier: Notifier;
  clock: () => Date;
}

export type DeliveryResult =
  /** A withheld send's request: nothing to send. */
  | 'skipped'
  /** Settled before (a redelivered stream record): nothing more happens. */
  | 'already_settled'
  /** The provider took the message; its receipt (recordReceipt) says whether it arrived. */
  | 'accepted'
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
 * - the provider is called again while it refuses for now (throttling, its own fault: nothing was sent),
 *   as DELIVERY_RETRY allows; a call without an answer is never repeated (the message may be out), nor
 *   one refused for good (it would be refused again);
 * - the outcome is settled with its audit record in one conditional transaction: accepted (with the
 *   provider's message id, which its receipts name; the final state comes from them), or refunded after
 *   the send was undone (code dropped, CAPTCHA pass voided, cooldown, daily and source-address slots
 *   retracted), so the caller may send again at once; a number that opted out is suppressed with it;
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
  const expiresAtMs = d.committedAtMs + d.expireSeconds * SECOND_MS;
  const deliver = async (attempt: number) => {
    attempts = attempt;
    try {
      return await deps.notifier.deliver({
        channel,
        to: message.to,
        code: message.code,
        expireSeconds: d.expireSeconds,
        remainingSeconds: Math.max(0, (expiresAtMs - deps.clock().getTime()) / SECOND_MS),
        country: d.country,
        languages: [...d.acceptedLanguages, d.language],
        requestId: d.requestId,
        deliveryRequestId: d.sendId,
      });
    } catch (err) {
      // The error's name only: a provider's message can quote the destination back.
      lastError = errorName(err instanceof DeliveryOutcomeUnknown || err instanceof DeliveryRefused ? err.cause : err);
      logger.warn('delivery attempt failed', {
        channel,
        attempt,
        error: lastError,
        unknownOutcome: err instanceof DeliveryOutcomeUnknown,
        refused: err instanceof DeliveryRefused ? err.reason : false,
      });
      throw err;
    }
  };
  let messageId: string;
  try {
    ({ messageId } = await retry(DELIVERY_RETRY, deliver, {
      retryable: (err) => !(err instanceof DeliveryOutcomeUnknown || err instanceof DeliveryRefused),
      attemptMs: DELIVERY_CALL_MS,
    }));
  } catch (err) {
    // A number that opted out of our messages is suppressed: no send to it spends anything until it is lifted.
    const optedOut = err instanceof DeliveryRefused && err.reason === 'opted_out';
    const suppression = optedOut
      ? deps.suppressions.suppressItem({
          destinationHash: d.trace.destinationHash,
          subjectMasked: d.subjectMasked,
          reason: 'opt_out',
          channel,
          sendRequestId: d.sendRequestId,
          atMs: deps.clock().getTime(),
        })
      : undefined;
    return refund(deps, d, platformRequestId, { attempts, error: lastError, ...(optedOut ? { suppressed: 'opt_out' } : {}) }, suppression);
  }
  const now = deps.clock();
  countMetric('CodesAccepted');
  recordLatency('DeliveryLatency', Math.max(0, now.getTime() - d.committedAtMs));
  await settle(deps, d, platformRequestId, now, 'DLV.0000', { attempts, messageId });
  // For the verify of this code to report it received (message feedback): of no use to anything else, so
  // a failure here is logged, not retried through the stream.
  await deps.sends
    .sent(d.trace, messageId)
    .catch((err: unknown) => logger.warn('message id not noted on the destination', { error: errorName(err) }));
  return 'accepted';
}

/**
 * Refunds a delivery that failed for good: its send is undone (it no longer counts against any limit), then
 * the delivery is settled as refunded.
 */
async function refund(
  deps: DeliverCodeDeps,
  d: StoredDeliveryRequest,
  platformRequestId: string,
  o: { attempts: number; error: string; suppressed?: string },
  suppression?: TransactItem,
): Promise<DeliveryResult> {
  logger.error('delivery failed; refunding the send', {
    channel: d.channel,
    attempts: o.attempts,
    error: o.error,
    sendRequestId: d.sendRequestId,
  });
  await deps.sends.undo(d.trace, { committed: true });
  const settled = await settle(deps, d, platformRequestId, deps.clock(), 'DLV.0502', o, suppression);
  if (settled) {
    countMetric('DeliveryFailures');
    countFunnel('CodesFailed', d.channel, d.country, { total: true });
  }
  return 'refunded';
}

async function settle(
  deps: DeliverCodeDeps,
  d: StoredDeliveryRequest,
  platformRequestId: string,
  now: Date,
  code: DeliveryCode,
  o: { attempts: number; error?: string; suppressed?: string; messageId?: string },
  alsoWrite?: TransactItem,
): Promise<boolean> {
  const audit = new RequestAudit({ requestId: platformRequestId, operation: 'deliverCode', caller: 'event:dynamodb-stream', at: now });
  audit.setSubject(d.subjectHash, d.subjectMasked);
  audit.addDetail({
    channel: d.channel,
    sendRequestId: d.sendRequestId,
    attempts: o.attempts,
    ...(o.error ? { error: o.error } : {}),
    ...(o.suppressed ? { suppressed: o.suppressed } : {}),
    ...(o.messageId ? { messageId: o.messageId } : {}),
  });
  const settled = await deps.deliveryRequests.settle(d.sendId, {
    outcome: code === 'DLV.0000' ? 'accepted' : 'refunded',
    attempts: o.attempts,
    atMs: now.getTime(),
    messageId: o.messageId,
    audit: audit.pending(code, DELIVERY_CODES[code].status).record,
    alsoWrite,
  });
  if (!settled) logger.warn('delivery was settled by another invocation', { sendRequestId: d.sendRequestId });
  return settled;
}
