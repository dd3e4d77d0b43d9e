// sendVerificationCode against a real DynamoDB Local: concurrency (one send per cooldown, single-use
// CAPTCHA pass), account names, CAPTCHA binding, direct invocation, request counts, storage hygiene,
// audit records, language.
import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { codeHash, subjectHash } from '../../shared/identity/hash.js';
import { countRequests } from '../../dev/support/meter.js';
import { maskedCnMobile, maskedEmail, uniqueEmail, uniqueIp, uniqueMobile, uniqueName } from '../../dev/support/identities.js';
import { harness, mentionsCode, tally, type Harness } from './send-code.harness.js';

let h: Harness;

beforeAll(async () => {
  h = await harness();
});

/** Registers a customer through the real registerCustomer handler (direct invocation). */
async function register(c: { name: string; email?: string; mobile?: string }): Promise<void> {
  const result = await (h.registerHandler as (e: unknown) => Promise<unknown>)({ customerId: `cust-${randomUUID()}`, ...c });
  expect(result).toMatchObject({ status: 'registered' });
}

describe('send under real concurrency', () => {
  it('10 concurrent sends to one destination: exactly one 200 and one message; the rest 429 USG.201050004 with Retry-After', async () => {
    h.clock.set(Date.now());
    const mobile = uniqueMobile().e164;
    const ip = uniqueIp();
    const tokens = await Promise.all(Array.from({ length: 10 }, () => h.captcha(mobile)));
    const replies = await Promise.all(tokens.map((token) => h.send(mobile, { ip, token })));

    expect(tally(replies)).toEqual({ '200': 1, '429 USG.201050004': 9 });
    expect(h.messagesTo(mobile)).toHaveLength(1);
    for (const r of replies.filter((x) => x.status === 429)) {
      expect(r.headers['retry-after']).toBe('60');
      expect(r.body.retry_after).toBe(60);
    }
  });

  it('one CAPTCHA pass used twice concurrently (same user, two source IPs): one accepted, the other 403 USG.000000006', async () => {
    h.clock.set(Date.now());
    const mobile = uniqueMobile().e164;
    const token = await h.captcha(mobile);
    const replies = await Promise.all([h.send(mobile, { token, ip: uniqueIp() }), h.send(mobile, { token, ip: uniqueIp() })]);

    expect(tally(replies)).toEqual({ '200': 1, '403 USG.000000006': 1 });
    expect(h.messagesTo(mobile)).toHaveLength(1);
    // Still used later, when the destination's cooldown no longer stands in the way.
    h.clock.advance(61_000);
    const later = await h.send(mobile, { token });
    expect([later.status, later.body.error_code]).toEqual([403, 'USG.000000006']);
  });
});

describe('account names', () => {
  it('sms (default) and email go to the bound contacts; the answer carries only the masked one', async () => {
    h.clock.set(Date.now());
    const name = uniqueName();
    const mobile = uniqueMobile().e164;
    const email = `Alice.${name}@Example.com`;
    await register({ name, email, mobile });

    const sms = await h.send(name, { sendMethod: 'sms' });
    expect(sms.status).toBe(200);
    expect(sms.body).toEqual({ expire: 180, bindPhone: maskedCnMobile(mobile), bindEmail: null });
    expect(h.messagesTo(mobile)).toMatchObject([{ channel: 'sms', to: mobile, expire: 180, requestId: sms.requestId }]);
    expect(h.messagesTo(mobile)[0]!.code).toMatch(/^\d{6}$/);

    // A different destination has its own cooldown: email right away is fine. Names are case-insensitive.
    const normalizedEmail = email.toLowerCase();
    const mail = await h.send(name.toUpperCase(), { sendMethod: 'email', token: await h.captcha(name) });
    expect(mail.status).toBe(200);
    expect(mail.body).toEqual({ expire: 180, bindPhone: null, bindEmail: maskedEmail(normalizedEmail) });
    expect(h.messagesTo(normalizedEmail)).toMatchObject([{ channel: 'email', to: normalizedEmail }]);

    // Without sendMethod an account gets sms: the mobile's 60 s cooldown applies.
    const again = await h.send(name);
    expect([again.status, again.body.error_code]).toEqual([429, 'USG.201050004']);
  });

  // What an unknown account or one without the requested contact is answered: send-enumeration.test.ts.

  it('a second send to an unknown account within 60 s is answered like a known account (429)', async () => {
    // The known-account half of the comparison is asserted (green) in the first account-name test.
    h.clock.set(Date.now());
    const unknown = uniqueName();
    const ip = uniqueIp();
    expect((await h.send(unknown, { ip })).status).toBe(200);
    const second = await h.send(unknown, { ip });
    expect([second.status, second.body.error_code]).toEqual([429, 'USG.201050004']); // actual: 200 {expire:180,…}
  });
});

