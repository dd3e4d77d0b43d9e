import type { AwsCredentialIdentity } from '@smithy/types';
import type { Channel } from '../channels.js';
import type { ProviderSettings } from '../config.js';
import { callSignal, singleAttemptClient } from '../aws-call.js';
import { DELIVERY_CALL_MS, DELIVERY_TIMEOUT_MS } from '../policy.js';
import type { MessageCatalog } from '../messages/catalog.js';
import { outcomeUnknown } from '../store/client.js';
import { sesEmailAdapter } from './email.js';
import { DeliveryOutcomeUnknown, DeliveryRefused, type ChannelAdapter, type CodeMessage, type Notifier } from './notifier.js';
import { smsAdapter, smsVoiceClient, voiceAdapter } from './sms-voice.js';

export interface AwsNotifierOptions {
  region: string;
  emailFrom: string;
  providers: ProviderSettings;
  /** The stage's messages (shared/messages). */
  messages: MessageCatalog;
  /** Stand-in endpoints of End User Messaging and SES (tests); AWS's own when undefined. */
  endpoints?: { smsVoice?: string | undefined; ses?: string | undefined };
  /** Credentials other than the function's own (a stand-in's). */
  credentials?: AwsCredentialIdentity;
}

/** An answered error the provider may not give again: it throttled, or failed on its side. Nothing was sent. */
function refusedForNow(err: unknown): boolean {
  const e = err as { name?: string; $fault?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode ?? 0;
  return (
    e.$retryable !== undefined || e.$fault === 'server' || status >= 500 || status === 429 || /Throttl|TooManyRequests/.test(e.name ?? '')
  );
}

/** End User Messaging's answer to a number that opted out of our messages (ConflictException, Reason). */
const optedOut = (err: unknown) =>
  (err as { name?: string }).name === 'ConflictException' && (err as { Reason?: string }).Reason === 'DESTINATION_PHONE_NUMBER_OPTED_OUT';

/**
 * What a failed call means for deliverCode: no answer, or an answer it could not read (a 200 with a body
 * that is not the operation's: the message may be out) → DeliveryOutcomeUnknown, never repeated; throttling
 * or the provider's own fault → the error itself, tried again; any other answered error (an invalid or
 * blocked destination, an opt-out, a price over the cap, a missing resource or permission) → DeliveryRefused,
 * refunded at once: asking again would be refused again.
 */
export function deliveryFailure(err: unknown): Error {
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (err instanceof DeliveryRefused) return err;
  if (outcomeUnknown(err) || (status !== undefined && status >= 200 && status < 300)) return new DeliveryOutcomeUnknown(err);
  if (refusedForNow(err)) return err instanceof Error ? err : new Error(String(err));
  return new DeliveryRefused(err, optedOut(err) ? 'opted_out' : 'refused');
}

/**
 * Delivery in AWS: each message goes to the adapter of its channel (shared/channels.ts), SMS and voice
 * through AWS End User Messaging SMS and Voice v2, email through Amazon SES v2. One attempt per call, no
 * SDK retry: a retry of a call that timed out after the provider accepted it would send the same code
 * twice. Each call ends by DELIVERY_CALL_MS or the request's budget, whichever comes first (the SDK's
 * requestTimeout only times the wait for the answer's headers).
 */
export function awsNotifier(options: AwsNotifierOptions): Notifier {
  const settings = (endpoint: string | undefined) =>
    singleAttemptClient({ region: options.region, endpoint, credentials: options.credentials }, DELIVERY_TIMEOUT_MS);
  const eum = smsVoiceClient(settings(options.endpoints?.smsVoice));
  const { smsVoice, ses } = options.providers;
  const adapters: Record<Channel, ChannelAdapter> = {
    sms: smsAdapter(eum, smsVoice, options.messages),
    voice: voiceAdapter(eum, smsVoice, options.messages),
    email: sesEmailAdapter(settings(options.endpoints?.ses), ses, options.messages, options.emailFrom),
  };
  return {
    async deliver(m: CodeMessage) {
      try {
        return await adapters[m.channel](m, { abortSignal: callSignal(DELIVERY_CALL_MS) });
      } catch (err) {
        throw deliveryFailure(err);
      }
    },
  };
}
