import { CHANNEL_NAMES } from '../channels.js';
import { MAX_WRONG_TRIES_PER_CODE, VERIFY_FAILURES_PER_DESTINATION } from '../policy.js';
import { keys } from '../store/keys.js';

/**
 * The table's stream as publishLifecycleEvents' event source mapping filters it (Lambda event filtering; the
 * local stream poller applies the same patterns): only the changes a lifecycle event can follow from, so
 * that the other writes (claims, windows, audit records, budgets) never invoke it. Coarse on purpose:
 * a pattern sees one image at a time, so the function compares the old and new images and emits an event
 * only for the change itself (shared/events/lifecycle.ts); anything a pattern lets through in excess is
 * skipped there, at the cost of an invocation.
 */
const DELIVERY = { pk: { S: [{ prefix: keys.delivery('').pk }] } };
const DESTINATION = { pk: { S: [{ prefix: keys.destination('').pk }] } };
const OF_A_CHANNEL = { channel: { S: [...CHANNEL_NAMES] } };

export const LIFECYCLE_STREAM_FILTER_PATTERNS = [
  // CodeSent: a delivery request of a channel inserted (a withheld send's, channel none, is not).
  { eventName: ['INSERT'], dynamodb: { Keys: DELIVERY, NewImage: OF_A_CHANNEL } },
  // CodeDelivered / CodeDeliveryFailed: a request of a channel with its receipt's final state…
  { eventName: ['MODIFY'], dynamodb: { Keys: DELIVERY, NewImage: { ...OF_A_CHANNEL, receipt: { S: ['delivered', 'failed'] } } } },
  // …or refunded by deliverCode, or withdrawn by the undo of a send answered with a failure.
  { eventName: ['MODIFY'], dynamodb: { Keys: DELIVERY, NewImage: { ...OF_A_CHANNEL, outcome: { S: ['refunded', 'withdrawn'] } } } },
  // CodeVerified: the destination's pending code gone, with a verify's mark (an undo removes it without one).
  {
    eventName: ['MODIFY'],
    dynamodb: { Keys: DESTINATION, OldImage: { codeHash: { S: [{ exists: true }] } }, NewImage: { verifiedAt: { N: [{ exists: true }] } } },
  },
  // VerificationLocked: a code's last wrong try, or the destination's failure cap reached (numbers are strings in a stream image).
  { eventName: ['MODIFY'], dynamodb: { Keys: DESTINATION, NewImage: { codeWrongTries: { N: [String(MAX_WRONG_TRIES_PER_CODE)] } } } },
  { eventName: ['MODIFY'], dynamodb: { Keys: DESTINATION, NewImage: { vfRun: { N: [String(VERIFY_FAILURES_PER_DESTINATION.limit)] } } } },
];
