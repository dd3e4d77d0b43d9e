// AWS End User Messaging SMS's destination simulator numbers and the event records a configuration set's
// event destination receives for SMS and voice messages, from AWS's documentation:
//
//   Simulator numbers: https://docs.aws.amazon.com/sms-voice/latest/userguide/test-phone-numbers.html
//     "For each country and region, there are phone numbers that generate message success events, and
//     numbers that generate message failure events." They "work with SMS and MMS" (not voice), stay inside
//     the service (no carrier), and a simulator *origination* number (United States only) may only send to
//     the destination simulator number of its own country ("an error is returned" otherwise).
//   Event types: https://docs.aws.amazon.com/sms-voice/latest/userguide/configuration-sets-event-types.html
//   Event record: https://docs.aws.amazon.com/sms-voice/latest/userguide/configuration-sets-event-format.html
//     (eventType, eventVersion "1.0", eventTimestamp and messageRequestTimestamp in Unix ms, isFinal,
//     originationPhoneNumber, destinationPhoneNumber, isoCountryCode, isInternationalSend, messageId,
//     messageEncoding GSM|Unicode, messageType, messageStatus, messageStatusDescription, context (the
//     request's Context), totalMessageParts, totalMessagePrice, totalCarrierFee; mcc, mnc and carrierName
//     are optional and absent here: the simulator reaches no carrier)
//   https://docs.aws.amazon.com/sms-voice/latest/userguide/monitor-event-bridge.html: one message's
//     TEXT_SUCCESSFUL ("Message has been accepted by phone carrier") followed by its TEXT_DELIVERED
//     ("Message has been accepted by phone"), both isFinal; protectConfiguration {protectConfigurationId,
//     protectStatus} when the message went through a protect configuration.
//   Message parts: https://docs.aws.amazon.com/sms-voice/latest/userguide/sms-limitations-character.html
//     (160 GSM 03.38 characters or 70 UCS-2 characters; a longer message is split into parts of 153 / 67)
//
// Not documented, so a parameter here (see README.md): which failure event a failure simulator number
// produces (default TEXT_UNREACHABLE), the messageStatusDescription of failure events (the event types
// page's wording is used), and the voice record's fields beyond the common ones.

export interface SimulatorNumber {
  country: string;
  isoCountryCode: string;
  outcome: 'success' | 'failure';
  phoneNumber: string;
}

const table: [country: string, iso: string, success: string, failure: string][] = [
  ['Australia', 'AU', '+61455944038', '+61455944039'],
  ['Austria', 'AT', '+43676800442031', '+43676800442032'],
  ['Belgium', 'BE', '+32460213922', '+32460213923'],
  ['Chile', 'CL', '+56229140630', '+56229140631'],
  ['Czech Republic', 'CZ', '+420790542286', '+420790542287'],
  ['Denmark', 'DK', '+4525919410', '+4525919215'],
  ['Estonia', 'EE', '+37282720792', '+37282720793'],
  ['Finland', 'FI', '+3584573979110', '+3584573979111'],
  ['France', 'FR', '+33755512501', '+33755512502'],
  ['Hong Kong', 'HK', '+85257048426', '+85257048854'],
  ['Hungary', 'HU', '+36707178770', '+36707178772'],
  ['Italy', 'IT', '+394390009172', '+394390009174'],
  ['Jersey', 'JE', '+447937404990', '+447937404992'],
  ['Luxembourg', 'LU', '+352691385880', '+352691385882'],
  ['Netherlands', 'NL', '+3197008100148', '+3197008100150'],
  ['Norway', 'NO', '+4759449384', '+4759449387'],
  ['Poland', 'PL', '+48732141440', '+48732141442'],
  ['Portugal', 'PT', '+351927946948', '+351927946950'],
  ['Romania', 'RO', '+40783900330', '+40783900332'],
  ['Spain', 'ES', '+34683783440', '+34683783442'],
  ['Sweden', 'SE', '+46790645100', '+46790645102'],
  ['Switzerland', 'CH', '+41798075872', '+41798075874'],
  ['Taiwan', 'TW', '+886903444630', '+886903444632'],
  ['United Kingdom', 'GB', '+447860019066', '+447860019067'],
  ['United States', 'US', '+14254147755', '+14254147167'],
];

