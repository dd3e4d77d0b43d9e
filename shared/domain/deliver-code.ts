import { RequestAudit } from '../audit/request-audit.js';
import { requestEndsAt } from '../deadline.js';
import { DELIVERY_CODES, type DeliveryCode } from '../errors.js';
import { DeliveryOutcomeUnknown, type Notifier } from '../notify/notifier.js';
import { countMetric, logger, recordLatency } from '../observability.js';
import { DELIVER_FUNCTION_TIMEOUT_MS, DELIVERY_ATTEMPTS, DELIVERY_RETRY_DELAY_MS } from '../policy.js';
import type { CodeStore } from '../store/codes.js';
import type { Deliveries, StoredDelivery } from '../store/deliveries.js';

export interface DeliverCodeDeps {
  deliveries: Pick<Deliveries, 'claim' | 'open' | 'settle' | 'endClaim'>;
  codes: Pick<CodeStore, 'undo'>;
  notifier: Notifier;
  clock: () => Date;
  /** Waits between attempts (tests may shorten it). */
  sleep?: (ms: number) => Promise<void>;
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

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const errorName = (err: unknown) => (err instanceof Error ? err.name : 'unknown');

/**
 * Delivers one send's code, exactly once however often the stream hands its record over:
 * - the request is claimed first (a conditional write); a claim is never taken over, so at most one
 *   invocation ever calls the provider for it;
 * - the provider is called up to DELIVERY_ATTEMPTS times while it refuses (an answered error: nothing
 *   was sent), with doubling delays; a call without an answer is never repeated (the message may be out);
 * - the outcome is settled with its audit record in one conditional transaction: delivered, or refunded
 *   after the send was undone (code dropped, CAPTCHA pass, cooldown, daily and source-address slots given
 *   back), so the caller may send again at once;
 * - a claim found held past its invocation's end (a crash or timeout mid-call) is refunded, not resent.
 * `recordId` is the stream record's id: the platform's id of this request, which keys its audit record.
 */
export async function deliverCode(deps: DeliverCodeDeps, d: StoredDelivery, recordId: string): Promise<DeliveryResult> {
  if (d.channel === 'none') return 'skipped';
  const realNow = Date.now();
  const claim = await deps.deliveries.claim(d.sendId, requestEndsAt() ?? realNow + DELIVER_FUNCTION_TIMEOUT_MS, realNow);
  switch (claim.kind) {
    case 'settled':
    case 'gone':
      logger.info('delivery already settled; redelivered record skipped', { sendRequestId: d.sendRequestId });
      return 'already_settled';
    case 'held':
      throw new DeliveryHeldElsewhere('the delivery is claimed by an invocation still running');
    case 'cut_off':
      // The claiming invocation ended without an outcome: the provider may have taken the message.
      return refund(deps, d, recordId, { attempts: 0, error: 'ClaimCutOff' });
    case 'claimed':
      break;
  }
  try {
    return await deliverClaimed(deps, d, recordId);
  } catch (err) {
    // DynamoDB failed us mid-way: the record goes back to the stream, whose retry refunds (never resends).
    await deps.deliveries.endClaim(d.sendId, claim.untilMs, Date.now()).catch(() => undefined);
    throw err;
  }
}

async function deliverClaimed(deps: DeliverCodeDeps, d: StoredDelivery, recordId: string): Promise<DeliveryResult> {
  const channel = d.channel;
  if (channel === 'none') return 'skipped';
  let message: { to: string; code: string };
  try {
    message = deps.deliveries.open(d);
  } catch (err) {
    // Sealed under another outbox key (rotated while the request waited), or altered: it cannot be sent.
    return refund(deps, d, recordId, { attempts: 0, error: errorName(err) });
  }
  const sleep = deps.sleep ?? defaultSleep;
  let lastError = 'unknown';
  for (let attempt = 1; attempt <= DELIVERY_ATTEMPTS; attempt++) {
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
      // The error's name only: an SNS/SES message can quote the destination back.
      lastError = errorName(err instanceof DeliveryOutcomeUnknown ? err.cause : err);
      logger.warn('delivery attempt failed', {
        channel: d.channel,
        attempt,
        error: lastError,
        unknownOutcome: err instanceof DeliveryOutcomeUnknown,
      });
      if (err instanceof DeliveryOutcomeUnknown) return refund(deps, d, recordId, { attempts: attempt, error: lastError });
      if (attempt < DELIVERY_ATTEMPTS) await sleep(DELIVERY_RETRY_DELAY_MS * 2 ** (attempt - 1));
      continue;
    }
    const now = deps.clock();
    countMetric('CodesDelivered');
    recordLatency('DeliveryLatency', Math.max(0, now.getTime() - d.committedAtMs));
    await settle(deps, d, recordId, now, 'DLV.0000', { attempts: attempt });
    return 'delivered';
  }
  return refund(deps, d, recordId, { attempts: DELIVERY_ATTEMPTS, error: lastError });
}

/** A delivery that failed for good: the send is undone (it no longer counts against any limit), then settled. */
async function refund(
  deps: DeliverCodeDeps,
  d: StoredDelivery,
  recordId: string,
  o: { attempts: number; error: string },
): Promise<DeliveryResult> {
  logger.error('delivery failed; refunding the send', {
    channel: d.channel,
    attempts: o.attempts,
    error: o.error,
    sendRequestId: d.sendRequestId,
  });
  await deps.codes.undo(d.trace, { committed: true });
  const settled = await settle(deps, d, recordId, deps.clock(), 'DLV.0502', o);
  if (settled) countMetric('DeliveryFailures');
  return 'refunded';
}

async function settle(
  deps: DeliverCodeDeps,
  d: StoredDelivery,
  recordId: string,
  now: Date,
  code: DeliveryCode,
  o: { attempts: number; error?: string },
): Promise<boolean> {
  const audit = new RequestAudit({ requestId: recordId, operation: 'deliverCode', caller: 'event:dynamodb-stream', at: now });
  audit.setSubject(d.subjectHash, d.subjectMasked);
  audit.addDetail({ channel: d.channel, sendRequestId: d.sendRequestId, attempts: o.attempts, ...(o.error ? { error: o.error } : {}) });
  const settled = await deps.deliveries.settle(d.sendId, {
    outcome: code === 'DLV.0000' ? 'delivered' : 'refunded',
    attempts: o.attempts,
    atMs: now.getTime(),
    audit: audit.pending(code, DELIVERY_CODES[code].status).record,
  });
  if (!settled) logger.warn('delivery was settled by another invocation', { sendRequestId: d.sendRequestId });
  return settled;
}
