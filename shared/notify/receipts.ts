/**
 * The providers' receipts, as their configuration sets' event destinations publish them to the receipts
 * topic (one record per SNS message), read into what recordReceipt does with them. Written from:
 *   End User Messaging SMS and Voice: configuration-sets-event-format.html (eventType, isFinal, messageId,
 *     context, eventTimestamp, messageStatusDescription) and configuration-sets-event-types.html (TEXT_… and
 *     VOICE_… types; TEXT_SUCCESSFUL and TEXT_DELIVERED are used interchangeably by country).
 *   SES: event-publishing-retrieving-sns-contents.html (eventType Send, Delivery, Bounce, Complaint, Reject,
 *     DeliveryDelay, …; mail.messageId, mail.tags; bounce.bounceType Permanent / Transient / Undetermined;
 *     complaint.complaintFeedbackType).
 * A receipt names its delivery request by the id the message carried (Context, EmailTags): never by a contact.
 */
import { RECEIPT_CONTEXT_KEY } from '../policy.js';
import type { SuppressionReason } from '../store/suppressions.js';

/** End User Messaging's event types that tell a message's final state: what the configuration set's event destination sends. */
export const SMS_VOICE_DELIVERED = ['TEXT_DELIVERED', 'TEXT_SUCCESSFUL', 'VOICE_COMPLETED'] as const;
export const SMS_VOICE_FAILED = [
  'TEXT_BLOCKED',
  'TEXT_CARRIER_BLOCKED',
  'TEXT_CARRIER_UNREACHABLE',
  'TEXT_INVALID',
  'TEXT_INVALID_MESSAGE',
  'TEXT_PROTECT_BLOCKED',
  'TEXT_SPAM',
  'TEXT_TTL_EXPIRED',
  'TEXT_UNKNOWN',
  'TEXT_UNREACHABLE',
  'VOICE_BUSY',
  'VOICE_FAILED',
  'VOICE_NO_ANSWER',
  'VOICE_TTL_EXPIRED',
] as const;
/** The event types the End User Messaging configuration set sends to the receipts topic (infra/receipts.cjs). */
export const SMS_VOICE_RECEIPT_EVENTS: readonly string[] = [...SMS_VOICE_DELIVERED, ...SMS_VOICE_FAILED];
/** The SES configuration set's event types that go to the receipts topic (CloudFormation's spelling). */
export const SES_RECEIPT_EVENTS = ['delivery', 'bounce', 'complaint', 'reject', 'deliveryDelay'] as const;

/** What a receipt says about its delivery request. */
export type Receipt = {
  deliveryRequestId: string;
  /** The provider's id of the message. */
  messageId: string;
  /** When the provider reports it happened (epoch ms). */
  atMs: number;
  /** The provider's own name of what happened: `TEXT_DELIVERED`, `Bounce/Permanent/General`, … */
  reason: string;
} & (
  | { state: 'delivered' }
  /** Undeliverable: the send is refunded; a hard bounce or an opt-out also suppresses the destination. */
  | { state: 'failed'; suppress?: SuppressionReason | undefined }
  /** The recipient reported the email as spam: the destination is suppressed. */
  | { state: 'complained' }
  /** Not final (a delay, a call ringing, a Send event): nothing is recorded. */
  | { state: 'pending' }
);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const time = (v: unknown): number | undefined => {
  const ms = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
};

const DELIVERED: ReadonlySet<string> = new Set(SMS_VOICE_DELIVERED);
const FAILED: ReadonlySet<string> = new Set(SMS_VOICE_FAILED);

/** An End User Messaging SMS or voice event record. */
function smsVoiceReceipt(r: Record<string, unknown>): Receipt | undefined {
  const eventType = text(r.eventType);
  const deliveryRequestId = isObject(r.context) ? text(r.context[RECEIPT_CONTEXT_KEY]) : undefined;
  const messageId = text(r.messageId);
  const atMs = time(r.eventTimestamp);
  if (!eventType || !deliveryRequestId || !messageId || atMs === undefined) return undefined;
  const base = { deliveryRequestId, messageId, atMs, reason: eventType };
  if (r.isFinal !== true) return { ...base, state: 'pending' };
  if (DELIVERED.has(eventType)) return { ...base, state: 'delivered' };
  // Any other final state, documented or new, means the message will not arrive.
  return { ...base, state: 'failed' };
}

/** An SES event record (event publishing through a configuration set). */
function sesReceipt(r: Record<string, unknown>): Receipt | undefined {
  const eventType = text(r.eventType);
  const mail = isObject(r.mail) ? r.mail : undefined;
  const tags = mail && isObject(mail.tags) ? mail.tags : undefined;
  const tagged = tags?.[RECEIPT_CONTEXT_KEY];
  const deliveryRequestId = Array.isArray(tagged) ? text(tagged[0]) : undefined;
  const messageId = text(mail?.messageId);
  if (!eventType || !deliveryRequestId || !messageId) return undefined;
  const detail = (key: string) => (isObject(r[key]) ? (r[key] as Record<string, unknown>) : {});
  const at = (key: string) => time(detail(key).timestamp) ?? time(mail?.timestamp) ?? Date.now();
  const base = { deliveryRequestId, messageId };
  switch (eventType) {
    case 'Delivery':
      return { ...base, atMs: at('delivery'), reason: 'Delivery', state: 'delivered' };
    case 'Bounce': {
      const b = detail('bounce');
      const type = text(b.bounceType) ?? 'Undetermined';
      const reason = `Bounce/${type}/${text(b.bounceSubType) ?? 'General'}`;
      // A soft bounce SES stopped retrying fails this message; only a hard one says the address is no good.
      return { ...base, atMs: at('bounce'), reason, state: 'failed', suppress: type === 'Permanent' ? 'bounce' : undefined };
    }
    case 'Complaint': {
      const c = detail('complaint');
      // A feedback report that says "not spam" is no complaint.
      if (c.complaintFeedbackType === 'not-spam') return { ...base, atMs: at('complaint'), reason: 'Complaint/not-spam', state: 'pending' };
      return { ...base, atMs: at('complaint'), reason: `Complaint/${text(c.complaintFeedbackType) ?? 'unspecified'}`, state: 'complained' };
    }
    case 'Reject':
      return { ...base, atMs: at('reject'), reason: `Reject/${text(detail('reject').reason) ?? 'unspecified'}`, state: 'failed' };
    default:
      // Send, DeliveryDelay, Open, Click, …: not a final state of the delivery.
      return { ...base, atMs: at(eventType.charAt(0).toLowerCase() + eventType.slice(1)), reason: eventType, state: 'pending' };
  }
}

/** Reads one receipt (an SNS message's body, parsed); undefined when it is not one this service sent a message for. */
export function readReceipt(record: unknown): Receipt | undefined {
  if (!isObject(record)) return undefined;
  if (isObject(record.mail)) return sesReceipt(record);
  return smsVoiceReceipt(record);
}
