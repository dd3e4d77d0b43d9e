import * as z from 'zod/mini';
import { CHANNEL_NAMES } from '../channels.js';
import { LIFECYCLE_EVENT_SOURCE, LOCK_REASONS, type LifecycleDetailType } from './lifecycle.js';

/**
 * The `detail` of each lifecycle event (docs/api.md "Lifecycle events"), as JSON Schemas are generated from
 * them (`npm run openapi` → openapi/lifecycle-events.schema.json) and every emitted event is tested against.
 * What they carry is what a partner's backend may know: ids of the requests, the channel, the country, the
 * destination masked, a reason. Never a code, a code's hash, a keyed hash or a contact: the objects are
 * strict, so nothing else can ride along.
 */
const text = z.string().check(z.minLength(1), z.maxLength(256));
const time = z.iso.datetime();

const common = {
  eventId: z.string().check(z.minLength(1), z.maxLength(128)),
  requestId: text,
  clientRequestId: text,
  channel: z.enum(CHANNEL_NAMES),
  country: z.nullable(z.string().check(z.regex(/^[A-Z]{2}$/))),
  destination: text,
  occurredAt: time,
};

export const CodeSentDetail = z.strictObject({ ...common, expiresAt: time });
export const CodeDeliveredDetail = z.strictObject({
  ...common,
  reason: text,
  timeToHandsetMs: z.int().check(z.minimum(0)),
});
export const CodeDeliveryFailedDetail = z.strictObject({ ...common, reason: text });
export const CodeVerifiedDetail = z.strictObject(common);
export const VerificationLockedDetail = z.strictObject({ ...common, reason: z.enum(LOCK_REASONS), lockedUntil: z.nullable(time) });

export const LIFECYCLE_DETAIL_SCHEMAS = {
  CodeSent: CodeSentDetail,
  CodeDelivered: CodeDeliveredDetail,
  CodeDeliveryFailed: CodeDeliveryFailedDetail,
  CodeVerified: CodeVerifiedDetail,
  VerificationLocked: VerificationLockedDetail,
} as const satisfies Record<LifecycleDetailType, z.ZodMiniType>;

/** What each event says, for the schemas' descriptions and docs/api.md. */
export const LIFECYCLE_EVENT_MEANINGS: Record<LifecycleDetailType, string> = {
  CodeSent:
    "A send committed its code and delivery request (the send's request ids). Emitted for every committed send, also one whose caller was answered with a failure and whose send was then undone: CodeDeliveryFailed (withdrawn) follows.",
  CodeDelivered:
    "The provider's receipt says the message reached the handset or mailbox (`reason`: its status, e.g. TEXT_DELIVERED, VOICE_COMPLETED, Delivery); `timeToHandsetMs` from the send's commit to the provider's timestamp.",
  CodeDeliveryFailed:
    "The message will not arrive: a final failure receipt (`reason`: the provider's status, e.g. TEXT_UNREACHABLE, Bounce/Permanent/General), `refunded` (the provider refused it, or its answer was lost) or `withdrawn` (the send was undone before delivery). The send was given back: a new one is accepted at once.",
  CodeVerified: "A verify consumed the code (the verify's request ids); the channel and country are the send's.",
  VerificationLocked:
    '`code_tries_used_up`: the pending code met its last wrong try and is dead (a new send gives a new one); `destination_failure_cap`: the destination reached its failure cap and refuses verify and send until `lockedUntil`.',
};

export type LifecycleDetail<T extends LifecycleDetailType = LifecycleDetailType> = z.output<(typeof LIFECYCLE_DETAIL_SCHEMAS)[T]>;

/** The event as EventBridge delivers it to a rule's target (the envelope a partner's consumer reads). */
export const lifecycleEnvelopeNote =
  `Each event reaches a rule's target as EventBridge's envelope: {"version":"0","id":…,"detail-type":<name>,"source":"${LIFECYCLE_EVENT_SOURCE}",` +
  '"account":…,"time":<occurredAt>,"region":…,"resources":[],"detail":<below>}.';
