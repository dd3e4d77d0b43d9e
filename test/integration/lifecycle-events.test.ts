// Lifecycle events end to end on DynamoDB Local: the real handlers write the table, deliverCode and
// recordReceipt run on its stream and the local port's receipts as in AWS, and publishLifecycleEvents reads the
// same stream through its own filter (dev/support/lifecycle.ts), writing each event as a line of the events file
// beside the outbox (`.data/events.jsonl` under `npm start`) or putting it on the EventBridge stand-in. Each
// committed change yields exactly its event; a refused send (its transaction cancelled) yields none.
import { vi, afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

import { startLocalLifecycle, type LocalLifecycle } from '../../dev/support/lifecycle.js';
import { uniqueIp, uniqueMobile } from '../../dev/support/identities.js';
import { LIFECYCLE_EVENT_SOURCE } from '../../shared/events/lifecycle.js';
import { LIFECYCLE_DETAIL_SCHEMAS } from '../../shared/events/lifecycle-schemas.js';
import { eventBridgePublisher, type EventLine } from '../../shared/events/publisher.js';
import { maskPhone } from '../../shared/identity/mask.js';
import { MAX_WRONG_TRIES_PER_CODE, VERIFY_FAILURES_PER_DESTINATION } from '../../shared/policy.js';
import { startEventBridgeStandIn, type EventBridgeStandIn } from '../support/aws/eventbridge.js';
import { STAND_IN_CREDENTIALS } from '../support/aws/sigv4.js';
import { harness, mentionsCode, setFailureRun, wrongCode, type Harness } from './send-code.harness.js';

const HK_SUCCESS = '+85257048426';
const HK_FAILURE = '+85257048854';

let h: Harness;
let lifecycle: LocalLifecycle;
beforeAll(async () => {
  h = await harness({ receipts: true });
  lifecycle = startLocalLifecycle(h);
});
afterAll(() => lifecycle.stop());
beforeEach(() => {
  h.clock.set(Date.now());
});

/** The events a scenario leads to: every event written after `run` started, once the stream is drained. */
async function eventsDuring(run: () => Promise<void>): Promise<EventLine[]> {
  await lifecycle.drain();
  const before = lifecycle.events().length;
  await run();
  await lifecycle.drain();
  const lines = lifecycle.events().slice(before);
  for (const line of lines) {
    expect(line.source).toBe(LIFECYCLE_EVENT_SOURCE);
    const schema = LIFECYCLE_DETAIL_SCHEMAS[line['detail-type'] as keyof typeof LIFECYCLE_DETAIL_SCHEMAS];
    expect(schema, line['detail-type']).toBeDefined();
    expect(schema.safeParse(line.detail).success, JSON.stringify(line)).toBe(true);
  }
  return lines;
}
const types = (lines: EventLine[]) => lines.map((l) => l['detail-type']);
const requestOf = async (sendRequestId: string) =>
  (await h.scan()).find((i) => String(i.pk).startsWith('DELIVERY#') && i.requestId === sendRequestId);

describe('a code through its life, one event per committed change', () => {
  it('send → delivered (receipt) → verified: CodeSent, CodeDelivered, CodeVerified, and End User Messaging told the SMS was received', async () => {
    let sendRequestId = '';
    let verifyRequestId = '';
    let code = '';
    const lines = await eventsDuring(async () => {
      const sent = await h.send(HK_SUCCESS, { headers: { 'X-Request-Id': 'partner-send-1' } });
      expect(sent.status).toBe(200);
      sendRequestId = String((await requestOf('partner-send-1'))?.sendRequestId);
      code = h.lastCode(HK_SUCCESS);
      const verified = await h.verify(HK_SUCCESS, code, { headers: { 'X-Request-Id': 'partner-verify-1' } });
      expect(verified.status).toBe(200);
      verifyRequestId = String(
        (await h.scan()).find(
          (i) => i.operation === 'verifyVerificationCode' && i.status === 200 && i.clientRequestId === 'partner-verify-1',
        )?.requestId ?? '',
      );
    });
    expect(types(lines)).toEqual(['CodeSent', 'CodeDelivered', 'CodeVerified']);
    const [sent, delivered, verified] = lines.map((l) => l.detail);
    const common = { channel: 'sms', country: 'HK', destination: maskPhone(HK_SUCCESS) };
    expect(sent).toMatchObject({ ...common, requestId: sendRequestId, clientRequestId: 'partner-send-1' });
    expect(delivered).toMatchObject({ ...common, requestId: sendRequestId, clientRequestId: 'partner-send-1', reason: 'TEXT_SUCCESSFUL' });
    // AWS's two success events of one SMS (TEXT_SUCCESSFUL, TEXT_DELIVERED) make one CodeDelivered: the first final state.
    expect(delivered!.timeToHandsetMs).toEqual(expect.any(Number));
    expect(verified).toMatchObject({ ...common, clientRequestId: 'partner-verify-1' });
    // The verify's own platform request id: its audit record's.
    expect(verifyRequestId).not.toBe('');
    expect(verified!.requestId).toBe(verifyRequestId);
    for (const l of lines) expect(mentionsCode(JSON.stringify(l), code)).toBe(false);
    expect(JSON.stringify(lines)).not.toContain(HK_SUCCESS);

    // The verified code's message, by the id deliverCode noted on the destination.
    const request = await requestOf('partner-send-1');
    expect(lifecycle.feedback()).toContain(request!.messageId);
  });

  it("a failed delivery: CodeSent, then CodeDeliveryFailed with the provider's reason; the refunded send gives no more", async () => {
    const lines = await eventsDuring(async () => {
      expect((await h.send(HK_FAILURE)).status).toBe(200);
    });
    expect(types(lines)).toEqual(['CodeSent', 'CodeDeliveryFailed']);
    expect(lines[1]!.detail).toMatchObject({ channel: 'sms', country: 'HK', reason: 'TEXT_UNREACHABLE' });
    expect(lines[1]!.detail.requestId).toBe(lines[0]!.detail.requestId);
  });

  it('an email bounced: CodeDeliveryFailed, country null', async () => {
    const bounced = `bounce+${Date.now()}@simulator.amazonses.com`;
    const lines = await eventsDuring(async () => {
      expect((await h.send(bounced, { token: await h.captcha(bounced) })).status).toBe(200);
    });
    expect(types(lines)).toEqual(['CodeSent', 'CodeDeliveryFailed']);
    expect(lines[1]!.detail).toMatchObject({ channel: 'email', country: null });
    expect(JSON.stringify(lines)).not.toContain(bounced);
  });

  it('a refused send (its transaction cancelled by the cooldown) and a wrong try that locks nothing yield no event', async () => {
    const mobile = uniqueMobile().e164;
    const ip = uniqueIp();
    expect((await h.send(mobile, { ip })).status).toBe(200);
    const code = h.lastCode(mobile);
    const lines = await eventsDuring(async () => {
      const again = await h.send(mobile, { ip });
      expect(again.status).toBe(429);
      expect((await h.verify(mobile, wrongCode(code))).status).toBe(400);
    });
    expect(lines).toEqual([]);
  });
});

describe('lockouts', () => {
  it(`the code's last wrong try (${MAX_WRONG_TRIES_PER_CODE}): VerificationLocked code_tries_used_up, once`, async () => {
    const mobile = uniqueMobile().e164;
    expect((await h.send(mobile)).status).toBe(200);
    const code = h.lastCode(mobile);
    const lines = await eventsDuring(async () => {
      for (let i = 0; i < MAX_WRONG_TRIES_PER_CODE; i++) {
        h.clock.advance(13_000); // past the attempts' own window
        expect((await h.verify(mobile, wrongCode(code))).status, `try ${i + 1}`).toBe(400);
      }
      h.clock.advance(13_000);
      expect((await h.verify(mobile, code)).status).toBe(400); // dead: the right code no longer verifies
    });
    expect(types(lines)).toEqual(['VerificationLocked']);
    expect(lines[0]!.detail).toMatchObject({ reason: 'code_tries_used_up', lockedUntil: null, channel: 'sms' });
  });

  it("the destination's failure cap: VerificationLocked destination_failure_cap until the cap's window has passed", async () => {
    const mobile = uniqueMobile().e164;
    expect((await h.send(mobile)).status).toBe(200);
    const code = h.lastCode(mobile);
    // 99 failures in the current run, as test/integration/verify-lockout.test.ts brings a destination there.
    await setFailureRun(h, mobile, VERIFY_FAILURES_PER_DESTINATION.limit - 1, h.clock.now().getTime() - 3_600_000);
    const lines = await eventsDuring(async () => {
      expect((await h.verify(mobile, wrongCode(code))).status).toBe(400);
    });
    expect(types(lines)).toEqual(['VerificationLocked']);
    const lockedUntil = Date.parse(String(lines[0]!.detail.lockedUntil));
    expect(lines[0]!.detail.reason).toBe('destination_failure_cap');
    expect(lockedUntil - Date.parse(String(lines[0]!.detail.occurredAt))).toBe(VERIFY_FAILURES_PER_DESTINATION.windowMs);
  });
});

describe('on the EventBridge stand-in', () => {
  let eb: EventBridgeStandIn;
  let onBus: LocalLifecycle;
  beforeAll(async () => {
    eb = await startEventBridgeStandIn({ region: h.config.region, eventBuses: ['verigate-local'] });
    // A second reader of the same stream, from now on, putting what it finds on the bus.
    onBus = startLocalLifecycle(h, {
      publisher: eventBridgePublisher({
        region: h.config.region,
        busName: 'verigate-local',
        endpoint: eb.endpoint,
        credentials: STAND_IN_CREDENTIALS,
      }),
    });
    await onBus.drain();
    eb.sink.delivered.length = 0;
  });
  afterAll(async () => {
    await onBus.stop();
    await eb.close();
  });

  it('send → deliver → verify puts exactly CodeSent, CodeDelivered, CodeVerified on the bus, with their envelope', async () => {
    const mobile = uniqueMobile().e164;
    expect((await h.send(mobile)).status).toBe(200);
    expect((await h.verify(mobile, h.lastCode(mobile))).status).toBe(200);
    await onBus.drain();
    const events = eb.sink.delivered.map((d) => d.event);
    expect(events.map((e) => e['detail-type'])).toEqual(['CodeSent', 'CodeDelivered', 'CodeVerified']);
    for (const e of events)
      expect(e).toMatchObject({ source: LIFECYCLE_EVENT_SOURCE, detail: expect.objectContaining({ channel: 'sms' }) });
    expect(new Set(events.map((e) => (e.detail as { eventId: string }).eventId)).size).toBe(3);
  });

  it('a record whose event the bus refused is handed back to the stream and published on its redelivery: at least once, never lost', async () => {
    eb.sink.delivered.length = 0;
    const mobile = uniqueMobile().e164;
    expect((await h.send(mobile)).status).toBe(200);
    // The batch holds the send's CodeSent and its CodeDelivered; the bus refuses the first entry once.
    eb.failEntries({ indexes: [0], errorCode: 'AccessDeniedException' });
    await onBus.drain();
    const events = eb.sink.delivered.map((d) => d.event);
    // Lambda redelivers from the failed record on: CodeDelivered comes twice, with one eventId to dedup on.
    expect(events.map((e) => e['detail-type'])).toEqual(['CodeDelivered', 'CodeSent', 'CodeDelivered']);
    expect(new Set(events.map((e) => (e.detail as { eventId: string }).eventId)).size).toBe(2);
  });
});
