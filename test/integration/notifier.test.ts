// Delivery through the notifier port by deliverCode, fed by DynamoDB Local's real stream: a throwing notifier
// for refusals of any kind, then the real AWS notifier against the loopback stand-ins of End User Messaging
// SMS and Voice v2 and SES v2 (test/support/aws/, written from AWS's documentation), whose configuration sets'
// events reach recordReceipt as the receipts topic delivers them (the SNS Lambda event).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, readProviderSettings } from '../../shared/config.js';
import { compileMessages } from '../../shared/messages/catalog.js';
import { awsNotifier } from '../../shared/notify/aws.js';
import type { CodeMessage, Notifier } from '../../shared/notify/notifier.js';
import { maskedCnMobile, uniqueEmail, uniqueIp, uniqueMobile } from '../../dev/support/identities.js';
import { DELIVERY_RETRY } from '../../shared/policy.js';
import { keys } from '../../shared/store/keys.js';
import { snsLambdaEvent } from '../support/aws/deliveries.js';
import { MAILBOX_SIMULATOR, startSesStandIn, type SesStandIn } from '../support/aws/sesv2.js';
import { STAND_IN_CREDENTIALS } from '../support/aws/sigv4.js';
import { startSmsVoiceStandIn, type SmsVoiceStandIn } from '../support/aws/sms-voice-v2.js';
import { harness, type Harness } from './send-code.harness.js';

const DELIVERY_ATTEMPTS = DELIVERY_RETRY.attempts;

const INTERNAL = 'SMS gateway exploded: arn:aws:sns:ap-southeast-1:123456789012:secret-topic';

describe('a delivery that fails (throwing notifier): deliverCode retries, then refunds the send', () => {
  let h: Harness;
  let failNext = 0;
  const attempted: CodeMessage[] = [];

  beforeAll(async () => {
    h = await harness({
      notifier: (outbox): Notifier => ({
        async deliver(m) {
          attempted.push(m);
          if (failNext > 0) {
            failNext--;
            throw new Error(INTERNAL);
          }
          return outbox.deliver(m);
        },
      }),
    });
  });

  it('send answers 200 at once; after DELIVERY_ATTEMPTS refusals the code is dropped, the cooldown free, and a record says so', async () => {
    h.clock.set(Date.now());
    const mobile = uniqueMobile().e164;
    const ip = uniqueIp();
    failNext = DELIVERY_ATTEMPTS;
    const before = attempted.length;
    const accepted = await h.send(mobile, { ip });
    expect(accepted.status).toBe(200);
    expect(accepted.raw).not.toMatch(/exploded|arn:|secret/i);
    expect(attempted.length - before).toBe(DELIVERY_ATTEMPTS);
    expect(h.messagesTo(mobile)).toHaveLength(0);

    // The code that could not go out was dropped with the refund.
    const lostCode = attempted[attempted.length - 1]!.code;
    const stale = await h.verify(mobile, lostCode, { ip });
    expect([stale.status, stale.body.error_code]).toEqual([400, 'USG.201050002']);

    // The send keeps its one record (it was answered 200); deliverCode's record says the delivery failed, without internals.
    const sendRecords = await h.rt.audit.byRequestId(accepted.requestId);
    expect(sendRecords.map((r) => [r.operation, r.outcome])).toEqual([['sendVerificationCode', 'USG.000000000']]);
    const refund = (await h.scan()).filter((i) => i.operation === 'deliverCode' && (i.detail as Record<string, unknown>).sendRequestId === accepted.requestId);
    expect(refund).toHaveLength(1);
    expect(refund[0]).toMatchObject({ outcome: 'DLV.0502', status: 502, detail: { channel: 'sms', attempts: DELIVERY_ATTEMPTS, error: 'Error' } });
    expect(JSON.stringify(refund[0])).not.toContain('exploded');

    // Refunded: the 60 s cooldown is free, an immediate resend goes out.
    h.clock.advance(1_000);
    const resent = await h.send(mobile, { ip });
    expect(resent.status).toBe(200);
    expect(resent.body).toEqual({ expire: 180, bindPhone: maskedCnMobile(mobile), bindEmail: null });
    expect(h.messagesTo(mobile)).toHaveLength(1);
    expect((await h.verify(mobile, h.lastCode(mobile), { ip })).status).toBe(200);
  });

  it('a refused attempt is tried again: one message, the code verifies', async () => {
    h.clock.set(Date.now());
    const mobile = uniqueMobile().e164;
    failNext = DELIVERY_ATTEMPTS - 1;
    expect((await h.send(mobile)).status).toBe(200);
    expect(h.messagesTo(mobile)).toHaveLength(1);
    expect((await h.verify(mobile, h.lastCode(mobile))).status).toBe(200);
  });

  it('a refunded send does not count toward the 10-per-day cap either', async () => {
    h.clock.set(Date.now());
    const t0 = h.clock.now().getTime();
    const mobile = uniqueMobile().e164;
    const ip = uniqueIp();
    failNext = 2 * DELIVERY_ATTEMPTS;
    for (let i = 0; i < 2; i++) expect((await h.send(mobile, { ip })).status).toBe(200);
    expect(h.messagesTo(mobile)).toHaveLength(0);
    for (let i = 0; i < 10; i++) {
      h.clock.set(t0 + (i + 1) * 61_000);
      expect({ i, status: (await h.send(mobile, { ip })).status }).toEqual({ i, status: 200 });
    }
    h.clock.set(t0 + 11 * 61_000);
    const capped = await h.send(mobile, { ip });
    expect([capped.status, capped.body.error_code]).toEqual([429, 'USG.201050004']);
    expect(h.messagesTo(mobile)).toHaveLength(10);
  });
});

