import { keys } from './store/keys.js';

/**
 * The one table of channels: how a code can reach a destination. Send's `sendMethod` names one, the
 * delivery request carries it, the stream hands deliverCode only requests of a channel, and the delivery
 * port sends through the channel's adapter (shared/notify/aws.ts). A new channel is an entry here and an
 * adapter there (docs: "Add a channel").
 */
export interface ChannelEntry {
  /** The kind of destination the channel reaches. */
  reaches: DestinationKind;
  /**
   * For a channel to phone numbers: which numbers it can reach (shared/domain/send-code.ts checks each
   * kind). Such a send is held to the country allow-list and spends the country budget (SPEC §4).
   */
  numbers?: PhoneReach;
}

export const CHANNELS = {
  sms: { reaches: 'mobile', numbers: 'sms-capable' },
  email: { reaches: 'email' },
  // A call that speaks the code: to a phone that cannot take SMS too (a fixed line), never by default.
  voice: { reaches: 'mobile', numbers: 'callable' },
} as const satisfies Record<string, ChannelEntry>;

export type Channel = keyof typeof CHANNELS;

/**
 * What a code is sent to: a phone number (E.164) or an email address. `mobile` is also the identity's kind
 * in the registry and in every keyed hash, so it names any phone number, fixed lines included.
 */
export type DestinationKind = 'mobile' | 'email';

/**
 * The numbers a phone channel reaches (shared/identity/sms-destination.ts): `sms-capable`, mobile numbers;
 * `callable`, any valid number, fixed lines included.
 */
export type PhoneReach = 'sms-capable' | 'callable';

/** Every channel, in the table's order. */
export const CHANNEL_NAMES = Object.keys(CHANNELS) as [Channel, ...Channel[]];

/** SPEC §4: the channel of a send to an account that names none. */
export const DEFAULT_ACCOUNT_CHANNEL: Channel = 'sms';

/** A withheld send's delivery request names no channel: nothing is sent for it. */
export const NO_CHANNEL = 'none';
export type DeliveryChannel = Channel | typeof NO_CHANNEL;

export const isChannel = (value: unknown): value is Channel => typeof value === 'string' && Object.hasOwn(CHANNELS, value);

/** The channel a send to a destination of `kind` takes when the caller names none: the first that reaches it. */
export function defaultChannelOf(kind: DestinationKind): Channel {
  const channel = CHANNEL_NAMES.find((c) => CHANNELS[c].reaches === kind);
  if (!channel) throw new Error(`no channel reaches a destination of kind ${kind}`);
  return channel;
}

/**
 * The table's stream as deliverCode's event source mapping filters it (Lambda event filtering): inserted
 * delivery requests of a channel only, so a withheld send's request, a request's later changes (claim,
 * outcome) and every other item never invoke it. The local stream poller applies the same patterns.
 */
export const DELIVERY_STREAM_FILTER_PATTERNS = [
  {
    eventName: ['INSERT'],
    dynamodb: {
      Keys: { pk: { S: [{ prefix: keys.delivery('').pk }] } },
      NewImage: { channel: { S: [...CHANNEL_NAMES] } },
    },
  },
];
