// The onboarding flow (issue 3): check-identity → send (CAPTCHA pass) → code from the outbox → verify (app
// token) → registerCustomer (direct invocation) → check-identity sees the claims → the code is spent.
import { describe, expect, it } from 'vitest';
import { uniqueEmail, uniqueMobile, uniqueName } from '../../dev/support/identities.js';
import {
  appToken,
  auditRecordsSince,
  call,
  captchaToken,
  expectAudited,
  expectError,
  expectNoRawValues,
  expectOk,
  invoke,
  outboxFor,
  partnerToken,
} from './helpers.js';

describe('onboarding a new customer', () => {
  it('check → send → outbox → verify → registerCustomer → check says used; the code cannot be reused', async () => {
    const name = uniqueName();
    const email = uniqueEmail();
    const mobile = uniqueMobile();
    const partner = { 'X-Auth-Token': await partnerToken() };
    const masked = `+86${mobile.national.slice(0, 3)}****${mobile.national.slice(-4)}`;
    const raw = [mobile.e164, mobile.national, email, name];

    // 1. All three identities are available; note the mobile's remaining slots.
    for (const [type, value] of [
      ['name', name],
      ['email', email],
    ] as const) {
      const res = await call('checkIdentity', { search_type: type, search_value: value }, { headers: partner });
      await expectOk(res);
      expect(res.json).toEqual({ error_code: 'CBC.0000', error_msg: 'success', check_result: 'available' });
    }
    const mobileBefore = await call('checkIdentity', { search_type: 'mobile', search_value: mobile.dashed }, { headers: partner });
    await expectOk(mobileBefore);
    expect(mobileBefore.json).toMatchObject({ error_code: 'CBC.0000', check_result: 'available' });
    const n = mobileBefore.json!.mobile_remain_available_num as number;
    expect(n).toBe(5);

    // 2. Send a code to the mobile with a CAPTCHA pass issued for it.
    const send = await call('sendVerificationCode', { user: mobile.e164, token: await captchaToken(mobile.e164) });
    await expectOk(send);
    expect(send.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(send.json).toEqual({ expire: 180, bindPhone: masked, bindEmail: null });

    // 3. The "SMS" is in the outbox, once, for this request.
    const messages = await outboxFor(send.requestId);
    expect(messages).toHaveLength(1);
    const message = messages[0]!;
    expect(message).toMatchObject({ channel: 'sms', to: mobile.e164, expire: 180, requestId: send.requestId });
    expect(message.code).toMatch(/^\d{6}$/);
    const code = message.code;
    const sendAudit = await expectAudited(send, [...raw, code]);
    expect(sendAudit).toMatchObject({ outcome: 'USG.000000000', status: 200, subjectMasked: masked });

    // 4. Verify it with an app token: 200 with an empty body.
    const app = { 'X-Access-Token': await appToken() };
    const verify = await call(
      'verifyVerificationCode',
      { contact: mobile.e164, country: 'chinaPR', verificationCode: code },
      { headers: app },
    );
    await expectOk(verify);
    expect(verify.text).toBe('');
    const verifyAudit = await expectAudited(verify, [...raw, code]);
    expect(verifyAudit).toMatchObject({ caller: 'app:local-app', subjectMasked: masked, subjectHash: sendAudit.subjectHash });

    // 5. Register the customer through the Lambda endpoint, as the onboarding workflow would.
    const customerId = `cust-${name}`;
    const since = new Date();
    const registered = await invoke('registerCustomer', { customerId, name, email, mobile: mobile.dashed });
    expect(registered.functionError).toBeNull();
    expect(registered.payload).toEqual({ customerId, status: 'registered' });
    const registerAudits = await auditRecordsSince('registerCustomer', since);
    expect(registerAudits).toHaveLength(1);
    expect(registerAudits[0]).toMatchObject({ outcome: 'CUS.0000', status: 200, caller: 'direct' });
    expectNoRawValues(registerAudits[0]!, raw);

    // 6. check-identity sees the claims: name and email used (case-insensitively), one mobile slot fewer.
    for (const [type, value] of [
      ['name', name],
      ['name', name.toUpperCase()],
      ['email', email],
      ['email', `  ${email.toUpperCase()} `],
    ] as const) {
      const res = await call('checkIdentity', { search_type: type, search_value: value }, { headers: partner });
      await expectOk(res);
      expect(res.json, `${type} ${value}`).toEqual({ error_code: 'CBC.0000', error_msg: 'success', check_result: 'used_by_user' });
    }
    const mobileAfter = await call('checkIdentity', { search_type: 'mobile', search_value: mobile.dashed }, { headers: partner });
    await expectOk(mobileAfter);
    expect(mobileAfter.json).toEqual({
      error_code: 'CBC.0000',
      error_msg: 'success',
      check_result: 'available',
      mobile_remain_available_num: n - 1,
    });

    // 7. The code was consumed: a second verify with it is 400 USG.201050002.
    const again = await call('verifyVerificationCode', { contact: mobile.e164, verificationCode: code }, { headers: app });
    await expectError(again, 400, 'USG.201050002');
    await expectAudited(again, [...raw, code]);
  });

  it('by email: send to the address, a wrong code (remaining_attempts), then the right one', async () => {
    const email = uniqueEmail();
    const send = await call('sendVerificationCode', { user: email, sendMethod: 'email', token: await captchaToken(email) });
    await expectOk(send);
    const local = email.slice(0, email.indexOf('@'));
    expect(send.json).toEqual({ expire: 180, bindPhone: null, bindEmail: `${local.slice(0, 3)}****${local.slice(-4)}@example.com` });
    const [message] = await outboxFor(send.requestId);
    expect(message).toMatchObject({ channel: 'email', to: email });
    await expectAudited(send, [email, message!.code]);

    const app = { 'X-Access-Token': await appToken() };
    // A wrong code first: 400 USG.201050001 with remaining_attempts, then the right one (in upper case) still works.
    const wrongCode = message!.code === '000000' ? '111111' : '000000';
    const wrong = await call('verifyVerificationCode', { contact: email, verificationCode: wrongCode }, { headers: app });
    await expectError(wrong, 400, 'USG.201050001');
    expect(wrong.json?.remaining_attempts).toBe(4);
    const ok = await call('verifyVerificationCode', { contact: email.toUpperCase(), verificationCode: message!.code }, { headers: app });
    await expectOk(ok);
    expect(ok.text).toBe('');
    await expectAudited(ok, [email, message!.code]);
  });
});
