// Which lifecycle event each committed write is (shared/events/lifecycle.ts), read from the stream record's old
// and new images as DynamoDB Streams (NEW_AND_OLD_IMAGES) reports them, and which records the event source
// mapping's filter (shared/events/lifecycle-stream.ts) lets through at all: the local poller applies the same
// patterns with matchesPattern. Every event's detail is held to its published schema.
import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { matchesPattern } from '../../dev/stream-poller.js';
import { lifecycleChangeOf, type StreamChange } from '../../shared/events/lifecycle.js';
import { LIFECYCLE_DETAIL_SCHEMAS } from '../../shared/events/lifecycle-schemas.js';
import { LIFECYCLE_STREAM_FILTER_PATTERNS } from '../../shared/events/lifecycle-stream.js';
import { MAX_WRONG_TRIES_PER_CODE, VERIFY_FAILURES_PER_DESTINATION } from '../../shared/policy.js';
import { keys } from '../../shared/store/keys.js';

const T0 = Date.parse('2026-12-06T10:00:00.000Z');
const SEND_ID = 'send-7f3a';
const DEST = keys.destination('h4sh').pk;
const DELIVERY = keys.delivery(SEND_ID).pk;

/** A delivery request item as the send's transaction puts it (shared/store/delivery-requests.ts requestItem). */
const request = (o: Record<string, unknown> = {}) => ({
  ...keys.delivery(SEND_ID),
  channel: 'sms',
  country: 'HK',
  sealed: 'v1.sealed-destination-and-code',
  expireSeconds: 300,
  language: 'en-US',
  requestId: 'client-req-1',
  sendRequestId: 'platform-req-1',
  subjectHash: 'subject-keyed-hash',
  subjectMasked: '+852****8426',
  committedAt: T0,
  destinationHash: 'h4sh',
  codeHash: 'code-keyed-hash',
  sentAt: T0,
  ttl: 1,
  ...o,
});

/** A destination item holding a pending code (shared/store/destinations.ts). */
const destination = (o: Record<string, unknown> = {}) => ({
  ...keys.destination('h4sh'),
  codeHash: 'code-keyed-hash',
  codeExpiresAt: T0 + 300_000,
  codeWrongTries: 0,
  codeChannel: 'sms',
  codeCountry: 'HK',
  codeMessageId: 'eum-message-1',
  ttl: 1,
  ...o,
});
/** What a verify that changes the item writes on it besides its rules (verify-attempts.ts verifyMarks). */
const marks = { verifyRequestId: 'platform-verify-1', verifyClientRequestId: 'client-verify-1', subjectMasked: '+852****8426' };

const change = (eventName: StreamChange['eventName'], pk: string, oldImage?: object, newImage?: object): StreamChange => ({
  eventId: 'stream-event-1',
  eventName,
  pk,
  oldImage: oldImage as Record<string, unknown> | undefined,
  newImage: newImage as Record<string, unknown> | undefined,
});

/** The change as its stream record, the way the event source mapping's filter sees it. */
const record = (c: StreamChange) => ({
  eventName: c.eventName,
  dynamodb: {
    Keys: marshall({ pk: c.pk, sk: 'x' }),
    ...(c.oldImage ? { OldImage: marshall(c.oldImage, { removeUndefinedValues: true }) } : {}),
    ...(c.newImage ? { NewImage: marshall(c.newImage, { removeUndefinedValues: true }) } : {}),
  },
});
const passesFilter = (c: StreamChange) => LIFECYCLE_STREAM_FILTER_PATTERNS.some((p) => matchesPattern(record(c), p as never));

/** The event of a change, after checking the filter lets its record through and its detail fits the schema. */
function eventOf(c: StreamChange) {
  const found = lifecycleChangeOf(c);
  if (!found) return undefined;
  expect(passesFilter(c), 'a record that makes an event passes the filter').toBe(true);
  const parsed = LIFECYCLE_DETAIL_SCHEMAS[found.event.detailType].safeParse(found.event.detail);
  expect(parsed.success, JSON.stringify(parsed.error)).toBe(true);
  return found;
}