describe('parameters, CAPTCHA binding and direct invocation', () => {
  it('a sendMethod contradicting a mobile or email user → 400 USG.000000001', async () => {
    h.clock.set(Date.now());
    const mobile = uniqueMobile().e164;
    const email = uniqueEmail();
    const a = await h.send(mobile, { sendMethod: 'email' });
    const b = await h.send(email, { sendMethod: 'sms' });
    expect([a.status, a.body.error_code]).toEqual([400, 'USG.000000001']);
    expect([b.status, b.body.error_code]).toEqual([400, 'USG.000000001']);
    // The matching method is fine.
    const c = await h.send(email, { sendMethod: 'email' });
    expect(c.status).toBe(200);
    expect(c.body).toEqual({ expire: 180, bindPhone: null, bindEmail: maskedEmail(email) });
  });

  it('a CAPTCHA pass for another user, a missing pass, an expired pass → 403 USG.000000006', async () => {
    h.clock.set(Date.now());
    const mobile = uniqueMobile().e164;
    const other = await h.send(mobile, { token: await h.captcha(uniqueMobile().e164) });
    const missing = await h.send(mobile, { token: null });
    const expired = await h.send(mobile, { token: await h.captcha(mobile, { issuedAt: h.nowSeconds() - 300, expiresInSeconds: 120 }) });
    for (const r of [other, missing, expired]) expect([r.status, r.body.error_code]).toEqual([403, 'USG.000000006']);
    expect(h.messagesTo(mobile)).toHaveLength(0);
    // The same mobile written differently (national form, spaces) is the same user.
    const ok = await h.send(mobile, { token: await h.captcha(`${mobile.slice(0, 3)} ${mobile.slice(3, 6)} ${mobile.slice(6)}`) });
    expect(ok.status).toBe(200);
  });

  it('a trusted direct invocation needs no CAPTCHA pass and returns the body object', async () => {
    h.clock.set(Date.now());
    const mobile = uniqueMobile().e164;
    const call = h.sendHandler as unknown as (e: unknown, c: unknown) => Promise<unknown>;
    await expect(call({ user: mobile }, {})).resolves.toEqual({ expire: 180, bindPhone: maskedCnMobile(mobile), bindEmail: null });
    await h.delivery.drain();
    expect(h.messagesTo(mobile)).toHaveLength(1);
    // A refusal throws an error named after the code.
    await expect(call({ user: mobile }, {})).rejects.toMatchObject({ name: 'USG.201050004', fields: { retry_after: 60 } });
    await expect(call({ user: mobile, sendMethod: 'email' }, {})).rejects.toMatchObject({ name: 'USG.000000001' });
  });
});

describe('send request counts (uncontended)', () => {
  it("to a mobile = GetItem (its suppression) + UpdateItem (a shard of the country's budget) + TransactWriteItems; to an account name = GetItem + the same", async () => {
    h.clock.set(Date.now());
    const name = uniqueName();
    const accountMobile = uniqueMobile().e164;
    await register({ name, mobile: accountMobile });
    const counter = countRequests(h.rt.db);

    counter.reset();
    const toMobile = await h.send(uniqueMobile().e164);
    expect(toMobile.status).toBe(200);
    expect(counter.operations).toEqual(['GetItem', 'UpdateItem', 'TransactWriteItems']);

    counter.reset();
    const toAccount = await h.send(name);
    expect(toAccount.status).toBe(200);
    expect(counter.operations).toEqual(['GetItem', 'GetItem', 'UpdateItem', 'TransactWriteItems']);
  });
});

