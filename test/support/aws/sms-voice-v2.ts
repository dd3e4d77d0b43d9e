// A loopback stand-in for AWS End User Messaging SMS and Voice v2 (service PinpointSMSVoiceV2, SDK
// @aws-sdk/client-pinpoint-sms-voice-v2): SendTextMessage, SendVoiceMessage, PutMessageFeedback, with the
// destination simulator numbers and a configuration set's event destinations. Written from:
//   The Smithy model, aws/api-models-aws pinpoint-sms-voice-v2/service/2022-03-31/pinpoint-sms-voice-v2-2022-03-31.json
//     (same as aws/aws-sdk-js-v3 codegen/sdk-codegen/aws-models/pinpoint-sms-voice-v2.json): awsJson1_0,
//     X-Amz-Target "PinpointSMSVoiceV2.<Operation>", SigV4 signing name "sms-voice"; members and their
//     @required/@length/@pattern/@range/enum constraints transcribed below; errors AccessDeniedException
//     (Reason), ConflictException (Reason, ResourceType, ResourceId), InternalServerException (RequestId; 500,
//     retryable), ResourceNotFoundException (ResourceType, ResourceId), ServiceQuotaExceededException
//     (Reason), ThrottlingException (retryable, throttling), ValidationException (Reason, Fields[{Name,
//     Message}]); client errors without an @httpError are 400, server errors 500.
//   API reference: https://docs.aws.amazon.com/pinpoint/latest/apireference_smsvoicev2/API_SendTextMessage.html,
//     .../API_SendVoiceMessage.html, .../API_PutMessageFeedback.html (MaxPrice: "If the calculated amount to
//     send the text message is greater than MaxPrice, the message is not sent and an error is returned";
//     TimeToLive: "If the messages isn't handed off before the TTL expires we stop attempting to hand off the
//     message and return TTL_EXPIRED event"; voice TEXT bodies at most 3000 characters, SSML 6000; default
//     voice MATTHEW; DryRun: "checked and validated, but isn't sent")
//   Event destinations: https://docs.aws.amazon.com/sms-voice/latest/userguide/configuration-sets-event-destinations.html
//     and https://docs.aws.amazon.com/pinpoint/latest/apireference_smsvoicev2/API_EventDestination.html
//     (MatchingEventTypes; ALL, TEXT_ALL, VOICE_ALL; Enabled)
//   Simulator numbers and event records: see sms-voice-simulator.ts.
import { randomUUID } from 'node:crypto';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { violations, validationMessage, type Rule } from './constraints.js';
import { EventSink, eventBridgeEvent, type Delivered } from './deliveries.js';
import {
  eventsFor,
  messageParts,
  simulatorNumber,
  voiceSequence,
  type MessageFacts,
  type SmsVoiceEventRecord,
  type TextEventType,
  type TextFailureEventType,
  type VoiceEventType,
  type VoiceFailureEventType,
} from './sms-voice-simulator.js';
import { awsJsonProtocol, ServiceError, startStandIn, type StandInFrame, type StandInOptions } from './stand-in-server.js';

// ---- Input shapes, from the model ----
const PHONE_NUMBER: Rule = { type: 'string', length: [1, 20], pattern: /^\+?[1-9][0-9]{1,18}$/ };
const ORIGINATION_IDENTITY: Rule = { type: 'string', length: [1, 256], pattern: /^[A-Za-z0-9_:/+-]+$/ };
const NAME_OR_ARN: Rule = { type: 'string', length: [1, 256], pattern: /^[A-Za-z0-9_:/-]+$/ };
const MAX_PRICE: Rule = { type: 'string', length: [2, 8], pattern: /^[0-9]{0,2}\.[0-9]{1,5}$/ };
const TIME_TO_LIVE: Rule = { type: 'integer', range: [5, 259200] };
const CONTEXT: Rule = {
  type: 'map',
  length: [0, 5],
  key: { type: 'string', length: [1, 100], pattern: /^\S+$/ },
  value: { type: 'string', length: [1, 800], pattern: /^(?!\s)^[\s\S]+(?<!\s)$/ },
};
// The model's VoiceId enum.
// prettier-ignore
const VOICE_IDS = [
  'AMY', 'ASTRID', 'BIANCA', 'BRIAN', 'CAMILA', 'CARLA', 'CARMEN', 'CELINE', 'CHANTAL', 'CONCHITA', 'CRISTIANO', 'DORA',
  'EMMA', 'ENRIQUE', 'EWA', 'FILIZ', 'GERAINT', 'GIORGIO', 'GWYNETH', 'HANS', 'INES', 'IVY', 'JACEK', 'JAN', 'JOANNA',
  'JOEY', 'JUSTIN', 'KARL', 'KENDRA', 'KIMBERLY', 'LEA', 'LIV', 'LOTTE', 'LUCIA', 'LUPE', 'MADS', 'MAJA', 'MARLENE',
  'MATHIEU', 'MATTHEW', 'MAXIM', 'MIA', 'MIGUEL', 'MIZUKI', 'NAJA', 'NICOLE', 'PENELOPE', 'RAVEENA', 'RICARDO', 'RUBEN',
  'RUSSELL', 'SALLI', 'SEOYEON', 'TAKUMI', 'TATYANA', 'VICKI', 'VITORIA', 'ZEINA', 'ZHIYU',
] as const;