describe('CodeSent', () => {
  it('follows an inserted delivery request of a channel, with both request ids, the country and the masked destination', () => {
    const found = eventOf(change('INSERT', DELIVERY, undefined, request()));
    expect(found?.event).toEqual({
      detailType: 'CodeSent',
      time: new Date(T0),
      detail: {
        eventId: 'stream-event-1',
        requestId: 'platform-req-1',
        clientRequestId: 'client-req-1',
        channel: 'sms',
        country: 'HK',
        destination: '+852****8426',
        occurredAt: '2026-12-06T10:00:00.000Z',
        expiresAt: '2026-12-06T10:05:00.000Z',
      },
    });
    expect(found?.feedback).toBeUndefined();
  });

  it('says country null for an email', () => {
    const found = eventOf(
      change('INSERT', DELIVERY, undefined, request({ channel: 'email', country: undefined, subjectMasked: 'a***@example.com' })),
    );
    expect(found?.event.detail).toMatchObject({ channel: 'email', country: null, destination: 'a***@example.com' });
  });

  it('follows no withheld send (channel none): its request is never sent, and an event would tell an enumerator what send hid', () => {
    const c = change('INSERT', DELIVERY, undefined, request({ channel: 'none' }));
    expect(lifecycleChangeOf(c)).toBeUndefined();
    expect(passesFilter(c)).toBe(false);
  });
});

describe('CodeDelivered and CodeDeliveryFailed', () => {
  const accepted = request({ outcome: 'accepted', settledAt: T0 + 800, messageId: 'eum-message-1' });

  it("follow a receipt's final state, once: delivered with the time to the handset, failed with the provider's reason", () => {
    const delivered = eventOf(
      change('MODIFY', DELIVERY, accepted, { ...accepted, receipt: 'delivered', receiptReason: 'TEXT_DELIVERED', receiptAt: T0 + 4200 }),
    );
    expect(delivered?.event.detailType).toBe('CodeDelivered');
    expect(delivered?.event.detail).toMatchObject({
      reason: 'TEXT_DELIVERED',
      timeToHandsetMs: 4200,
      occurredAt: '2026-12-06T10:00:04.200Z',
    });

    const failed = eventOf(
      change('MODIFY', DELIVERY, accepted, { ...accepted, receipt: 'failed', receiptReason: 'TEXT_UNREACHABLE', receiptAt: T0 + 9000 }),
    );
    expect(failed?.event.detailType).toBe('CodeDeliveryFailed');
    expect(failed?.event.detail).toMatchObject({
      reason: 'TEXT_UNREACHABLE',
      requestId: 'platform-req-1',
      clientRequestId: 'client-req-1',
    });
  });

  it('follow nothing more for a repeated receipt, a complaint after a delivery, or a claim', () => {
    const delivered = { ...accepted, receipt: 'delivered', receiptReason: 'Delivery', receiptAt: T0 + 4200 };
    expect(lifecycleChangeOf(change('MODIFY', DELIVERY, delivered, { ...delivered, complainedAt: T0 + 60_000 }))).toBeUndefined();
    const claimed = request({ claimedUntil: T0 + 30_000 });
    const c = change('MODIFY', DELIVERY, request(), claimed);
    expect(lifecycleChangeOf(c)).toBeUndefined();
    expect(passesFilter(c)).toBe(false);
  });

  it('CodeDeliveryFailed follows a refund (the provider refused the message) and a withdrawal (the send was undone)', () => {
    for (const outcome of ['refunded', 'withdrawn']) {
      const found = eventOf(change('MODIFY', DELIVERY, request(), request({ outcome, settledAt: T0 + 1500 })));
      expect(found?.event.detailType).toBe('CodeDeliveryFailed');
      expect(found?.event.detail).toMatchObject({ reason: outcome, occurredAt: '2026-12-06T10:00:01.500Z' });
    }
  });
});

describe('CodeVerified', () => {
  it("follows a verify consuming the pending code, with the verify's request ids, the send's channel and country, and asks for the message's feedback", () => {
    const consumed = {
      ...destination({ ...marks, verifiedAt: T0 + 30_000 }),
      codeHash: undefined,
      codeExpiresAt: undefined,
      codeWrongTries: undefined,
    };
    const found = eventOf(change('MODIFY', DEST, destination(), consumed));
    expect(found?.event).toEqual({
      detailType: 'CodeVerified',
      time: new Date(T0 + 30_000),
      detail: {
        eventId: 'stream-event-1',
        requestId: 'platform-verify-1',
        clientRequestId: 'client-verify-1',
        channel: 'sms',
        country: 'HK',
        destination: '+852****8426',
        occurredAt: '2026-12-06T10:00:30.000Z',
      },
    });
    expect(found?.feedback).toEqual({ messageId: 'eum-message-1' });
    expect(found?.verified).toEqual({ channel: 'sms', country: 'HK' });
  });

  it('asks no feedback for an email code (End User Messaging did not send it) or a code whose message id is not known', () => {
    const email = destination({ codeChannel: 'email', codeCountry: undefined, codeMessageId: 'ses-message-1' });
    const consumed = (before: Record<string, unknown>) => ({ ...before, ...marks, verifiedAt: T0 + 30_000, codeHash: undefined });
    expect(eventOf(change('MODIFY', DEST, email, consumed(email)))?.feedback).toBeUndefined();
    const unknown = destination({ codeMessageId: undefined });
    expect(eventOf(change('MODIFY', DEST, unknown, consumed(unknown)))?.feedback).toBeUndefined();
  });

  it('follows no undo of a send (the code goes without a verify) and no new code replacing a verified one', () => {
    const verifiedEarlier = destination({ ...marks, verifiedAt: T0 - 60_000 });
    const undone = { ...verifiedEarlier, codeHash: undefined };
    expect(lifecycleChangeOf(change('MODIFY', DEST, verifiedEarlier, undone))).toBeUndefined();
    const replaced = { ...verifiedEarlier, codeHash: 'another-code-hash', codeMessageId: undefined };
    expect(lifecycleChangeOf(change('MODIFY', DEST, verifiedEarlier, replaced))).toBeUndefined();
  });
});

