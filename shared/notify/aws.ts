import type { Channel } from '../channels.js';
import { budgetSignal } from '../deadline.js';
import { DELIVERY_TIMEOUT_MS, SECOND_MS } from '../policy.js';
import type { MessageCatalog } from '../messages/catalog.js';
import { outcomeUnknown } from '../store/client.js';
import { sesEmailAdapter } from './email.js';
import { DeliveryOutcomeUnknown, type ChannelAdapter, type CodeMessage, type Notifier } from './notifier.js';
import { snsSmsAdapter } from './sms.js';

export interface AwsNotifierOptions {
  region: string;
  emailFrom: string;
  smsSenderId: string | undefined;
  /** The stage's messages (shared/messages). */
  messages: MessageCatalog;
  /** A stand-in endpoint for SNS and SES (tests); AWS's own when undefined. */
  endpoint?: string | undefined;
}

/**
 * Delivery in AWS: each message goes to the adapter of its channel (shared/channels.ts), SMS through Amazon
 * SNS (transactional), email through Amazon SES v2. One attempt per call, bounded, no SDK retry: a retry of a
 * call that timed out after the provider accepted it would send the same code twice. A call without an
 * answer is reported as DeliveryOutcomeUnknown (never retried); an answered refusal as the provider's error
 * (deliverCode may try again).
 */
export function awsNotifier(options: AwsNotifierOptions): Notifier {
  const settings = {
    region: options.region,
    maxAttempts: 1,
    requestHandler: { requestTimeout: DELIVERY_TIMEOUT_MS, connectionTimeout: SECOND_MS, throwOnRequestTimeout: true },
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  };
  const adapters: Record<Channel, ChannelAdapter> = {
    sms: snsSmsAdapter(settings, options.messages, options.smsSenderId),
    email: sesEmailAdapter(settings, options.messages, options.emailFrom),
  };
  return {
    async deliver(m: CodeMessage) {
      const abortSignal = budgetSignal();
      try {
        await adapters[m.channel](m, abortSignal ? { abortSignal } : {});
      } catch (err) {
        throw outcomeUnknown(err) ? new DeliveryOutcomeUnknown(err) : err;
      }
    },
  };
}
