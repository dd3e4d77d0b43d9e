// The lifecycle events' AWS ports against the loopback stand-ins written from AWS's documentation
// (test/support/aws/): PutEvents on the stage's bus (partial failures put again for the failed entries only,
// what still fails handed back to the stream as batchItemFailures), and PutMessageFeedback RECEIVED for a
// verified SMS or voice code.
import { vi, afterEach, beforeEach, describe, expect, it } from 'vitest';

vi.hoisted(() => {
  process.env.LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

import { SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { createPublishLifecycleEventsHandler } from '../../functions/publish-lifecycle-events.js';
import { LIFECYCLE_EVENT_SOURCE, type LifecycleEvent } from '../../shared/events/lifecycle.js';
import { eventBridgePublisher, type EventPublisher } from '../../shared/events/publisher.js';
import { smsVoiceFeedback } from '../../shared/notify/feedback.js';
import { EVENTS_CALL_MS, EVENTS_RETRY, EVENTS_TIMEOUT_MS, PUT_EVENTS_MAX_ENTRIES } from '../../shared/policy.js';
import { keys } from '../../shared/store/keys.js';
import { startEventBridgeStandIn, type EventBridgeStandIn } from '../support/aws/eventbridge.js';
import { STAND_IN_CREDENTIALS } from '../support/aws/sigv4.js';
import { startSmsVoiceStandIn, type SmsVoiceStandIn } from '../support/aws/sms-voice-v2.js';
import { smsVoiceClient } from './aws-stand-ins/clients.js';

const BUS = 'verigate-test';
const REGION = 'ap-east-1';
const T0 = Date.parse('2026-12-06T10:00:00.000Z');

/** A CodeSent event numbered `i` (its eventId and request ids say which). */
const sent = (i: number): LifecycleEvent => ({
  detailType: 'CodeSent',
  time: new Date(T0 + i),
  detail: {
    eventId: `event-${i}`,
    requestId: `platform-${i}`,
    clientRequestId: `client-${i}`,
    channel: 'sms',
    country: 'HK',
    destination: '+852****8426',
    occurredAt: new Date(T0 + i).toISOString(),
    expiresAt: new Date(T0 + i + 300_000).toISOString(),
  },
});
const events = (n: number) => Array.from({ length: n }, (_, i) => sent(i));

let eb: EventBridgeStandIn;
let publisher: EventPublisher;
beforeEach(async () => {
  eb = await startEventBridgeStandIn({ region: REGION, eventBuses: [BUS] });
  publisher = eventBridgePublisher({ region: REGION, busName: BUS, endpoint: eb.endpoint, credentials: STAND_IN_CREDENTIALS });
});
afterEach(() => eb.close());

/** The eventIds each PutEvents call carried, call by call. */
const callsCarried = () =>
  eb.calls.map((c) => ((c.input as { Entries: Array<{ Detail: string }> }).Entries ?? []).map((e) => JSON.parse(e.Detail).eventId));
const published = () => eb.sink.delivered.map((d) => (d.event.detail as { eventId: string }).eventId);

describe('PutEvents (eventBridgePublisher)', () => {
  it("puts each event on the stage's bus as one entry: source verigate.codes, the detail-type, the detail, the event's time", async () => {
    expect(await publisher.publish([sent(1)])).toEqual(new Set());
    expect(eb.calls[0]!.headers['x-amz-target']).toBe('AWSEvents.PutEvents');
    expect(eb.sink.delivered).toEqual([
      {
        eventBusName: BUS,
        event: expect.objectContaining({
          source: LIFECYCLE_EVENT_SOURCE,
          'detail-type': 'CodeSent',
          time: '2026-12-06T10:00:00Z',
          region: REGION,
          detail: sent(1).detail,
        }),
      },
    ]);
  });

  it(`puts a batch in calls of at most ${PUT_EVENTS_MAX_ENTRIES} entries, every event once`, async () => {
    expect(await publisher.publish(events(23))).toEqual(new Set());
    expect(
      callsCarried()
        .map((c) => c.length)
        .sort((a, b) => b - a),
    ).toEqual([10, 10, 3]);
    expect(published().sort()).toEqual(
      events(23)
        .map((e) => e.detail.eventId)
        .sort(),
    );
  });

  it('puts again only the entries a call failed with a retryable error (ThrottlingException, InternalFailure)', async () => {
    eb.failEntries({ indexes: [1, 3], errorCode: 'ThrottlingException' });
    expect(await publisher.publish(events(5))).toEqual(new Set());
    expect(callsCarried()).toEqual([
      ['event-0', 'event-1', 'event-2', 'event-3', 'event-4'],
      ['event-1', 'event-3'],
    ]);
    // Each event is on the bus exactly once: the entries that were taken were not put again.
    expect(published().sort()).toEqual(['event-0', 'event-1', 'event-2', 'event-3', 'event-4']);
  });

  it('gives up on an entry refused for good (no second try), and says which, publishing the others', async () => {
    eb.failEntries({ indexes: [2], errorCode: 'MalformedDetail' });
    expect(await publisher.publish(events(4))).toEqual(new Set([2]));
    expect(eb.calls).toHaveLength(1);
    expect(published().sort()).toEqual(['event-0', 'event-1', 'event-3']);
  });

  it(`says which entries still failed after ${EVENTS_RETRY.attempts} attempts`, async () => {
    eb.failEntries({ indexes: [0], errorCode: 'InternalFailure' }, 10);
    expect(await publisher.publish(events(2))).toEqual(new Set([0]));
    expect(eb.calls).toHaveLength(EVENTS_RETRY.attempts);
    expect(published()).toEqual(['event-1']);
  });

  it('makes a throttled or failed call again whole, and a call without an answer too: an event may reach the bus twice, never be lost', async () => {
    eb.faults.next({ kind: 'throttle' });
    eb.faults.next({ kind: 'server-error', status: 503 });
    expect(await publisher.publish(events(2))).toEqual(new Set());
    expect(published()).toEqual(['event-0', 'event-1']);

    eb.sink.delivered.length = 0;
    // Applied, its answer lost: EventBridge has no idempotent put, so the consumer dedups on detail.eventId.
    eb.faults.next({ kind: 'close', effect: true });
    expect(await publisher.publish([sent(7)])).toEqual(new Set());
    expect(published()).toEqual(['event-7', 'event-7']);
  });

  it(`ends a call EventBridge never answers within EVENTS_TIMEOUT_MS (${EVENTS_TIMEOUT_MS} ms) and puts the events again`, async () => {
    eb.faults.next({ kind: 'hang' });
    const started = Date.now();
    expect(await publisher.publish(events(2))).toEqual(new Set());
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(EVENTS_TIMEOUT_MS);
    expect(elapsed).toBeLessThan(EVENTS_CALL_MS + EVENTS_RETRY.maxDelayMs);
    expect(published()).toEqual(['event-0', 'event-1']);
  });

  it('says every event failed when the bus does not exist (a call refused for good)', async () => {
    const elsewhere = eventBridgePublisher({
      region: REGION,
      busName: 'no-such-bus',
      endpoint: eb.endpoint,
      credentials: STAND_IN_CREDENTIALS,
    });
    expect(await elsewhere.publish(events(3))).toEqual(new Set([0, 1, 2]));
    expect(eb.calls).toHaveLength(1);
  });
});

describe('publishLifecycleEvents with the stand-ins', () => {
  let eum: SmsVoiceStandIn;
  beforeEach(async () => {
    eum = await startSmsVoiceStandIn({ region: REGION });
  });
  afterEach(() => eum.close());

  const feedback = () => smsVoiceFeedback({ region: REGION, endpoint: eum.endpoint, credentials: STAND_IN_CREDENTIALS });
  let seq = 0;
  const streamRecord = (eventName: 'INSERT' | 'MODIFY', pk: string, oldImage: object | undefined, newImage: object): DynamoDBRecord => {
    const n = String(++seq).padStart(21, '0');
    return {
      eventID: `stream-${n}`,
      eventName,
      dynamodb: {
        Keys: marshall({ pk, sk: 'x' }) as never,
        ...(oldImage ? { OldImage: marshall(oldImage, { removeUndefinedValues: true }) as never } : {}),
        NewImage: marshall(newImage, { removeUndefinedValues: true }) as never,
        SequenceNumber: n,
      },
    };
  };
  const inserted = (i: number) =>
    streamRecord('INSERT', keys.delivery(`send-${i}`).pk, undefined, {
      ...keys.delivery(`send-${i}`),
      channel: 'sms',
      country: 'HK',
      requestId: `client-${i}`,
      sendRequestId: `platform-${i}`,
      subjectMasked: '+852****8426',
      committedAt: T0,
      expireSeconds: 300,
    });
  const verified = (messageId: string) => {
    const before = {
      ...keys.destination('h'),
      codeHash: 'c',
      codeChannel: 'sms',
      codeCountry: 'HK',
      codeMessageId: messageId,
      codeWrongTries: 0,
    };
    return streamRecord('MODIFY', keys.destination('h').pk, before, {
      ...before,
      codeHash: undefined,
      verifiedAt: T0 + 20_000,
      verifyRequestId: 'platform-verify',
      subjectMasked: '+852****8426',
    });
  };

  it('publishes the events of a batch, reports a verified SMS code RECEIVED, and hands back no record', async () => {
    const client = smsVoiceClient({ endpoint: eum.endpoint });
    const { MessageId } = await client.send(
      new SendTextMessageCommand({ DestinationPhoneNumber: '+85257048426', MessageBody: 'code', MessageFeedbackEnabled: true }),
    );
    client.destroy();
    const handler = createPublishLifecycleEventsHandler({ publisher, feedback: feedback() });
    const answer = await handler({ Records: [inserted(1), verified(MessageId!)] }, {} as never);
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(eb.sink.delivered.map((d) => d.event['detail-type'])).toEqual(['CodeSent', 'CodeVerified']);
    const put = eum.calls.filter((c) => c.operation === 'PutMessageFeedback');
    expect(put.map((c) => c.input)).toEqual([{ MessageId, MessageFeedbackStatus: 'RECEIVED' }]);
  });

  it('hands back to the stream the records whose events were not published (ReportBatchItemFailures), and reports no feedback for them', async () => {
    const records = [inserted(1), inserted(2), verified('eum-unknown'), inserted(3)];
    eb.failEntries({ indexes: [1, 2], errorCode: 'AccessDeniedException' });
    const handler = createPublishLifecycleEventsHandler({ publisher, feedback: feedback() });
    const answer = await handler({ Records: records }, {} as never);
    expect(answer).toEqual({
      batchItemFailures: [records[1]!, records[2]!].map((r) => ({ itemIdentifier: r.dynamodb!.SequenceNumber })),
    });
    expect(eb.sink.delivered.map((d) => (d.event.detail as { requestId: string }).requestId)).toEqual(['platform-1', 'platform-3']);
    expect(eum.calls.filter((c) => c.operation === 'PutMessageFeedback')).toEqual([]);
  });

  it('leaves a verified code after a handed-back record to its redelivery: reported RECEIVED once, when it comes again', async () => {
    const client = smsVoiceClient({ endpoint: eum.endpoint });
    const sent = async () =>
      (await client.send(new SendTextMessageCommand({ DestinationPhoneNumber: '+85257048426', MessageBody: 'code', MessageFeedbackEnabled: true })))
        .MessageId!;
    const [before, after] = [await sent(), await sent()];
    client.destroy();
    const records = [verified(before), inserted(2), verified(after)];
    eb.failEntries({ indexes: [1], errorCode: 'AccessDeniedException' });
    const handler = createPublishLifecycleEventsHandler({ publisher, feedback: feedback() });
    expect(await handler({ Records: records }, {} as never)).toEqual({ batchItemFailures: [{ itemIdentifier: records[1]!.dynamodb!.SequenceNumber }] });
    const reported = () => eum.calls.filter((c) => c.operation === 'PutMessageFeedback').map((c) => (c.input as { MessageId: string }).MessageId);
    expect(reported()).toEqual([before]);
    // Lambda redelivers from the handed-back record on.
    expect(await handler({ Records: records.slice(1) }, {} as never)).toEqual({ batchItemFailures: [] });
    expect(reported()).toEqual([before, after]);
  });

  it('takes a message End User Messaging does not know as reported nothing, and still publishes its event', async () => {
    const handler = createPublishLifecycleEventsHandler({ publisher, feedback: feedback() });
    expect(await handler({ Records: [verified('eum-unknown')] }, {} as never)).toEqual({ batchItemFailures: [] });
    expect(eum.calls.filter((c) => c.operation === 'PutMessageFeedback').map((c) => c.errorCode)).toEqual(['ResourceNotFoundException']);
    expect(eb.sink.delivered).toHaveLength(1);
  });

  it('skips the records no event follows from without a call', async () => {
    const handler = createPublishLifecycleEventsHandler({ publisher, feedback: feedback() });
    const claim = streamRecord('MODIFY', keys.delivery('send-9').pk, { channel: 'sms' }, { channel: 'sms', claimedUntil: T0 });
    expect(await handler({ Records: [claim] }, {} as never)).toEqual({ batchItemFailures: [] });
    expect(eb.calls.filter((c) => c.operation === 'PutEvents')).toEqual([]);
  });
});