describe('VerificationLocked', () => {
  const wrong = (before: Record<string, unknown>, after: Record<string, unknown>) =>
    change('MODIFY', DEST, before, { ...before, ...marks, ...after });

  it("follows the pending code's last wrong try (the code is dead), and not the tries before it", () => {
    const last = MAX_WRONG_TRIES_PER_CODE;
    const before = destination({ codeWrongTries: last - 1, vfRun: last - 1, vfLast: T0 + 1000 });
    const found = eventOf(wrong(before, { codeWrongTries: last, vfRun: last, vfLast: T0 + 2000 }));
    expect(found?.event.detailType).toBe('VerificationLocked');
    expect(found?.event.detail).toMatchObject({ reason: 'code_tries_used_up', lockedUntil: null, requestId: 'platform-verify-1' });
    const earlier = wrong(destination({ codeWrongTries: 1, vfRun: 1, vfLast: T0 }), { codeWrongTries: 2, vfRun: 2, vfLast: T0 + 1000 });
    expect(lifecycleChangeOf(earlier)).toBeUndefined();
  });

  it("follows the failure that reaches the destination's cap, locked for the cap's window", () => {
    const cap = VERIFY_FAILURES_PER_DESTINATION.limit;
    const before = destination({ codeWrongTries: 1, vfRun: cap - 1, vfLast: T0 });
    const found = eventOf(wrong(before, { codeWrongTries: 2, vfRun: cap, vfLast: T0 + 5000 }));
    expect(found?.event.detail).toMatchObject({
      reason: 'destination_failure_cap',
      lockedUntil: new Date(T0 + 5000 + VERIFY_FAILURES_PER_DESTINATION.windowMs).toISOString(),
    });
  });
});

describe('the filter of the event source mapping', () => {
  it('lets through none of the writes no event follows from: audit records, windows, budgets, claims, suppressions', () => {
    const others = [
      change('INSERT', 'AUDIT#req-1', undefined, { pk: 'AUDIT#req-1', sk: 'x', subjectMasked: '+852****8426' }),
      change('MODIFY', 'IP#abc', { pk: 'IP#abc', ip1: 1 }, { pk: 'IP#abc', ip1: 2 }),
      change('INSERT', keys.suppression('h4sh').pk, undefined, { pk: keys.suppression('h4sh').pk, reason: 'bounce' }),
      change('REMOVE', DELIVERY, request(), undefined),
      change('INSERT', DEST, undefined, destination()),
    ];
    for (const c of others) {
      expect(passesFilter(c), c.pk).toBe(false);
      expect(lifecycleChangeOf(c), c.pk).toBeUndefined();
    }
  });
});

describe('what an event never carries', () => {
  it('has no code, code hash, keyed hash, sealed payload or raw contact in any detail', () => {
    const delivered = request({ outcome: 'accepted', receipt: 'delivered', receiptReason: 'TEXT_DELIVERED', receiptAt: T0 + 10 });
    const consumed = { ...destination({ ...marks, verifiedAt: T0 + 30_000 }), codeHash: undefined };
    const details = [
      eventOf(change('INSERT', DELIVERY, undefined, request())),
      eventOf(change('MODIFY', DELIVERY, request({ outcome: 'accepted' }), delivered)),
      eventOf(change('MODIFY', DEST, destination(), consumed)),
    ].map((f) => JSON.stringify(f?.event.detail));
    for (const json of details)
      for (const secret of ['code-keyed-hash', 'subject-keyed-hash', 'h4sh', 'v1.sealed', '+85257048426', 'eum-message-1'])
        expect(json).not.toContain(secret);
  });

  it('refuses a detail with anything beyond its schema (strict objects)', () => {
    const found = eventOf(change('INSERT', DELIVERY, undefined, request()))!;
    expect(LIFECYCLE_DETAIL_SCHEMAS.CodeSent.safeParse({ ...found.event.detail, code: '123456' }).success).toBe(false);
  });
});
