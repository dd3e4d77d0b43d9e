// Delivery through the notifier port by deliverCode, fed by DynamoDB Local's real stream. Delivery faults are
// what DynamoDB Local cannot produce, so they come from a throwing notifier, or from the real AWS notifier
// whose SNS / SES clients are stubbed with aws-sdk-client-mock (no network, no AWS account).
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { loadConfig } from '../../shared/config.js';
import { compileMessages } from '../../shared/messages/catalog.js';
import { awsNotifier } from '../../shared/notify/aws.js';
import type { CodeMessage, Notifier } from '../../shared/notify/notifier.js';
import { maskedCnMobile, uniqueEmail, uniqueIp, uniqueMobile } from '../../dev/support/identities.js';
import { DELIVERY_RETRY } from '../../shared/policy.js';
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
          await outbox.deliver(m);
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

describe('the AWS notifier (SNS / SES v2 stubbed with aws-sdk-client-mock)', () => {
  const sns = mockClient(SNSClient);
  const ses = mockClient(SESv2Client);
  let h: Harness;

  beforeAll(async () => {
    h = await harness({
      notifier: () =>
        awsNotifier({
          region: 'ap-southeast-1',
          emailFrom: 'no-reply@verigate.example',
          smsSenderId: 'VERIGATE',
          messages: compileMessages(loadConfig({ STAGE: 'local' })),
        }),
    });
  });

  afterEach(() => {
    sns.reset();
    ses.reset();
  });

  const codeIn = (text: string) => /(\d{6})/.exec(text)?.[1] ?? '';

  it('an SMS is a transactional SNS publish to the E.164 number, localized, carrying a code that verifies', async () => {
    h.clock.set(Date.now());
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const zhMobile = uniqueMobile().e164;
    const enMobile = uniqueMobile().e164;
    expect((await h.send(zhMobile)).status).toBe(200);
    expect((await h.send(enMobile, { headers: { 'accept-language': 'en-US' } })).status).toBe(200);

    const calls = sns.commandCalls(PublishCommand);
    expect(calls).toHaveLength(2);
    const [zh, en] = calls.map((c) => c.args[0].input);
    expect(zh).toMatchObject({
      PhoneNumber: zhMobile,
      MessageAttributes: {
        'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
        'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: 'VERIGATE' },
      },
    });
    expect(zh!.Message).toMatch(/^【verigate】您的验证码是 \d{6}，3 分钟内有效。/);
    expect(en!.PhoneNumber).toBe(enMobile);
    expect(en!.Message).toMatch(/^\[verigate\] Your verification code is \d{6}\. It expires in 3 minutes\./);
    expect((await h.verify(zhMobile, codeIn(zh!.Message!))).status).toBe(200);
    expect((await h.verify(enMobile, codeIn(en!.Message!))).status).toBe(200);
    expect(ses.commandCalls(SendEmailCommand)).toHaveLength(0);
  });

  it('an email is an SES v2 SendEmail to the normalized address', async () => {
    h.clock.set(Date.now());
    ses.on(SendEmailCommand).resolves({ MessageId: 'e-1' });
    const email = uniqueEmail();
    const r = await h.send(email.toUpperCase(), { token: await h.captcha(email) });
    expect(r.status).toBe(200);
    const calls = ses.commandCalls(SendEmailCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]!.args[0].input;
    expect(input.FromEmailAddress).toBe('no-reply@verigate.example');
    expect(input.Destination?.ToAddresses).toEqual([email]);
    expect(input.Content?.Simple?.Subject?.Data).toBe('【verigate】验证码');
    // Beside the text part, an HTML part: the same code, the brand, nothing fetched from elsewhere.
    const { Text, Html } = input.Content?.Simple?.Body ?? {};
    expect(Text?.Charset).toBe('UTF-8');
    expect(Html?.Charset).toBe('UTF-8');
    expect(codeIn(Html?.Data ?? '')).toBe(codeIn(Text?.Data ?? ''));
    expect(Html?.Data).toMatch(/^<!DOCTYPE html>[\s\S]*verigate[\s\S]*<\/html>$/);
    expect(Html?.Data).not.toMatch(/https?:|<img|<script/i);
    expect((await h.verify(email, codeIn(input.Content?.Simple?.Body?.Text?.Data ?? ''))).status).toBe(200);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('SNS throttling (an answered refusal: nothing sent) is retried: one SMS, its code verifies', async () => {
    h.clock.set(Date.now());
    const throttled = Object.assign(new Error('Rate exceeded for account 123456789012'), {
      name: 'ThrottledException',
      $metadata: { httpStatusCode: 400 },
    });
    sns.on(PublishCommand).rejectsOnce(throttled).resolves({ MessageId: 'm-2' });
    const mobile = uniqueMobile().e164;
    const sent = await h.send(mobile, { headers: { 'accept-language': 'en-US' } });
    expect(sent.status).toBe(200);
    const calls = sns.commandCalls(PublishCommand);
    expect(calls).toHaveLength(2);
    const [refused, accepted] = calls.map((c) => codeIn(c.args[0].input.Message ?? ''));
    expect(refused).toBe(accepted); // the same message, tried again
    expect((await h.verify(mobile, accepted!)).status).toBe(200);
  });

  it('an SNS call without an answer is not repeated (it may have gone out): the send is refunded', async () => {
    h.clock.set(Date.now());
    const lost = Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
    sns.on(PublishCommand).rejects(lost);
    const mobile = uniqueMobile().e164;
    expect((await h.send(mobile)).status).toBe(200);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    h.clock.advance(1_000);
    sns.on(PublishCommand).resolves({ MessageId: 'm-3' });
    expect((await h.send(mobile)).status).toBe(200); // the cooldown was given back
    expect(sns.commandCalls(PublishCommand)).toHaveLength(2);
  });
});
