// verifyVerificationCode against a real DynamoDB Local: concurrency (exact attempt window, single
// consumption), caller auth, direct invocation, request counts, audit records, language.
import { beforeAll, describe, expect, it } from 'vitest';
import { mintAppToken, mintPartnerToken } from '../../scripts/tokens.js';
import { countRequests } from '../../dev/support/meter.js';
import { maskedCnMobile, uniqueEmail, uniqueIp, uniqueMobile } from '../../dev/support/identities.js';
import { harness, mentionsCode, tally, wrongCode, type Harness, type Reply } from './send-code.harness.js';

let h: Harness;

beforeAll(async () => {
  h = await harness();
});

/** Sends a code to a fresh mobile at the current clock time and returns [mobile, code]. */
async function pending(to = uniqueMobile().e164): Promise<[string, string]> {
  const sent = await h.send(to);
  expect(sent.status).toBe(200);
  return [to, h.lastCode(to)];
}

async function expectOneAuditRecordEach(replies: Reply[]): Promise<void> {
  const records = await Promise.all(replies.map((r) => h.rt.audit.byRequestId(r.requestId)));
  expect(new Set(replies.map((r) => r.requestId)).size).toBe(replies.length);
  expect(records.map((list) => list.length)).toEqual(replies.map(() => 1));
  expect(records.map((list) => `${String(list[0]!.status)} ${String(list[0]!.outcome)}`)).toEqual(
    replies.map((r) => `${r.status} ${r.status === 200 ? 'USG.000000000' : String(r.body.error_code)}`),
  );
}

describe('verify under real concurrency', () => {
  it('50 concurrent wrong attempts on one destination: exactly 5 evaluated, 45 refused with 429 + Retry-After', async () => {
    h.clock.set(Date.now());
    const [mobile, code] = await pending();
    const ip = uniqueIp();
    const replies = await Promise.all(Array.from({ length: 50 }, () => h.verify(mobile, wrongCode(code), { ip })));

    expect(tally(replies)).toEqual({ '400 USG.201050001': 5, '429 USG.201050003': 45 });
    const evaluated = replies.filter((r) => r.status === 400);
    // Each evaluated attempt was judged against its own state: the remaining counts are 4,3,2,1,0.
    expect(evaluated.map((r) => r.body.remaining_attempts).sort()).toEqual([0, 1, 2, 3, 4]);
    for (const r of replies.filter((x) => x.status === 429)) {
      const retryAfter = Number(r.headers['retry-after']);
      expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
      expect(r.body.retry_after).toBe(retryAfter);
    }
    // Every one of the 50 requests left exactly one audit record, saying what it was answered.
    await expectOneAuditRecordEach(replies);
    // The window holds: one more attempt (the right code this time) at the same instant is refused too.
    const again = await h.verify(mobile, code, { ip });
    expect(again.status).toBe(429);
    expect(again.body.error_code).toBe('USG.201050003');
    expect(again.headers['retry-after']).toBe('60');
  });

  it('20 concurrent submissions of the correct code: exactly one 200 (empty body)', async () => {
    h.clock.set(Date.now());
    const [mobile, code] = await pending();
    const ip = uniqueIp();
    const replies = await Promise.all(Array.from({ length: 20 }, () => h.verify(mobile, code, { ip })));

    const ok = replies.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    expect(ok[0]!.raw).toBe('');
    const rest = replies.filter((r) => r.status !== 200);
    expect(rest).toHaveLength(19);
    for (const r of rest) expect(['400 USG.201050002', '429 USG.201050003']).toContain(`${r.status} ${String(r.body.error_code)}`);
    await expectOneAuditRecordEach(replies);
    // The code is gone for good.
    h.clock.advance(61_000);
    const later = await h.verify(mobile, code, { ip });
    expect([later.status, later.body.error_code]).toEqual([400, 'USG.201050002']);
  });
});

