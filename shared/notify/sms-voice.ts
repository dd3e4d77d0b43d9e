import {
  PinpointSMSVoiceV2Client,
  SendTextMessageCommand,
  SendVoiceMessageCommand,
  type PinpointSMSVoiceV2ClientConfig,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import type { ProviderSettings } from '../config.js';
import type { MessageCatalog } from '../messages/catalog.js';
import { RECEIPT_CONTEXT_KEY } from '../policy.js';
import { countDelivered, DeliveryRefused, type ChannelAdapter, type CodeMessage } from './notifier.js';
import { identityFor } from './origination.js';

/** SendTextMessage / SendVoiceMessage's TimeToLive bounds (seconds). */
const TIME_TO_LIVE = { min: 5, max: 259_200 };

/**
 * What both of End User Messaging's send operations carry: the destination, the origination identity of
 * its country, the configuration set (whose event destination sends the receipts, and which holds the
 * protect configuration), the delivery request's id in Context (the receipts quote it), a TimeToLive of
 * what is left of the code's lifetime (a message still queued after that is of no use), and message feedback
 * (a verify reports the code received).
 */
function common(s: ProviderSettings['smsVoice'], m: CodeMessage) {
  return {
    DestinationPhoneNumber: m.to,
    ConfigurationSetName: s.configurationSet,
    ...(s.protectConfigurationId ? { ProtectConfigurationId: s.protectConfigurationId } : {}),
    TimeToLive: Math.min(TIME_TO_LIVE.max, Math.max(TIME_TO_LIVE.min, Math.ceil(m.remainingSeconds))),
    Context: { [RECEIPT_CONTEXT_KEY]: m.deliveryRequestId },
    MessageFeedbackEnabled: true,
  };
}

const withIdentity = (identity: string | undefined) => (identity ? { OriginationIdentity: identity } : {});

/** The client End User Messaging's two channels share, made on the first message (one per warm function). */
export function smsVoiceClient(config: PinpointSMSVoiceV2ClientConfig): () => PinpointSMSVoiceV2Client {
  let c: PinpointSMSVoiceV2Client | undefined;
  return () => (c ??= new PinpointSMSVoiceV2Client(config));
}

/** The sms channel in AWS: End User Messaging SMS and Voice v2 SendTextMessage, transactional. */
export function smsAdapter(eum: () => PinpointSMSVoiceV2Client, s: ProviderSettings['smsVoice'], messages: MessageCatalog): ChannelAdapter {
  return async (m, callOptions) => {
    const sms = messages.render('sms', m.languages, m);
    const { MessageId } = await eum().send(
      new SendTextMessageCommand({
        ...common(s, m),
        ...withIdentity(identityFor(s.sms, m.country)),
        MessageBody: sms.text,
        MessageType: 'TRANSACTIONAL',
        ...(s.smsMaxPrice ? { MaxPrice: s.smsMaxPrice } : {}),
      }),
      callOptions,
    );
    countDelivered(sms);
    return { messageId: MessageId ?? '' };
  };
}

/**
 * The voice channel in AWS: SendVoiceMessage, the voice template as SSML (each digit spoken on its own,
 * shared/messages/voice.ts) in the language's Polly voice. A call needs an origination identity: the
 * configuration names one for every country voice may call (shared/config.ts).
 */
export function voiceAdapter(
  eum: () => PinpointSMSVoiceV2Client,
  s: ProviderSettings['smsVoice'],
  messages: MessageCatalog,
): ChannelAdapter {
  return async (m, callOptions) => {
    const identity = identityFor(s.voice, m.country);
    if (!identity) throw new DeliveryRefused(new Error(`no voice origination identity for ${m.country ?? 'this country'}`), 'refused');
    const voice = messages.render('voice', m.languages, m);
    const { MessageId } = await eum().send(
      new SendVoiceMessageCommand({
        ...common(s, m),
        OriginationIdentity: identity,
        MessageBody: voice.text,
        MessageBodyTextType: voice.textType,
        VoiceId: voice.voiceId as NonNullable<SendVoiceMessageCommand['input']['VoiceId']>,
        ...(s.voiceMaxPricePerMinute ? { MaxPricePerMinute: s.voiceMaxPricePerMinute } : {}),
      }),
      callOptions,
    );
    countDelivered(voice);
    return { messageId: MessageId ?? '' };
  };
}
