import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  AccessDeniedException,
  InternalServerException,
  SendTextMessageCommand,
  ThrottlingException,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SendEmailCommand, TooManyRequestsException } from '@aws-sdk/client-sesv2';
import { afterEach, describe, expect, it } from 'vitest';
import { startEventBridgeStandIn } from '../../support/aws/eventbridge.js';
import { MAILBOX_SIMULATOR, startSesStandIn } from '../../support/aws/sesv2.js';
import { startSmsVoiceStandIn } from '../../support/aws/sms-voice-v2.js';
import type { StandInFrame } from '../../support/aws/stand-in-server.js';
import { eventBridgeClient, rejection, sesClient, smsVoiceClient } from './clients.js';

const closing: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const c of closing.splice(0)) await c.close();
});
const track = <T extends { close(): Promise<void> }>(x: T) => (closing.push(x), x);

async function smsVoice(o: { maxAttempts?: number; requestTimeout?: number } = {}) {
  const stand = track(
    await startSmsVoiceStandIn({ configurationSets: { codes: { eventDestinations: [{ name: 'all', matchingEventTypes: ['ALL'] }] } } }),
  );
  const client = smsVoiceClient({ endpoint: stand.endpoint, ...o });
  track({ close: async () => client.destroy() });
  const send = (o?: { abortSignal?: AbortSignal }) =>
    client.send(
      new SendTextMessageCommand({ DestinationPhoneNumber: '+85257048426', MessageBody: 'code 123456', ConfigurationSetName: 'codes' }),
      o,
    );
  return { stand, send };
}
async function ses(o: { maxAttempts?: number; requestTimeout?: number } = {}) {
  const stand = track(await startSesStandIn());
  const client = sesClient({ endpoint: stand.endpoint, ...o });
  track({ close: async () => client.destroy() });
  const send = (o?: { abortSignal?: AbortSignal }) =>
    client.send(
      new SendEmailCommand({
        FromEmailAddress: 'no-reply@verigate.example',
        Destination: { ToAddresses: [MAILBOX_SIMULATOR.success] },
        Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 'b' } } } },
      }),
      o,
    );
  return { stand, send };
}
async function eventBridge(o: { maxAttempts?: number; requestTimeout?: number } = {}) {
  const stand = track(await startEventBridgeStandIn());
  const client = eventBridgeClient({ endpoint: stand.endpoint, ...o });
  track({ close: async () => client.destroy() });
  const send = (o?: { abortSignal?: AbortSignal }) =>
    client.send(new PutEventsCommand({ Entries: [{ Source: 'verigate', DetailType: 'CodeSent', Detail: '{}' }] }), o);
  return { stand, send };
}
const services = { 'SMS and Voice v2': smsVoice, 'SES v2': ses, EventBridge: eventBridge } as Record<
  string,
  (o?: {
    maxAttempts?: number;
    requestTimeout?: number;
  }) => Promise<{ stand: StandInFrame; send: (o?: { abortSignal?: AbortSignal }) => Promise<unknown> }>
>;