/** Every destination simulator number AWS lists (25 countries and regions; none for mainland China). */
export const SIMULATOR_NUMBERS: readonly SimulatorNumber[] = table.flatMap(([country, isoCountryCode, success, failure]) => [
  { country, isoCountryCode, outcome: 'success' as const, phoneNumber: success },
  { country, isoCountryCode, outcome: 'failure' as const, phoneNumber: failure },
]);

export const simulatorNumber = (phoneNumber: string) => SIMULATOR_NUMBERS.find((s) => s.phoneNumber === phoneNumber);

export const TEXT_EVENT_TYPES = [
  'TEXT_PENDING',
  'TEXT_QUEUED',
  'TEXT_SUCCESSFUL',
  'TEXT_DELIVERED',
  'TEXT_INVALID',
  'TEXT_INVALID_MESSAGE',
  'TEXT_UNREACHABLE',
  'TEXT_CARRIER_UNREACHABLE',
  'TEXT_BLOCKED',
  'TEXT_CARRIER_BLOCKED',
  'TEXT_SPAM',
  'TEXT_UNKNOWN',
  'TEXT_TTL_EXPIRED',
  'TEXT_PROTECT_BLOCKED',
] as const;
export const VOICE_EVENT_TYPES = [
  'VOICE_INITIATED',
  'VOICE_RINGING',
  'VOICE_ANSWERED',
  'VOICE_COMPLETED',
  'VOICE_BUSY',
  'VOICE_NO_ANSWER',
  'VOICE_FAILED',
  'VOICE_TTL_EXPIRED',
] as const;
export type TextEventType = (typeof TEXT_EVENT_TYPES)[number];
export type VoiceEventType = (typeof VOICE_EVENT_TYPES)[number];
export type TextFailureEventType = Exclude<TextEventType, 'TEXT_PENDING' | 'TEXT_QUEUED' | 'TEXT_SUCCESSFUL' | 'TEXT_DELIVERED'>;
export type VoiceFailureEventType = 'VOICE_BUSY' | 'VOICE_NO_ANSWER' | 'VOICE_FAILED' | 'VOICE_TTL_EXPIRED';

/** messageStatusDescription: the documented strings for success, the event types page's wording otherwise. */
const DESCRIPTIONS: Record<TextEventType | VoiceEventType, string> = {
  TEXT_PENDING: 'Message is in the process of being delivered',
  TEXT_QUEUED: 'Message is queued for delivery',
  TEXT_SUCCESSFUL: 'Message has been accepted by phone carrier',
  TEXT_DELIVERED: 'Message has been accepted by phone',
  TEXT_INVALID: 'The destination phone number is not valid',
  TEXT_INVALID_MESSAGE: 'The SMS message body is not valid and can not be delivered',
  TEXT_UNREACHABLE: "The recipient's device is unavailable",
  TEXT_CARRIER_UNREACHABLE: "A transient error occurred on the recipient's carrier network",
  TEXT_BLOCKED: "The recipient's device or carrier is blocking messages to that recipient",
  TEXT_CARRIER_BLOCKED: "The recipient's carrier blocked delivery of the message",
  TEXT_SPAM: "The recipient's carrier identified the message as unsolicited commercial content",
  TEXT_UNKNOWN: 'The message could not be delivered for an unknown reason',
  TEXT_TTL_EXPIRED: 'The time to deliver the message exceeded its TTL',
  TEXT_PROTECT_BLOCKED: 'Message blocked by protect configuration',
  VOICE_INITIATED: 'The call has been initiated',
  VOICE_RINGING: "The recipient's phone is ringing",
  VOICE_ANSWERED: 'The recipient answered the call',
  VOICE_COMPLETED: 'The voice message was played to the recipient',
  VOICE_BUSY: "The recipient's line was busy",
  VOICE_NO_ANSWER: 'The call rang without being answered',
  VOICE_FAILED: 'The call failed',
  VOICE_TTL_EXPIRED: 'The time to place the call exceeded its TTL',
};

