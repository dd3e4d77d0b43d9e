// Sending to an account name (bound contacts, enumeration protection) and the send / verify limits as an
// HTTP client sees them: 429 with Retry-After and retry_after.
import { describe, expect, it } from 'vitest';
import { maskedCnMobile, maskedEmail, uniqueEmail, uniqueMobile, uniqueName } from '../../dev/support/identities.js';
import { appToken, call, captchaToken, expectAudited, expectError, expectOk, invoke, outboxFor, readOutbox } from './helpers.js';

describe('send to an account name', () => {
  it('sends to the bound phone (sms, default) or email; an unknown account gets the same shape and nothing is sent', async () => {
    const name = uniqueName();
    const email = uniqueEmail();
    const mobile = uniqueMobile();
    const registered = await invoke('registerCustomer', { customerId: `cust-${name}`, name, email, mobile: mobile.e164 });
    expect(registered.payload).toMatchObject({ status: 'registered' });

    const sms = await call('sendVerificationCode', { user: name, token: await captchaToken(name) });
    await expectOk(sms);
    expect(sms.json).toEqual({ expire: 180, bindPhone: maskedCnMobile(mobile.e164), bindEmail: null });
    expect(await outboxFor(sms.requestId)).toMatchObject([{ channel: 'sms', to: mobile.e164 }]);
    await expectAudited(sms, [mobile.e164, mobile.national, email]);

    const byEmail = await call('sendVerificationCode', {
      user: name.toUpperCase(),
      sendMethod: 'email',
      token: await captchaToken(name.toUpperCase()),
    });
    await expectOk(byEmail);
    expect(byEmail.json).toMatchObject({ expire: 180, bindPhone: null });
    expect(byEmail.json?.bindEmail).toBe(maskedEmail(email));
    expect(await outboxFor(byEmail.requestId)).toMatchObject([{ channel: 'email', to: email }]);

    const before = (await readOutbox()).length;
    const unknown = uniqueName();
    const ghost = await call('sendVerificationCode', { user: unknown, token: await captchaToken(unknown) });
    await expectOk(ghost);
    // Enumeration protection: a masked phone like a real account's, derived from the name.
    expect(ghost.json).toEqual({ expire: 180, bindPhone: expect.stringMatching(/^\+861[3-9]\d\*{4}\d{4}$/), bindEmail: null });
    expect((await readOutbox()).length).toBe(before);
  });

  it('an account without the requested contact is answered like an unknown one: 200, a masked email, nothing sent', async () => {
    const name = uniqueName();
    expect((await invoke('registerCustomer', { customerId: `cust-${name}`, name, mobile: uniqueMobile().e164 })).payload).toMatchObject({
      status: 'registered',
    });
    const before = (await readOutbox()).length;
    const res = await call('sendVerificationCode', { user: name, sendMethod: 'email', token: await captchaToken(name) });
    await expectOk(res);
    expect(res.json).toEqual({
      expire: 180,
      bindPhone: null,
      bindEmail: expect.stringMatching(/^([a-z]{3}\*{4}[a-z0-9]{4}|[a-z]\*{3})@[a-z0-9]+\.com$/),
    });
    expect((await readOutbox()).length).toBe(before);
  });
});

describe('limits', () => {
  it('a second send to the same destination within 60 s → 429 USG.201050004 with Retry-After, pass not used up', async () => {
    const { e164 } = uniqueMobile();
    await expectOk(await call('sendVerificationCode', { user: e164, token: await captchaToken(e164) }));
    const token = await captchaToken(e164);
    const again = await call('sendVerificationCode', { user: e164, token }, { headers: { 'Accept-Language': 'en-US' } });
    await expectError(again, 429, 'USG.201050004');
    const retryAfter = Number(again.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(again.json?.retry_after).toBe(retryAfter);
    expect(again.json?.error_msg).toBe('Verification codes are sent too often. Try again later.');
    // The refused send did not burn its pass (one transaction): still refused by the cooldown, not as a replay.
    await expectError(await call('sendVerificationCode', { user: e164, token }), 429, 'USG.201050004');
  });

  it('five wrong codes count down remaining_attempts; the sixth attempt within a minute → 429 USG.201050003', async () => {
    const mobile = uniqueMobile();
    const send = await call('sendVerificationCode', { user: mobile.e164, token: await captchaToken(mobile.e164) });
    await expectOk(send);
    const [message] = await outboxFor(send.requestId);
    const wrong = message!.code === '000000' ? '000001' : '000000';
    const app = { 'X-Access-Token': await appToken() };
    for (let remaining = 4; remaining >= 0; remaining--) {
      const res = await call('verifyVerificationCode', { contact: mobile.e164, verificationCode: wrong }, { headers: app });
      await expectError(res, 400, 'USG.201050001');
      expect(res.json?.remaining_attempts).toBe(remaining);
    }
    const sixth = await call('verifyVerificationCode', { contact: mobile.e164, verificationCode: message!.code }, { headers: app });
    await expectError(sixth, 429, 'USG.201050003');
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(sixth.json?.retry_after).toBe(Number(sixth.headers.get('retry-after')));
  });
});
