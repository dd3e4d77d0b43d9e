import type { Channel } from '../channels.js';
import type { RenderedMessage } from '../messages/catalog.js';
import { countMetric } from '../observability.js';

export interface CodeMessage {
  channel: Channel;
  /** E.164 number or normalized email. */
  to: string;
  code: string;
  expireSeconds: number;
  /** What is left of the code's lifetime: a message handed to a carrier later is of no use (End User Messaging's TimeToLive). */
  remainingSeconds: number;
  /** The phone number's country (ISO 3166 alpha-2), which picks the origination identity; undefined for an email. */
  country: string | undefined;
  /** The languages it may be written in, most wanted first: the catalog renders the first it has (shared/messages). */
  languages: readonly string[];
  requestId: string;
  /** The delivery request's id: carried in the message (Context, EmailTags), so that its receipts find the request. */
  deliveryRequestId: string;
}

/** What the provider answered when it took a message. */
export interface Accepted {
  /** The provider's id of the message (End User Messaging's or SES's MessageId), which its receipts name too. */
  messageId: string;
}

/**
 * The delivery port: in AWS an adapter per channel (shared/notify/aws.ts), locally the outbox file. Each adapter renders the message it sends
 * from the stage's catalog (shared/messages), in the channel's form. `deliver` resolves once the provider
 * accepted the message, with its id. It throws DeliveryOutcomeUnknown when the provider may have taken it
 * without saying so (a timeout, a lost answer), which deliverCode never retries; DeliveryRefused when the
 * provider refused it for good (trying again would be refused again); any other error means the message
 * was refused and not sent for now (throttling, the provider's own fault), which it may retry.
 */
export interface Notifier {
  deliver(message: CodeMessage): Promise<Accepted>;
}

/**
 * Sends a message on one channel through its provider (shared/notify/aws.ts has one per channel); resolves
 * once the provider accepted it. The call carries the request budget's abort signal.
 */
export type ChannelAdapter = (message: CodeMessage, callOptions: { abortSignal?: AbortSignal }) => Promise<Accepted>;

/** The provider may or may not have taken the message: sending it again could deliver it twice. */
export class DeliveryOutcomeUnknown extends Error {
  override name = 'DeliveryOutcomeUnknown';
  constructor(override readonly cause: unknown) {
    super(`the provider's answer was lost: ${cause instanceof Error ? cause.name : String(cause)}`);
  }
}

/**
 * Why a provider refused a message for good: `opted_out`, the number opted out of messages from us (its
 * destination is then suppressed); `refused`, anything else it will refuse again (an invalid request, a
 * blocked country, a price over the cap, a missing resource or permission).
 */
export type RefusalReason = 'opted_out' | 'refused';

/** The provider refused the message and would refuse it again: nothing was sent, trying again is of no use. */
export class DeliveryRefused extends Error {
  override name = 'DeliveryRefused';
  constructor(
    override readonly cause: unknown,
    readonly reason: RefusalReason,
  ) {
    super(`the provider refused the message: ${cause instanceof Error ? cause.name : String(cause)}`);
  }
}

/**
 * Counts what the provider accepted: an SMS's parts, what it is billed by. Called by each adapter once
 * its provider took the message.
 */
export function countDelivered(message: RenderedMessage): void {
  if (message.channel === 'sms') countMetric('SmsParts', message.parts);
}