export interface SmsVoiceEventRecord {
  eventType: TextEventType | VoiceEventType;
  eventVersion: '1.0';
  eventTimestamp: number;
  isFinal: boolean;
  originationPhoneNumber: string;
  destinationPhoneNumber: string;
  isoCountryCode: string;
  isInternationalSend: boolean;
  messageId: string;
  messageRequestTimestamp: number;
  messageEncoding?: 'GSM' | 'Unicode';
  messageType?: 'TRANSACTIONAL' | 'PROMOTIONAL';
  messageStatus: string;
  messageStatusDescription: string;
  context?: Record<string, string>;
  totalMessageParts?: number;
  totalMessagePrice: number;
  totalCarrierFee?: number;
  protectConfiguration?: { protectConfigurationId: string; protectStatus: 'ALLOW' };
}

export interface MessageFacts {
  messageId: string;
  requestedAt: number;
  originationPhoneNumber: string;
  destinationPhoneNumber: string;
  isoCountryCode: string;
  isInternationalSend: boolean;
  context?: Record<string, string>;
  protectConfigurationId?: string;
  totalMessagePrice: number;
  text?: { encoding: 'GSM' | 'Unicode'; parts: number; messageType: 'TRANSACTIONAL' | 'PROMOTIONAL' };
}

/** The events one message produces, in order, each final or not. */
export function eventsFor(m: MessageFacts, sequence: readonly (TextEventType | VoiceEventType)[]): SmsVoiceEventRecord[] {
  return sequence.map((eventType, i) => {
    const isFinal = !['TEXT_PENDING', 'TEXT_QUEUED', 'VOICE_INITIATED', 'VOICE_RINGING', 'VOICE_ANSWERED'].includes(eventType);
    const record: SmsVoiceEventRecord = {
      eventType,
      eventVersion: '1.0',
      eventTimestamp: m.requestedAt + 300 * (i + 1),
      isFinal,
      originationPhoneNumber: m.originationPhoneNumber,
      destinationPhoneNumber: m.destinationPhoneNumber,
      isoCountryCode: m.isoCountryCode,
      isInternationalSend: m.isInternationalSend,
      messageId: m.messageId,
      messageRequestTimestamp: m.requestedAt,
      messageStatus: eventType.replace(/^(TEXT|VOICE)_/, ''),
      messageStatusDescription: DESCRIPTIONS[eventType],
      totalMessagePrice: m.totalMessagePrice,
    };
    if (m.text) {
      record.messageEncoding = m.text.encoding;
      record.messageType = m.text.messageType;
      record.totalMessageParts = m.text.parts;
      record.totalCarrierFee = 0;
    }
    if (m.context) record.context = m.context;
    if (m.protectConfigurationId)
      record.protectConfiguration = { protectConfigurationId: m.protectConfigurationId, protectStatus: 'ALLOW' };
    return record;
  });
}

export const voiceSequence = (final: 'VOICE_COMPLETED' | VoiceFailureEventType): VoiceEventType[] =>
  final === 'VOICE_COMPLETED'
    ? ['VOICE_INITIATED', 'VOICE_RINGING', 'VOICE_ANSWERED', 'VOICE_COMPLETED']
    : final === 'VOICE_NO_ANSWER' || final === 'VOICE_BUSY'
      ? ['VOICE_INITIATED', 'VOICE_RINGING', final]
      : ['VOICE_INITIATED', final];

// GSM 03.38 default alphabet and its extension table (extension characters take two septets).
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM_EXTENSION = new Set('^{}\\[~]|€\f');

export function messageParts(body: string): { encoding: 'GSM' | 'Unicode'; parts: number } {
  const chars = [...body];
  if (chars.every((c) => GSM_BASIC.has(c) || GSM_EXTENSION.has(c))) {
    const septets = chars.reduce((n, c) => n + (GSM_EXTENSION.has(c) ? 2 : 1), 0);
    return { encoding: 'GSM', parts: septets <= 160 ? 1 : Math.ceil(septets / 153) };
  }
  const units = body.length; // UCS-2 / UTF-16 code units
  return { encoding: 'Unicode', parts: units <= 70 ? 1 : Math.ceil(units / 67) };
}
