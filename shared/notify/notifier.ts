import type { Channel } from '../channels.js';
import type { Language } from '../errors.js';
import type { RenderedMessage } from '../messages/catalog.js';
import { countMetric } from '../observability.js';

export interface CodeMessage {
  channel: Channel;
  /** E.164 number or normalized email. */
  to: string;
  code: string;
  expireSeconds: number;
  language: Language;
  requestId: string;
}

/**
 * The delivery port: in AWS an adapter per channel (shared/notify/aws.ts), locally the outbox file. Each adapter renders the message it sends
 * from the stage's catalog (shared/messages), in the channel's form. `deliver` resolves once the provider
 * accepted the message. It throws DeliveryOutcomeUnknown when the provider may have taken it without
 * saying so (a timeout, a lost answer), which deliverCode never retries; any other error means the
 * message was refused and not sent, which it may retry.
 */
export interface Notifier {
  deliver(message: CodeMessage): Promise<void>;
}

/**
 * Sends a message on one channel through its provider (shared/notify/aws.ts has one per channel); resolves
 * once the provider accepted it. The call carries the request budget's abort signal.
 */
export type ChannelAdapter = (message: CodeMessage, callOptions: { abortSignal?: AbortSignal }) => Promise<void>;

/** The provider may or may not have taken the message: sending it again could deliver it twice. */
export class DeliveryOutcomeUnknown extends Error {
  override name = 'DeliveryOutcomeUnknown';
  constructor(override readonly cause: unknown) {
    super(`the provider's answer was lost: ${cause instanceof Error ? cause.name : String(cause)}`);
  }
}

/**
 * Counts what the provider accepted: an SMS's parts, what it is billed by. Called by each adapter once
 * its provider took the message.
 */
export function countDelivered(message: RenderedMessage): void {
  if (message.channel === 'sms') countMetric('SmsParts', message.parts);
}