describe('storage hygiene and audit', () => {
  it('after a send no item holds the code or the raw contact; the code is stored only as its keyed hash', async () => {
    const clean = await harness(); // a table of its own: nothing but this send in it
    clean.clock.set(Date.now());
    const mobile = uniqueMobile().e164;
    const email = uniqueEmail();
    expect((await clean.send(mobile)).status).toBe(200);
    expect((await clean.send(email)).status).toBe(200);
    const smsCode = clean.lastCode(mobile);
    const mailCode = clean.lastCode(email);

    const items = await clean.scan();
    const json = JSON.stringify(items);
    expect(json).not.toContain(mobile.slice(1)); // the number without '+'
    expect(json).not.toContain(mobile.slice(3)); // the national number
    expect(json.toLowerCase()).not.toContain(email.slice(0, email.indexOf('@')).toLowerCase());
    expect(mentionsCode(json, smsCode)).toBe(false);
    expect(mentionsCode(json, mailCode)).toBe(false);

    const destinationHash = subjectHash(clean.config.identityPepper, 'mobile', mobile);
    const destination = items.find((i) => i.pk === `DEST#${destinationHash}`);
    expect(destination).toBeDefined();
    expect(destination!.codeHash).toBe(codeHash(clean.config.codePepper, destinationHash, smsCode));
    expect(destination!.codeChannel).toBe('sms');
  });

  it('every send request (success, refusal, error) leaves exactly one audit record with the masked subject only', async () => {
    h.clock.set(Date.now());
    const mobile = uniqueMobile().e164;
    const ip = uniqueIp();
    const replies = [
      await h.send(mobile, { ip }), // 200
      await h.send(mobile, { ip }), // 429 cooldown
      await h.send(mobile, { ip, token: null }), // 403 no pass
      await h.send(mobile, { ip, sendMethod: 'email' }), // 400 contradiction
      await h.send('not a user!', { ip }), // 400 not an identity
    ];
    expect(replies.map((r) => `${r.status} ${String(r.body.error_code ?? '')}`)).toEqual([
      '200 ',
      '429 USG.201050004',
      '403 USG.000000006',
      '400 USG.000000001',
      '400 USG.000000001',
    ]);
    const code = h.lastCode(mobile);
    for (const r of replies) {
      const records = await h.rt.audit.byRequestId(r.requestId);
      expect(records).toHaveLength(1);
      const record = records[0]!;
      expect(record).toMatchObject({ operation: 'sendVerificationCode', status: r.status, sourceIp: ip });
      expect(record.outcome).toBe(r.status === 200 ? 'USG.000000000' : r.body.error_code);
      const json = JSON.stringify(record);
      expect(json).not.toContain(mobile.slice(3));
      expect(mentionsCode(json, code)).toBe(false);
    }
    const first = (await h.rt.audit.byRequestId(replies[0]!.requestId))[0]!;
    expect(first.subjectMasked).toBe(maskedCnMobile(mobile));
    expect(first.subjectHash).toBe(subjectHash(h.config.identityPepper, 'mobile', mobile));
  });
});

describe('language', () => {
  it('Accept-Language: en-US gives English error_msg; the default is zh-CN', async () => {
    h.clock.set(Date.now());
    const mobile = uniqueMobile().e164;
    const zh = await h.send(mobile, { token: null });
    const en = await h.send(mobile, { token: null, headers: { 'accept-language': 'en-US' } });
    expect(zh.body).toMatchObject({ error_code: 'USG.000000006', error_msg: '图形验证令牌缺失、无效、已过期或已被使用。' });
    expect(en.body).toMatchObject({
      error_code: 'USG.000000006',
      error_msg: 'The CAPTCHA token is missing, invalid, expired or already used.',
    });

    expect((await h.send(mobile)).status).toBe(200);
    const zhLimit = await h.send(mobile);
    const enLimit = await h.send(mobile, { headers: { 'accept-language': 'en-US;q=0.9,fr;q=0.8' } });
    expect(zhLimit.body.error_msg).toBe('验证码发送过于频繁，请稍后重试。');
    expect(enLimit.body.error_msg).toBe('Verification codes are sent too often. Try again later.');
  });
});