const SEND_TEXT_MESSAGE: Record<string, Rule> = {
  DestinationPhoneNumber: { ...PHONE_NUMBER, required: true },
  OriginationIdentity: ORIGINATION_IDENTITY,
  MessageBody: { type: 'string', length: [1, 1600], pattern: /^(?!\s*$)[\s\S]+$/ },
  MessageType: { type: 'string', enum: ['TRANSACTIONAL', 'PROMOTIONAL'] },
  Keyword: { type: 'string', length: [1, 30], pattern: /^[ \S]+$/ },
  ConfigurationSetName: NAME_OR_ARN,
  MaxPrice: MAX_PRICE,
  TimeToLive: TIME_TO_LIVE,
  Context: CONTEXT,
  DestinationCountryParameters: {
    type: 'map',
    length: [0, 10],
    key: { type: 'string', enum: ['IN_TEMPLATE_ID', 'IN_ENTITY_ID'] },
    value: { type: 'string', length: [1, 64], pattern: /^\S+$/ },
  },
  DryRun: { type: 'boolean' },
  ProtectConfigurationId: NAME_OR_ARN,
  MessageFeedbackEnabled: { type: 'boolean' },
};
const SEND_VOICE_MESSAGE: Record<string, Rule> = {
  DestinationPhoneNumber: { ...PHONE_NUMBER, required: true },
  OriginationIdentity: { ...ORIGINATION_IDENTITY, required: true },
  MessageBody: { type: 'string', length: [1, 6000], pattern: /^(?!\s*$)[\s\S]+$/ },
  MessageBodyTextType: { type: 'string', enum: ['TEXT', 'SSML'] },
  VoiceId: { type: 'string', enum: VOICE_IDS },
  ConfigurationSetName: NAME_OR_ARN,
  MaxPricePerMinute: MAX_PRICE,
  TimeToLive: TIME_TO_LIVE,
  Context: CONTEXT,
  DryRun: { type: 'boolean' },
  ProtectConfigurationId: NAME_OR_ARN,
  MessageFeedbackEnabled: { type: 'boolean' },
};
const PUT_MESSAGE_FEEDBACK: Record<string, Rule> = {
  MessageId: { type: 'string', required: true, length: [1, 64], pattern: /^[A-Za-z0-9_:/-]+$/ },
  MessageFeedbackStatus: { type: 'string', required: true, enum: ['RECEIVED', 'FAILED'] },
};

const SEND_ERRORS = {
  AccessDeniedException: 400,
  ConflictException: 400,
  InternalServerException: 500,
  ResourceNotFoundException: 400,
  ServiceQuotaExceededException: 400,
  ThrottlingException: 400,
  ValidationException: 400,
};
const FEEDBACK_ERRORS = {
  AccessDeniedException: 400,
  InternalServerException: 500,
  ResourceNotFoundException: 400,
  ThrottlingException: 400,
  ValidationException: 400,
};

// ---- Configuration of the stand-in's account ----
export interface EventDestination {
  name: string;
  /** ALL, TEXT_ALL, VOICE_ALL or single event types. */
  matchingEventTypes: string[];
  enabled?: boolean;
}
export interface OriginationIdentityConfig {
  isoCountryCode: string;
  capabilities?: ('SMS' | 'VOICE')[];
  /** A simulator origination number: it may only send to its own country's destination simulator numbers. */
  simulator?: boolean;
}

