// The outbox through the local stack (docs/architecture.md "Delivery"): send answers before anything is sent; the table's
// stream of DynamoDB Local feeds deliverCode (dev/stream-poller.ts → serverless-offline), whose message
// appears in the outbox exactly once (how soon is the bench's to say); its code verifies.
import { describe, expect, it } from 'vitest';
import { uniqueEmail, uniqueMobile } from '../../dev/support/identities.js';
import { appToken, auditRecordsSince, call, captchaToken, expectOk, outboxFor, readOutbox } from './helpers.js';

describe('delivery off the request path', () => {
  it('send → one outbox line from deliverCode, audited → verify 200', async () => {
    const mobile = uniqueMobile();
    const since = new Date(Date.now() - 1000);
    const send = await call('sendVerificationCode', { user: mobile.e164, token: await captchaToken(mobile.e164) });
    await expectOk(send);

    const [message, ...more] = await outboxFor(send.requestId);
    expect(message).toMatchObject({ channel: 'sms', to: mobile.e164, expire: 180, requestId: send.requestId });
    expect(more).toEqual([]);

    // Still one line a moment later: the stream does not deliver it twice.
    await new Promise((r) => setTimeout(r, 500));
    expect((await readOutbox()).filter((m) => m.requestId === send.requestId)).toHaveLength(1);
    const deliveries = (await auditRecordsSince('deliverCode', since)).filter(
      (r) => (r.detail as Record<string, unknown>)?.channel === 'sms',
    );
    expect(deliveries.map((r) => r.outcome)).toContain('DLV.0000');

    const verify = await call(
      'verifyVerificationCode',
      { contact: mobile.e164, verificationCode: message!.code },
      { headers: { 'x-access-token': await appToken() } },
    );
    await expectOk(verify);
  });

  it('the outbox line carries what the user receives: the SMS text with code and brand, the email subject, text and HTML', async () => {
    const mobile = uniqueMobile();
    const sms = await call('sendVerificationCode', { user: mobile.e164, token: await captchaToken(mobile.e164) });
    await expectOk(sms);
    const [text] = await outboxFor(sms.requestId);
    // USG answers in zh-CN unless asked otherwise (SPEC §1): the message follows the request's language.
    expect(text!.text).toBe(`【verigate】您的验证码是 ${text!.code}，3 分钟内有效。请勿告知他人。`);
    expect(text).not.toHaveProperty('html');

    const email = uniqueEmail();
    const mail = await call(
      'sendVerificationCode',
      { user: email, sendMethod: 'email', token: await captchaToken(email) },
      { headers: { 'Accept-Language': 'en-US' } },
    );
    await expectOk(mail);
    const [letter] = await outboxFor(mail.requestId);
    expect(letter).toMatchObject({ channel: 'email', to: email, expire: 180, requestId: mail.requestId, subject: '[verigate] Your verification code' });
    expect(letter!.text).toContain(`Your verification code is: ${letter!.code}`);
    expect(letter!.text).toContain('verigate');
    expect(letter!.html).toMatch(new RegExp(`^<!DOCTYPE html>[\\s\\S]*>${letter!.code}</span>[\\s\\S]*</html>$`));
    expect(letter!.html).toContain('It expires in 3 minutes.');
  });
});