describe('verify under contention DynamoDB Local does not produce', () => {
  it('an attempt cancelled by other transactions through every retry is a 503 USG.000000503 (Retry-After 1): capacity, not a limit of the caller, not a 500', async () => {
    const contended = await harness();
    contended.clock.set(Date.now());
    const mobile = uniqueMobile().e164;
    expect((await contended.send(mobile)).status).toBe(200);
    // From now on every transaction is cancelled as DynamoDB cancels one that meets another on its items.
    contended.rt.db.raw.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'TransactWriteItemsCommand') return next(args);
        const items = (args.input as { TransactItems: unknown[] }).TransactItems;
        throw Object.assign(new Error('Transaction cancelled'), {
          name: 'TransactionCanceledException',
          CancellationReasons: items.map((_, i) => ({ Code: i === 1 ? 'TransactionConflict' : 'None' })),
        });
      },
      { step: 'initialize', name: 'alwaysConflict' },
    );
    const r = await contended.verify(mobile, contended.lastCode(mobile));
    // SPEC §2: a caller is never told it hit a limit it did not hit; contention is capacity.
    expect([r.status, r.body.error_code, r.headers['retry-after']]).toEqual([503, 'USG.000000503', '1']);
    expect(await contended.rt.audit.byRequestId(r.requestId)).toMatchObject([
      { outcome: 'USG.000000503', status: 503, detail: { capacity: 'contended', error: 'TransactionCanceledException' } },
    ]);
  });
});

describe('verify caller authentication (X-Access-Token)', () => {
  it('missing, forged, expired or wrong-audience tokens → 401 USG.000000004, before the body is looked at', async () => {
    h.clock.set(Date.now());
    const [mobile, code] = await pending();
    const now = Math.floor(Date.now() / 1000);
    const forged = await mintAppToken({ ...h.config, appTokenKey: { kind: 'secret', secret: 'not-the-verigate-app-secret-0000000000' } });
    const expired = await mintAppToken(h.config, { issuedAt: now - 7200, expiresInSeconds: 3600 });
    const partner = await mintPartnerToken(h.config);
    const cases: Array<[string, Record<string, string>, boolean]> = [
      ['missing', {}, true],
      ['forged', { 'x-access-token': forged }, false],
      ['expired', { 'x-access-token': expired }, false],
      ['partner token', { 'x-access-token': partner }, false],
      ['garbage', { 'x-access-token': 'not-a-jwt' }, false],
    ];
    for (const [name, headers, noToken] of cases) {
      const r = await h.verify(mobile, code, { headers, noToken });
      expect({ name, status: r.status, code: r.body.error_code }).toEqual({ name, status: 401, code: 'USG.000000004' });
      expect(Object.keys(r.body).sort()).toEqual(['error_code', 'error_msg', 'request_id']);
    }
    // None of them consumed or touched the code.
    const ok = await h.verify(mobile, code);
    expect(ok.status).toBe(200);
  });

  it('a direct invocation needs no token: success returns {}, failure throws an error named after the code', async () => {
    h.clock.set(Date.now());
    const [mobile, code] = await pending();
    const call = h.verifyHandler as unknown as (e: unknown, c: unknown) => Promise<unknown>;

    const failure = await call({ contact: mobile, verificationCode: wrongCode(code) }, {}).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).name).toBe('USG.201050001');
    expect((failure as Error & { fields: Record<string, unknown> }).fields.remaining_attempts).toBe(4);

    await expect(call({ contact: mobile, verificationCode: code }, {})).resolves.toEqual({});
    await expect(call({ contact: mobile, verificationCode: code }, {})).rejects.toMatchObject({ name: 'USG.201050002' });
    await expect(call({ contact: mobile, verificationCode: 'abc' }, {})).rejects.toMatchObject({ name: 'USG.000000001' });
  });
});

describe('verify contact normalization', () => {
  it('an email in another case and a national mobile number (country chinaPR / CN) name the same destination', async () => {
    h.clock.set(Date.now());
    const email = uniqueEmail();
    expect((await h.send(email.toUpperCase(), { token: await h.captcha(email) })).status).toBe(200);
    expect((await h.verify(` ${email.toUpperCase()} `, h.lastCode(email))).status).toBe(200);

    const [mobile, code] = await pending();
    expect((await h.verify(mobile.slice(3), code, { country: 'CN' })).status).toBe(200);
    const [other, otherCode] = await pending();
    expect((await h.verify(`${other.slice(3, 6)} ${other.slice(6)}`, otherCode, { country: 'chinaPR' })).status).toBe(200);
  });
});