export interface SmsVoiceStandInOptions extends StandInOptions {
  region?: string;
  accountId?: string;
  configurationSets?: Record<string, { eventDestinations: EventDestination[] }>;
  protectConfigurations?: Record<string, { blockedCountries?: string[] }>;
  /** When given, only these identities exist (phone numbers, pool ids, sender ids, or their ARNs). */
  originationIdentities?: Record<string, OriginationIdentityConfig>;
  /** Used in event records when a request names no OriginationIdentity. */
  defaultOriginationIdentity?: string;
  /** ISO 3166 codes the account may send to; simulator numbers are always reachable. Default: all. */
  allowedCountries?: string[];
  optedOut?: string[];
  /** The failure event of the failure simulator numbers (AWS does not say which). */
  simulatorFailure?: TextFailureEventType;
  /** The success events of a delivered SMS, in order (AWS: TEXT_SUCCESSFUL and TEXT_DELIVERED, by country). */
  textSuccess?: ('TEXT_SUCCESSFUL' | 'TEXT_DELIVERED')[];
  /** A control beyond AWS's simulator: the final event for a given destination number. */
  outcomes?: Record<string, TextFailureEventType | VoiceFailureEventType>;
  /** Seconds until a message is handed to the carrier, per ISO country; a smaller TimeToLive expires it. */
  handoffSeconds?: Record<string, number>;
  /** USD per SMS part and per voice minute (default 0.00581 and 0.013). */
  pricePerPart?: number;
  pricePerMinute?: number;
  /** Monthly spend limits in USD; a send that would pass one is refused (ServiceQuotaExceededException). */
  monthlySpendLimit?: { text?: number; voice?: number };
  /** Milliseconds between a message's answer and its events (default 0: just after). */
  eventDelayMs?: number;
  onEvent?: (d: Delivered<SmsVoiceEventRecord>) => void;
}

export interface SentMessage {
  messageId: string;
  channel: 'TEXT' | 'VOICE';
  input: Record<string, unknown>;
  isoCountryCode: string;
  dryRun: boolean;
  feedbackEnabled: boolean;
  feedback?: 'RECEIVED' | 'FAILED';
  events: SmsVoiceEventRecord[];
}

export interface SmsVoiceStandIn extends StandInFrame {
  region: string;
  accountId: string;
  sink: EventSink<Delivered<SmsVoiceEventRecord>>;
  /** Every accepted message (dry runs included, flagged), in order. */
  messages: SentMessage[];
  optOut(phoneNumber: string): void;
}

const lastSegment = (nameOrArn: string, resource: string) => nameOrArn.split(`:${resource}/`).at(-1)!;
const matches = (d: EventDestination, t: string) =>
  d.enabled !== false &&
  d.matchingEventTypes.some(
    (m) => m === 'ALL' || m === t || (m === 'TEXT_ALL' && t.startsWith('TEXT_')) || (m === 'VOICE_ALL' && t.startsWith('VOICE_')),
  );

function resourceTypeOf(identity: string): string {
  const arn = /^arn:[^:]+:sms-voice:[^:]*:\d*:([a-z-]+)\//.exec(identity);
  if (arn) return arn[1]!;
  if (identity.startsWith('+') || identity.startsWith('phone-')) return 'phone-number';
  return identity.startsWith('pool-') ? 'pool' : 'sender-id';
}