describe.each(Object.keys(services))('%s: faults as the SDK meets them', (service) => {
  const start = services[service]!;

  it('a hang is a TimeoutError after the request timeout; the call is recorded unanswered and not repeated with maxAttempts 1', async () => {
    const { stand, send } = await start({ requestTimeout: 150 });
    stand.faults.next({ kind: 'hang' });
    const began = Date.now();
    const e = await rejection(send());
    expect(e.name).toBe('TimeoutError');
    expect(Date.now() - began).toBeLessThan(1500);
    expect(stand.unanswered()).toHaveLength(1);
    expect(stand.calls).toHaveLength(1);
    expect(stand.repeatsOfUnanswered()).toEqual([]);
  });

  it('sees a retry of an unanswered call when the client retries (the check can fail)', async () => {
    const { stand, send } = await start({ requestTimeout: 150, maxAttempts: 2 });
    stand.faults.next({ kind: 'hang' }, 2);
    await rejection(send());
    expect(stand.calls).toHaveLength(2);
    expect(stand.calls[0]!.invocationId).toBe(stand.calls[1]!.invocationId);
    expect(stand.repeatsOfUnanswered().map((c) => c.seq)).toEqual([2]);
  });

  it("headers without a body outlast the SDK's requestTimeout (it times the headers only); a deadline's abort signal ends the call", async () => {
    const { stand, send } = await start({ requestTimeout: 150 });
    stand.faults.next({ kind: 'stall-body' });
    const pending = rejection(send());
    const outcome = await Promise.race([pending.then(() => 'ended'), new Promise((r) => setTimeout(() => r('still waiting'), 500))]);
    expect(outcome).toBe('still waiting');
    stand.faults.next({ kind: 'stall-body' });
    expect((await rejection(send({ abortSignal: AbortSignal.timeout(150) }))).name).toBe('AbortError');
    expect(stand.unanswered()).toHaveLength(2);
    await stand.close();
    await pending;
  });

  it('a closed connection is a network error with no answer', async () => {
    const { stand, send } = await start();
    stand.faults.next({ kind: 'close' });
    const e = await rejection(send());
    expect(e.message + String(e.code)).toMatch(/socket hang up|ECONNRESET/);
    expect(stand.calls[0]).toMatchObject({ answered: false, fault: 'close' });
  });

  it('a delay shorter than the timeout is an ordinary answer, later', async () => {
    const { stand, send } = await start({ requestTimeout: 1000 });
    stand.faults.next({ kind: 'delay', ms: 200 });
    const began = Date.now();
    await send();
    expect(Date.now() - began).toBeGreaterThanOrEqual(190);
    expect(stand.calls[0]).toMatchObject({ answered: true, status: 200, fault: 'delay' });
  });

  it("a malformed body fails deserialization, and 5xx and throttling are the service's own errors", async () => {
    const { stand, send } = await start();
    stand.faults.next({ kind: 'malformed' });
    const malformed = await rejection(send());
    expect(malformed.name).not.toMatch(/Exception$/);
    stand.faults.next({ kind: 'server-error', status: 503 });
    const unavailable = await rejection(send());
    expect(unavailable).toMatchObject({ name: 'ServiceUnavailable', $fault: 'server', $metadata: { httpStatusCode: 503 } });
    stand.faults.next({ kind: 'throttle' });
    const throttled = await rejection(send());
    expect(throttled.name).toMatch(/^(ThrottlingException|TooManyRequestsException)$/);
    await send();
    expect(stand.calls.map((c) => c.status)).toEqual([200, 503, throttled.name === 'TooManyRequestsException' ? 429 : 400, 200]);
  });

  it('next(fault, N) fails exactly the next N calls; always() fails every call until clear()', async () => {
    const { stand, send } = await start();
    stand.faults.next({ kind: 'server-error' }, 2);
    await rejection(send());
    await rejection(send());
    await send();
    stand.faults.always({ kind: 'throttle' });
    await rejection(send());
    await rejection(send());
    stand.faults.clear();
    await send();
    expect(stand.calls.map((c) => c.fault ?? '-')).toEqual(['server-error', 'server-error', '-', 'throttle', 'throttle', '-']);
  });

  it('refuses to answer an error the operation does not document', async () => {
    const { stand, send } = await start();
    stand.faults.next({ kind: 'error', code: 'TeapotException' });
    const e = await rejection(send());
    expect((e as unknown as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(599);
  });
});

describe('faults particular to a service', () => {
  it('SMS: 500 is InternalServerException (retryable) and throttling ThrottlingException, typed by the SDK', async () => {
    const { stand, send } = await smsVoice();
    stand.faults.next({ kind: 'server-error' });
    const internal = await rejection(send());
    expect(internal).toBeInstanceOf(InternalServerException);
    expect(internal).toMatchObject({ $retryable: {}, RequestId: expect.any(String) });
    stand.faults.next({ kind: 'throttle' });
    const throttled = await rejection(send());
    expect(throttled).toBeInstanceOf(ThrottlingException);
    expect(throttled).toMatchObject({ $retryable: { throttling: true } });
  });

  it('SMS: a documented error with its fields (AccessDeniedException, Reason ACCOUNT_DISABLED)', async () => {
    const { stand, send } = await smsVoice();
    stand.faults.next({
      kind: 'error',
      code: 'AccessDeniedException',
      message: 'Account disabled',
      fields: { Reason: 'ACCOUNT_DISABLED' },
    });
    const e = await rejection(send());
    expect(e).toBeInstanceOf(AccessDeniedException);
    expect(e).toMatchObject({ Reason: 'ACCOUNT_DISABLED', message: 'Account disabled' });
  });

  it('SMS: with effect, a hang still sends the message and its events follow; only the answer is lost', async () => {
    const { stand, send } = await smsVoice({ requestTimeout: 150 });
    stand.faults.next({ kind: 'hang', effect: true });
    expect((await rejection(send())).name).toBe('TimeoutError');
    expect(stand.messages).toHaveLength(1);
    await stand.sink.waitFor((d) => d.some((x) => x.record.isFinal));
    expect(stand.sink.records()[0]!.messageId).toBe(stand.messages[0]!.messageId);
  });

  it('SMS: without effect, a closed connection sends nothing', async () => {
    const { stand, send } = await smsVoice();
    stand.faults.next({ kind: 'close' });
    await rejection(send());
    expect(stand.messages).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 50));
    expect(stand.sink.delivered).toHaveLength(0);
  });

  it('SES: throttling is TooManyRequestsException (429)', async () => {
    const { stand, send } = await ses();
    stand.faults.next({ kind: 'throttle' });
    const e = await rejection(send());
    expect(e).toBeInstanceOf(TooManyRequestsException);
    expect(e).toMatchObject({ $metadata: { httpStatusCode: 429 } });
  });

  it('SES: a slow answer the caller gave up on still sends the email', async () => {
    const { stand, send } = await ses({ requestTimeout: 100 });
    stand.faults.next({ kind: 'delay', ms: 300 });
    expect((await rejection(send())).name).toBe('TimeoutError');
    await new Promise((r) => setTimeout(r, 400));
    expect(stand.emails).toHaveLength(1);
    expect(stand.calls[0]!.answered).toBe(false);
  });

  it('EventBridge: a 500 is InternalException', async () => {
    const { stand, send } = await eventBridge();
    stand.faults.next({ kind: 'server-error' });
    expect(await rejection(send())).toMatchObject({ name: 'InternalException', $fault: 'server', $metadata: { httpStatusCode: 500 } });
  });
});