describe('verify request counts (uncontended)', () => {
  it('right code = one TransactWriteItems; wrong code = two; refused = TransactWriteItems + PutItem', async () => {
    h.clock.set(Date.now());
    const [mobile, code] = await pending();
    const counter = countRequests(h.rt.db);

    // The requester's budget checked, the code judged (and for a right code consumed with the audit
    // record) in one transaction; a wrong code's failure recorded with its audit record in a second.
    counter.reset();
    const wrong = await h.verify(mobile, wrongCode(code));
    expect(wrong.status).toBe(400);
    expect(counter.operations).toEqual(['TransactWriteItems', 'TransactWriteItems']);

    counter.reset();
    const right = await h.verify(mobile, code);
    expect(right.status).toBe(200);
    expect(counter.operations).toEqual(['TransactWriteItems']);

    counter.reset();
    const spent = await h.verify(mobile, code);
    expect(spent.status).toBe(400);
    expect(counter.operations).toEqual(['TransactWriteItems', 'PutItem']);
  });
});

describe('verify audit records and language', () => {
  it('every verify request leaves exactly one audit record, with the masked contact only', async () => {
    h.clock.set(Date.now());
    const [mobile, code] = await pending();
    const email = uniqueEmail();
    const replies = [
      await h.verify(mobile, code, { noToken: true }), // 401
      await h.verify(mobile, '12345'), // 400 parameter
      await h.verify(mobile, wrongCode(code)), // 400 wrong
      await h.verify(mobile, code), // 200
      await h.verify(mobile, code), // 400 used
      await h.verify(email, '123456'), // 400 none pending
    ];
    expect(replies.map((r) => `${r.status} ${String(r.body.error_code ?? '')}`)).toEqual([
      '401 USG.000000004',
      '400 USG.000000001',
      '400 USG.201050001',
      '200 ',
      '400 USG.201050002',
      '400 USG.201050002',
    ]);
    const digits = mobile.slice(1);
    for (const r of replies) {
      expect(r.requestId).not.toBe('');
      const records = await h.rt.audit.byRequestId(r.requestId);
      expect(records).toHaveLength(1);
      const record = records[0]!;
      expect(record.operation).toBe('verifyVerificationCode');
      expect(record.status).toBe(r.status);
      expect(record.outcome).toBe(r.status === 200 ? 'USG.000000000' : r.body.error_code);
      const json = JSON.stringify(record);
      expect(json).not.toContain(digits);
      expect(json).not.toContain(email);
      expect(mentionsCode(json, code)).toBe(false);
    }
    const withSubject = await h.rt.audit.byRequestId(replies[3]!.requestId);
    expect(withSubject[0]!.subjectMasked).toBe(maskedCnMobile(mobile));
  });

  it('a caller X-Request-Id is echoed and stored beside the platform id, which alone keys the audit record', async () => {
    h.clock.set(Date.now());
    const requestId = `verify-code-${Date.now()}`;
    const r = await h.verify(uniqueMobile().e164, '123456', { headers: { 'x-request-id': requestId } });
    expect(r.headers['x-request-id']).toBe(requestId);
    expect(r.body.request_id).toBe(requestId);
    const [record, ...others] = await h.auditRecords(requestId);
    expect(others).toEqual([]);
    expect(record).toMatchObject({ clientRequestId: requestId });
    expect(record!.requestId).not.toBe(requestId);
    expect(await h.rt.audit.byRequestId(requestId)).toEqual([]);
    expect(await h.rt.audit.byRequestId(String(record!.requestId))).toHaveLength(1);
  });

  it('Accept-Language: en-US gives English messages; the default is zh-CN', async () => {
    h.clock.set(Date.now());
    const mobile = uniqueMobile().e164;
    const zh = await h.verify(mobile, '123456');
    const en = await h.verify(mobile, '123456', { headers: { 'accept-language': 'en-US' } });
    expect(zh.body.error_code).toBe('USG.201050002');
    expect(zh.body.error_msg).toBe('验证码已过期或已失效，请重新获取。');
    expect(en.body.error_msg).toBe('The verification code has expired or is invalid. Request a new one.');
    const unauthEn = await h.verify(mobile, '123456', { noToken: true, headers: { 'accept-language': 'en-US,zh;q=0.5' } });
    expect(unauthEn.body.error_msg).toBe('Authentication failed: the access token is missing, invalid or expired.');
  });
});