export async function startSmsVoiceStandIn(o: SmsVoiceStandInOptions = {}): Promise<SmsVoiceStandIn> {
  const region = o.region ?? 'ap-east-1';
  const accountId = o.accountId ?? '123456789012';
  const optedOut = new Set(o.optedOut ?? []);
  const messages: SentMessage[] = [];
  const sink = new EventSink<Delivered<SmsVoiceEventRecord>>(o.onEvent);
  const spent = { TEXT: 0, VOICE: 0 };
  const timers = new Set<NodeJS.Timeout>();

  const validate = (shape: Record<string, Rule>, input: unknown) => {
    const found = violations(shape, input);
    if (found.length === 0) return;
    throw new ServiceError('ValidationException', 400, validationMessage(found, input), {
      Reason: found.some((v) => v.missing) ? 'MISSING_PARAMETER' : 'FIELD_VALIDATION_FAILED',
      Fields: found.map((v) => ({ Name: v.name, Message: v.message })),
    });
  };
  const invalid = (reason: string, message: string, field?: string) =>
    new ServiceError('ValidationException', 400, message, {
      Reason: reason,
      ...(field ? { Fields: [{ Name: field, Message: message }] } : {}),
    });

  const configurationSet = (nameOrArn: unknown) => {
    if (nameOrArn === undefined) return undefined;
    const name = lastSegment(String(nameOrArn), 'configuration-set');
    const set = o.configurationSets?.[name];
    if (!set)
      throw new ServiceError('ResourceNotFoundException', 400, `Configuration set ${name} not found.`, {
        ResourceType: 'configuration-set',
        ResourceId: name,
      });
    return { name, ...set };
  };

  /** The checks both send operations share; returns what the event records say of the message. */
  function admit(channel: 'TEXT' | 'VOICE', input: Record<string, unknown>) {
    const destination = input.DestinationPhoneNumber as string;
    const set = configurationSet(input.ConfigurationSetName);
    const protectId = input.ProtectConfigurationId as string | undefined;
    const protect = protectId === undefined ? undefined : o.protectConfigurations?.[lastSegment(protectId, 'protect-configuration')];
    if (protectId !== undefined && !protect) {
      throw new ServiceError('ResourceNotFoundException', 400, `Protect configuration ${protectId} not found.`, {
        ResourceType: 'protect-configuration',
        ResourceId: protectId,
      });
    }
    const identity = (input.OriginationIdentity as string | undefined) ?? o.defaultOriginationIdentity ?? '+12065550152';
    const identityConfig = o.originationIdentities?.[identity];
    if (o.originationIdentities && input.OriginationIdentity !== undefined && !identityConfig) {
      throw new ServiceError('ResourceNotFoundException', 400, `Origination identity ${identity} not found.`, {
        ResourceType: resourceTypeOf(identity),
        ResourceId: identity,
      });
    }
    if (identityConfig?.capabilities && !identityConfig.capabilities.includes(channel === 'TEXT' ? 'SMS' : 'VOICE')) {
      throw channel === 'VOICE'
        ? invalid('VOICE_CAPABILITY_NOT_AVAILABLE', `Origination identity ${identity} cannot place voice calls.`, 'OriginationIdentity')
        : new ServiceError('ConflictException', 400, `Origination identity ${identity} cannot send text messages.`, {
            Reason: 'NUMBER_CAPABILITIES_MISMATCH',
            ResourceType: resourceTypeOf(identity),
            ResourceId: identity,
          });
    }
    const simulated = simulatorNumber(destination);
    const parsed = parsePhoneNumberFromString(destination);
    const isoCountryCode = simulated?.isoCountryCode ?? parsed?.country ?? '';
    if (identityConfig?.simulator && (!simulated || simulated.isoCountryCode !== identityConfig.isoCountryCode)) {
      throw invalid(
        'INVALID_IDENTITY_FOR_DESTINATION_COUNTRY',
        `Simulator origination identity ${identity} can only send to the destination simulator numbers of ${identityConfig.isoCountryCode}.`,
        'DestinationPhoneNumber',
      );
    }
    if (optedOut.has(destination)) {
      throw new ServiceError('ConflictException', 400, `Destination phone number ${destination} has opted out.`, {
        Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT',
        ResourceType: 'opted-out-number',
        ResourceId: destination,
      });
    }
    if (!simulated && o.allowedCountries && !o.allowedCountries.includes(isoCountryCode)) {
      throw invalid(
        'DESTINATION_COUNTRY_BLOCKED',
        `Sending to ${isoCountryCode || 'this destination'} is not enabled for this account.`,
        'DestinationPhoneNumber',
      );
    }
    if (protect?.blockedCountries?.includes(isoCountryCode)) {
      throw new ServiceError(
        'ConflictException',
        400,
        `Destination country ${isoCountryCode} is blocked by protect configuration ${protectId}.`,
        {
          Reason: 'DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION',
          ResourceType: 'protect-configuration',
          ResourceId: protectId,
        },
      );
    }
    const facts: MessageFacts = {
      messageId: randomUUID(),
      requestedAt: Date.now(),
      originationPhoneNumber: identity,
      destinationPhoneNumber: destination,
      isoCountryCode,
      isInternationalSend: identityConfig !== undefined && identityConfig.isoCountryCode !== isoCountryCode,
      context: input.Context as Record<string, string> | undefined,
      protectConfigurationId: protectId,
      totalMessagePrice: 0,
    };
    return { set, facts, simulated, valid: simulated !== undefined || parsed?.isValid() === true };
  }

  function spend(channel: 'TEXT' | 'VOICE', price: number) {
    const limit = channel === 'TEXT' ? o.monthlySpendLimit?.text : o.monthlySpendLimit?.voice;
    if (limit !== undefined && spent[channel] + price > limit) {
      throw new ServiceError(
        'ServiceQuotaExceededException',
        400,
        `The monthly spend limit for ${channel === 'TEXT' ? 'text' : 'voice'} has been reached.`,
        {
          Reason: channel === 'TEXT' ? 'MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT' : 'MONTHLY_SPEND_LIMIT_REACHED_FOR_VOICE',
        },
      );
    }
    spent[channel] += price;
  }

  function accept(
    channel: 'TEXT' | 'VOICE',
    input: Record<string, unknown>,
    admitted: ReturnType<typeof admit>,
    sequence: (TextEventType | VoiceEventType)[],
    after: (work: () => void) => void,
  ) {
    const dryRun = input.DryRun === true;
    const events = eventsFor(admitted.facts, sequence);
    const message: SentMessage = {
      messageId: admitted.facts.messageId,
      channel,
      input,
      isoCountryCode: admitted.facts.isoCountryCode,
      dryRun,
      feedbackEnabled: input.MessageFeedbackEnabled === true,
      events: dryRun ? [] : events,
    };
    messages.push(message);
    const set = admitted.set;
    if (!dryRun && set) {
      after(() => {
        const deliver = () => {
          for (const record of events) {
            for (const d of set.eventDestinations.filter((d) => matches(d, record.eventType))) {
              sink.deliver({ configurationSet: set.name, eventDestination: d.name, record });
            }
          }
        };
        if (!o.eventDelayMs) return deliver();
        const t = setTimeout(() => (timers.delete(t), deliver()), o.eventDelayMs);
        timers.add(t);
      });
    }
    return { status: 200, body: { MessageId: admitted.facts.messageId } };
  }

  const expiredBeforeHandoff = (input: Record<string, unknown>, iso: string) =>
    typeof input.TimeToLive === 'number' && (o.handoffSeconds?.[iso] ?? 0) > input.TimeToLive;

  const operations = {
    SendTextMessage(input: Record<string, unknown>, after: (work: () => void) => void) {
      validate(SEND_TEXT_MESSAGE, input);
      const admitted = admit('TEXT', input);
      const body = (input.MessageBody as string | undefined) ?? '';
      const { encoding, parts } = messageParts(body);
      const price = Number((parts * (o.pricePerPart ?? 0.00581)).toFixed(5));
      if (input.MaxPrice !== undefined && price > Number(input.MaxPrice)) {
        throw invalid('PRICE_OVER_THRESHOLD', `The price of this message (${price} USD) is greater than MaxPrice.`, 'MaxPrice');
      }
      if (input.DryRun !== true) spend('TEXT', price);
      admitted.facts.totalMessagePrice = price;
      admitted.facts.text = { encoding, parts, messageType: (input.MessageType as 'TRANSACTIONAL' | 'PROMOTIONAL') ?? 'TRANSACTIONAL' };
      const destination = input.DestinationPhoneNumber as string;
      const failure: TextEventType | undefined = expiredBeforeHandoff(input, admitted.facts.isoCountryCode)
        ? 'TEXT_TTL_EXPIRED'
        : ((o.outcomes?.[destination] as TextFailureEventType | undefined) ??
          (admitted.simulated?.outcome === 'failure' ? (o.simulatorFailure ?? 'TEXT_UNREACHABLE') : undefined) ??
          (admitted.valid ? undefined : 'TEXT_INVALID'));
      const sequence = failure ? [failure] : (o.textSuccess ?? ['TEXT_SUCCESSFUL', 'TEXT_DELIVERED']);
      return accept('TEXT', input, admitted, sequence, after);
    },

    SendVoiceMessage(input: Record<string, unknown>, after: (work: () => void) => void) {
      validate(SEND_VOICE_MESSAGE, input);
      const body = input.MessageBody as string | undefined;
      const ssml = input.MessageBodyTextType === 'SSML';
      if (body !== undefined && !ssml && [...body].length > 3000) {
        throw new ServiceError('ValidationException', 400, `A TEXT voice message body has at most 3000 characters.`, {
          Reason: 'FIELD_VALIDATION_FAILED',
          Fields: [{ Name: 'MessageBody', Message: 'Member must have length less than or equal to 3000' }],
        });
      }
      // Amazon Polly reads SSML only inside a <speak> root element.
      if (body !== undefined && ssml && !/^\s*<speak(\s[^>]*)?>[\s\S]*<\/speak>\s*$/.test(body)) {
        throw invalid('INVALID_PARAMETER', 'An SSML message body must be a <speak> document.', 'MessageBody');
      }
      const admitted = admit('VOICE', input);
      // One minute is charged per started minute of the call; the stand-in's calls last under a minute.
      const price = Number((o.pricePerMinute ?? 0.013).toFixed(5));
      if (input.MaxPricePerMinute !== undefined && price > Number(input.MaxPricePerMinute)) {
        throw invalid(
          'PRICE_OVER_THRESHOLD',
          `The price per minute of this call (${price} USD) is greater than MaxPricePerMinute.`,
          'MaxPricePerMinute',
        );
      }
      if (input.DryRun !== true) spend('VOICE', price);
      admitted.facts.totalMessagePrice = price;
      const destination = input.DestinationPhoneNumber as string;
      const final = expiredBeforeHandoff(input, admitted.facts.isoCountryCode)
        ? 'VOICE_TTL_EXPIRED'
        : ((o.outcomes?.[destination] as VoiceFailureEventType | undefined) ?? (admitted.valid ? 'VOICE_COMPLETED' : 'VOICE_FAILED'));
      return accept('VOICE', input, admitted, voiceSequence(final), after);
    },

    PutMessageFeedback(input: Record<string, unknown>) {
      validate(PUT_MESSAGE_FEEDBACK, input);
      const message = messages.find((m) => m.messageId === input.MessageId && !m.dryRun);
      if (!message) {
        throw new ServiceError('ResourceNotFoundException', 400, `Message ${String(input.MessageId)} not found.`, {
          ResourceType: 'message',
          ResourceId: input.MessageId,
        });
      }
      message.feedback = input.MessageFeedbackStatus as 'RECEIVED' | 'FAILED';
      return { status: 200, body: { MessageId: message.messageId, MessageFeedbackStatus: message.feedback } };
    },
  };

  const protocol = awsJsonProtocol({
    version: '1.0',
    targetPrefix: 'PinpointSMSVoiceV2',
    signingName: 'sms-voice',
    operations: { SendTextMessage: SEND_ERRORS, SendVoiceMessage: SEND_ERRORS, PutMessageFeedback: FEEDBACK_ERRORS },
    messageMember: 'Message',
    throttling: () => new ServiceError('ThrottlingException', 400, 'Rate exceeded.'),
    internal: () => new ServiceError('InternalServerException', 500, 'Internal server error.', { RequestId: randomUUID() }),
  });
  const frame = await startStandIn(
    protocol,
    (operation, input, after) => operations[operation as keyof typeof operations](input as Record<string, unknown>, after),
    o,
  );
  return {
    ...frame,
    region,
    accountId,
    sink,
    messages,
    optOut: (phoneNumber) => void optedOut.add(phoneNumber),
    close: async () => {
      for (const t of timers) clearTimeout(t);
      await frame.close();
    },
  };
}

/** A configuration set's events as EventBridge carries them (source aws.sms-voice). */
export function smsVoiceEventBridgeEvent(record: SmsVoiceEventRecord, e: { account: string; region: string }) {
  return eventBridgeEvent(record, {
    ...e,
    source: 'aws.sms-voice',
    detailType: record.eventType.startsWith('VOICE_') ? 'Voice Message Delivery Status Updated' : 'Text Message Delivery Status Updated',
  });
}