describe('the AWS notifier against the End User Messaging and SES stand-ins, its receipts through the receipts topic', () => {
  const SET = 'verigate-test';
  const TOPIC = { topicArn: 'arn:aws:sns:ap-east-1:123456789012:verigate-test-delivery-receipts' };
  const HK_FAILURE = '+85257048854';
  let eum: SmsVoiceStandIn;
  let ses: SesStandIn;
  let h: Harness;
  let forwarded = 0;

  beforeAll(async () => {
    [eum, ses] = await Promise.all([
      startSmsVoiceStandIn({
        configurationSets: { [SET]: { eventDestinations: [{ name: 'receipts', matchingEventTypes: ['ALL'] }] } },
        originationIdentities: {
          'pool-sms': { isoCountryCode: 'CN', capabilities: ['SMS'] },
          'pool-voice': { isoCountryCode: 'CN', capabilities: ['VOICE'] },
        },
      }),
      startSesStandIn({
        identities: { 'verigate.example': {} },
        configurationSets: {
          [SET]: { eventDestinations: [{ name: 'receipts', matchingEventTypes: ['DELIVERY', 'BOUNCE', 'COMPLAINT', 'REJECT', 'DELIVERY_DELAY'] }] },
        },
      }),
    ]);
    const config = loadConfig({ STAGE: 'local' });
    const providers = readProviderSettings(
      {
        SMS_VOICE_CONFIGURATION_SET: SET,
        SES_CONFIGURATION_SET: SET,
        SMS_ORIGINATION_IDENTITIES: '*=pool-sms',
        VOICE_ORIGINATION_IDENTITIES: '*=pool-voice',
      },
      config.sms,
    );
    h = await harness({
      notifier: () =>
        awsNotifier({
          region: eum.region,
          emailFrom: 'no-reply@verigate.example',
          providers,
          messages: compileMessages(config),
          endpoints: { smsVoice: eum.endpoint, ses: ses.endpoint },
          credentials: STAND_IN_CREDENTIALS,
        }),
    });
  });
  afterAll(async () => {
    await Promise.all([eum?.close(), ses?.close()]);
  });
  beforeEach(() => {
    eum.faults.clear();
    ses.faults.clear();
  });

  /** Hands the configuration sets' new events to recordReceipt, as the receipts topic's subscription does. */
  async function receipts(): Promise<void> {
    await new Promise((r) => setImmediate(r)); // the stand-ins publish just after they answer
    const records = [...eum.sink.records(), ...ses.sink.records()];
    for (const record of records.slice(forwarded)) await h.receipts.handler(snsLambdaEvent(record, TOPIC));
    forwarded = records.length;
  }
  const codeIn = (text: string) => /(\d{6})/.exec(text)?.[1] ?? '';
  const spokenCode = (ssml: string) => [...ssml.matchAll(/>(\d)</g)].map((m) => m[1]).join('').slice(0, 6);
  const requestOf = async (sendRequestId: string) =>
    (await h.scan()).find((i) => String(i.pk).startsWith('DELIVERY#') && i.requestId === sendRequestId);
  const auditOf = async (operation: string, sendRequestId: string) =>
    (await h.scan()).filter((i) => i.operation === operation && (i.detail as Record<string, unknown>)?.sendRequestId === sendRequestId);

  it('an SMS is SendTextMessage; its receipt settles the delivery request as delivered, once, with its audit record; the code verifies', async () => {
    h.clock.set(Date.now());
    const mobile = uniqueMobile().e164;
    const sent = await h.send(mobile, { headers: { 'accept-language': 'en-US' } });
    expect(sent.status).toBe(200);
    const text = eum.messages.at(-1)!;
    expect(text.input).toMatchObject({ DestinationPhoneNumber: mobile, OriginationIdentity: 'pool-sms', MessageType: 'TRANSACTIONAL', ConfigurationSetName: SET });
    expect(String(text.input.MessageBody)).toMatch(/^\[verigate\] Your verification code is \d{6}\./);
    await receipts();
    await receipts(); // a receipt redelivered changes nothing
    const request = await requestOf(sent.requestId);
    expect(request).toMatchObject({
      outcome: 'accepted',
      messageId: text.messageId,
      receipt: 'delivered',
      receiptReason: 'TEXT_SUCCESSFUL',
      receiptAt: expect.any(Number),
    });
    expect((await auditOf('recordReceipt', sent.requestId)).map((a) => [a.outcome, a.status, a.caller, (a.detail as Record<string, unknown>).event])).toEqual([
      ['RCP.0000', 200, 'event:sns', 'TEXT_SUCCESSFUL'],
    ]);
    const destination = (await h.scan()).find((i) => i.pk === keys.destination(String(request!.destinationHash)).pk);
    expect(destination?.codeMessageId).toBe(text.messageId);
    expect((await h.verify(mobile, codeIn(String(text.input.MessageBody)))).status).toBe(200);
  });

  it('a voice call is SendVoiceMessage to a fixed line, the code spoken; its receipt (VOICE_COMPLETED) settles it', async () => {
    h.clock.set(Date.now());
    const fixedLine = `+8610${String(Date.now()).slice(-8)}`;
    const sent = await h.send(fixedLine, { sendMethod: 'voice' });
    expect([sent.status, sent.body.bindPhone]).toEqual([200, expect.stringMatching(/^\+86/)]);
    const call = eum.messages.at(-1)!;
    expect([call.channel, call.input.DestinationPhoneNumber, call.input.OriginationIdentity, call.input.MessageBodyTextType]).toEqual([
      'VOICE',
      fixedLine,
      'pool-voice',
      'SSML',
    ]);
    await receipts();
    expect(await requestOf(sent.requestId)).toMatchObject({ channel: 'voice', receipt: 'delivered', receiptReason: 'VOICE_COMPLETED' });
    expect((await h.verify(fixedLine, spokenCode(String(call.input.MessageBody)))).status).toBe(200);
  });

  it('an SMS to a number that cannot take one is still refused for SMS, while voice reaches it', async () => {
    h.clock.set(Date.now());
    const fixedLine = `+8621${String(Date.now()).slice(-8)}`;
    const sms = await h.send(fixedLine, { sendMethod: 'sms' });
    expect([sms.status, sms.body.error_code]).toEqual([400, 'USG.201040003']);
    expect((await h.send(fixedLine, { sendMethod: 'voice' })).status).toBe(200);
  });

  it("HK's failure simulator number: its failure receipt refunds the send, and an immediate resend by voice is accepted", async () => {
    h.clock.set(Date.now());
    const failed = await h.send(HK_FAILURE);
    expect(failed.status).toBe(200);
    await receipts();
    expect(await requestOf(failed.requestId)).toMatchObject({ outcome: 'accepted', receipt: 'failed', receiptReason: 'TEXT_UNREACHABLE' });
    expect((await auditOf('recordReceipt', failed.requestId)).map((a) => [a.outcome, a.status])).toEqual([['RCP.0502', 502]]);
    h.clock.advance(1_000);
    const byVoice = await h.send(HK_FAILURE, { sendMethod: 'voice' });
    expect(byVoice.status).toBe(200);
    expect(eum.messages.at(-1)!.channel).toBe('VOICE');
  });

  it('an email is SES SendEmail through the configuration set; a hard bounce refunds it and suppresses the address: the next send is refused, nothing spent', async () => {
    h.clock.set(Date.now());
    const address = `bounce+${Date.now()}@simulator.amazonses.com`;
    const first = await h.send(address, { token: await h.captcha(address) });
    expect(first.status).toBe(200);
    expect(ses.emails.at(-1)!.input).toMatchObject({ ConfigurationSetName: SET, EmailTags: [{ Name: 'deliveryRequestId', Value: expect.any(String) }] });
    await receipts();
    expect(await requestOf(first.requestId)).toMatchObject({ receipt: 'failed', receiptReason: 'Bounce/Permanent/General' });
    const emails = ses.emails.length;
    h.clock.advance(1_000);
    const refused = await h.send(address, { token: await h.captcha(address) });
    expect([refused.status, refused.body.error_code]).toEqual([400, 'USG.201040004']);
    await h.delivery.drain();
    expect(ses.emails.length).toBe(emails);
    expect(MAILBOX_SIMULATOR.bounce).toBe('bounce@simulator.amazonses.com');
  });

  it('throttling (an answered refusal: nothing was sent) is retried: one SMS, its code verifies', async () => {
    h.clock.set(Date.now());
    eum.faults.next({ kind: 'throttle' });
    const mobile = uniqueMobile().e164;
    const before = eum.calls.length;
    expect((await h.send(mobile)).status).toBe(200);
    expect(eum.calls.length - before).toBe(2);
    const [refused, accepted] = eum.calls.slice(-2).map((c) => codeIn(String((c.input as Record<string, unknown>).MessageBody)));
    expect(refused).toBe(accepted); // the same message, tried again
    expect((await h.verify(mobile, accepted!)).status).toBe(200);
  });

  it('a call without an answer is not repeated (it may have gone out): the send is refunded, and a resend is accepted', async () => {
    h.clock.set(Date.now());
    eum.faults.next({ kind: 'close', effect: true });
    const mobile = uniqueMobile().e164;
    const before = eum.calls.length;
    const sent = await h.send(mobile);
    expect(sent.status).toBe(200);
    expect(eum.calls.length - before).toBe(1);
    expect(eum.repeatsOfUnanswered()).toEqual([]);
    expect((await auditOf('deliverCode', sent.requestId)).map((a) => a.outcome)).toEqual(['DLV.0502']);
    h.clock.advance(1_000);
    expect((await h.send(mobile)).status).toBe(200); // the cooldown was given back
    expect(eum.calls.length - before).toBe(2);
  });

  it('a refusal for good (a blocked country) is not asked again: refunded at once', async () => {
    h.clock.set(Date.now());
    eum.faults.next({ kind: 'error', code: 'ValidationException', fields: { Reason: 'DESTINATION_COUNTRY_BLOCKED' } });
    const mobile = uniqueMobile().e164;
    const before = eum.calls.length;
    const sent = await h.send(mobile);
    expect(eum.calls.length - before).toBe(1);
    expect((await auditOf('deliverCode', sent.requestId)).map((a) => [a.outcome, (a.detail as Record<string, unknown>).error])).toEqual([
      ['DLV.0502', 'ValidationException'],
    ]);
  });

  it("a number that opted out: refunded, suppressed with the refund's record; the next send is refused before anything is spent", async () => {
    h.clock.set(Date.now());
    const ip = uniqueIp();
    const mobile = uniqueMobile().e164;
    eum.optOut(mobile);
    const sent = await h.send(mobile, { ip });
    expect(sent.status).toBe(200);
    expect((await auditOf('deliverCode', sent.requestId)).map((a) => [a.outcome, (a.detail as Record<string, unknown>).suppressed])).toEqual([
      ['DLV.0502', 'opt_out'],
    ]);
    // The country budget's count (however many items hold it): the opted-out send spent one.
    const budget = async () =>
      (await h.scan()).filter((i) => String(i.pk).startsWith('COUNTRYBUDGET#CN#')).reduce((n, i) => n + Number(i.n ?? 0), 0);
    const spent = await budget();
    expect(spent).toBeGreaterThanOrEqual(1);
    const calls = eum.calls.length;
    h.clock.advance(1_000);
    const token = await h.captcha(mobile);
    const refused = await h.send(mobile, { ip, token });
    expect([refused.status, refused.body.error_code]).toEqual([400, 'USG.201040004']);
    expect(await budget()).toEqual(spent);
    expect(eum.calls.length).toBe(calls);
  });
});
