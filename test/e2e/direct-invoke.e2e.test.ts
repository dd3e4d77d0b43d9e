// Direct invocations through serverless-offline's Lambda endpoint (as Step Functions or another Lambda would
// call): the plain JSON body as the event, the success body back, or a thrown error named by the code.
import { describe, expect, it } from 'vitest';
import { uniqueEmail, uniqueMobile, uniqueName } from '../../dev/support/identities.js';
import {
  auditRecords,
  auditRecordsSince,
  expectNoRawValues,
  invoke,
  newRequestId,
  outboxFor,
  thrownErrorName,
  type InvokeResult,
} from './helpers.js';

/** One audit record under the request id the event's headers carried. */
async function expectDirectAudit(requestId: string, operation: string, outcome: string, status: number, raw: string[] = []) {
  const records = await auditRecords(requestId);
  expect(records, `audit records for ${requestId}`).toHaveLength(1);
  expect(records[0]).toMatchObject({ clientRequestId: requestId, operation, outcome, status, caller: 'direct' });
  expectNoRawValues(records[0]!, raw);
}

/** One audit record of an event function call made just now (its request id is generated and not returned). */
async function expectEventAudit(operation: string, since: Date, outcome: string, status: number, raw: string[] = []) {
  const records = await auditRecordsSince(operation, since);
  expect(records, `${operation} audit records since ${since.toISOString()}`).toHaveLength(1);
  expect(records[0]).toMatchObject({ operation, outcome, status, caller: 'direct' });
  expectNoRawValues(records[0]!, raw);
}

function expectThrown(result: InvokeResult, name: string, message?: string) {
  expect(result.status).toBe(200);
  expect(result.functionError).toBe('Unhandled');
  expect(thrownErrorName(result), JSON.stringify(result.payload).slice(0, 300)).toBe(name);
  if (message !== undefined) expect((result.payload as { errorMessage?: string }).errorMessage).toBe(message);
}

describe('checkIdentity', () => {
  it('a plain body returns the success body', async () => {
    const requestId = newRequestId();
    const result = await invoke('checkIdentity', {
      search_type: 'name',
      search_value: 'ceshiyonghu001',
      headers: { 'X-Request-Id': requestId },
    });
    expect(result.functionError).toBeNull();
    expect(result.payload).toEqual({ error_code: 'CBC.0000', error_msg: 'success', check_result: 'available' });
    await expectDirectAudit(requestId, 'checkIdentity', 'CBC.0000', 200);

    const mobile = uniqueMobile();
    const id2 = newRequestId();
    const byMobile = await invoke('checkIdentity', {
      search_type: 'mobile',
      search_value: mobile.dashed,
      headers: { 'x-request-id': id2 },
    });
    expect(byMobile.payload).toEqual({
      error_code: 'CBC.0000',
      error_msg: 'success',
      check_result: 'available',
      mobile_remain_available_num: 5,
    });
    await expectDirectAudit(id2, 'checkIdentity', 'CBC.0000', 200, [mobile.e164, mobile.national]);
  });

  it('an invalid body throws an error named CBC.0100 (message localized by the event headers)', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ search_type: 'nam', search_value: 'ceshiyonghu001' }, 'Parameter error.'],
      [{ search_type: 'name', search_value: 5 }, 'Parameter error.'],
      [{ search_type: 'name', search_value: 'ceshiyonghu001', extra: true }, 'Parameter error.'],
      [{ search_type: 'name' }, 'Parameter error.'],
      [{ search_type: 'name', search_value: 'op_reserved1', headers: { 'Accept-Language': 'zh-CN' } }, '参数错误。'],
    ];
    for (const [event, message] of cases) {
      const requestId = newRequestId();
      const headers = { ...((event.headers as Record<string, string> | undefined) ?? {}), 'X-Request-Id': requestId };
      const result = await invoke('checkIdentity', { ...event, headers });
      expectThrown(result, 'CBC.0100', message);
      await expectDirectAudit(requestId, 'checkIdentity', 'CBC.0100', 400);
    }
  });

  it('non-object events throw CBC.0100', async () => {
    for (const event of [null, 'text', 42, [1, 2]]) {
      const since = new Date();
      expectThrown(await invoke('checkIdentity', event), 'CBC.0100');
      const records = await auditRecordsSince('checkIdentity', since);
      expect(records.filter((r) => r.caller === 'direct' && r.outcome === 'CBC.0100')).toHaveLength(1);
    }
  });
});

describe('sendVerificationCode and verifyVerificationCode', () => {
  it('a trusted send needs no CAPTCHA token; a wrong code throws USG.201050001; the right one returns {}', async () => {
    const mobile = uniqueMobile();
    const sendId = newRequestId();
    const sent = await invoke('sendVerificationCode', { user: mobile.e164, headers: { 'X-Request-Id': sendId } });
    expect(sent.functionError).toBeNull();
    expect(sent.payload).toEqual({
      expire: 180,
      bindPhone: `+86${mobile.national.slice(0, 3)}****${mobile.national.slice(-4)}`,
      bindEmail: null,
    });
    const [message] = await outboxFor(sendId);
    expect(message).toMatchObject({ channel: 'sms', to: mobile.e164, requestId: sendId });
    await expectDirectAudit(sendId, 'sendVerificationCode', 'USG.000000000', 200, [mobile.e164, mobile.national, message!.code]);

    const wrongCode = message!.code === '999999' ? '888888' : '999999';
    const wrongId = newRequestId();
    const wrong = await invoke('verifyVerificationCode', {
      contact: mobile.national,
      country: 'chinaPR',
      verificationCode: wrongCode,
      headers: { 'X-Request-Id': wrongId, 'Accept-Language': 'en-US' },
    });
    expectThrown(wrong, 'USG.201050001', 'The verification code is incorrect.');
    await expectDirectAudit(wrongId, 'verifyVerificationCode', 'USG.201050001', 400, [
      mobile.e164,
      mobile.national,
      message!.code,
      wrongCode,
    ]);

    const okId = newRequestId();
    const ok = await invoke('verifyVerificationCode', {
      contact: mobile.e164,
      verificationCode: message!.code,
      headers: { 'X-Request-Id': okId },
    });
    expect(ok.functionError).toBeNull();
    expect(ok.payload).toEqual({});
    await expectDirectAudit(okId, 'verifyVerificationCode', 'USG.000000000', 200, [mobile.e164, message!.code]);

    const replayId = newRequestId();
    expectThrown(
      await invoke('verifyVerificationCode', {
        contact: mobile.e164,
        verificationCode: message!.code,
        headers: { 'X-Request-Id': replayId },
      }),
      'USG.201050002',
    );
    await expectDirectAudit(replayId, 'verifyVerificationCode', 'USG.201050002', 400);
  });

  it('an invalid send or verify event throws USG.000000001', async () => {
    for (const [fn, event] of [
      ['sendVerificationCode', { user: '<script>' }],
      ['sendVerificationCode', { user: uniqueMobile().e164, sendMethod: 'email' }],
      ['verifyVerificationCode', { contact: uniqueMobile().e164, verificationCode: '1'.repeat(33) }],
      ['verifyVerificationCode', { contact: uniqueMobile().e164 }],
    ] as const) {
      const requestId = newRequestId();
      expectThrown(await invoke(fn, { ...event, headers: { 'X-Request-Id': requestId } }), 'USG.000000001');
      await expectDirectAudit(requestId, fn, 'USG.000000001', 400);
    }
  });
});

describe('registerCustomer and deregisterCustomer', () => {
  const check = async (search_type: string, search_value: string) => {
    const requestId = newRequestId();
    const result = await invoke('checkIdentity', { search_type, search_value, headers: { 'X-Request-Id': requestId } });
    await expectDirectAudit(requestId, 'checkIdentity', 'CBC.0000', 200, search_type === 'name' ? [] : [search_value]);
    return result.payload as Record<string, unknown>;
  };

  it('registers once; a replay answers already_registered; a conflict is refused naming the identity', async () => {
    const name = uniqueName();
    const email = uniqueEmail();
    const mobile = uniqueMobile();
    const customerId = `cust-${name}`;
    const event = { customerId, name, email, mobile: mobile.e164 };
    const raw = [mobile.e164, mobile.national, email];

    let since = new Date();
    expect((await invoke('registerCustomer', event)).payload).toEqual({ customerId, status: 'registered' });
    await expectEventAudit('registerCustomer', since, 'CUS.0000', 200, raw);
    // Registered as "+86…", looked up as "0086-…": the same number, one slot taken.
    expect(await check('mobile', mobile.dashed)).toMatchObject({ check_result: 'available', mobile_remain_available_num: 4 });

    since = new Date();
    const replay = await invoke('registerCustomer', event);
    expect(replay.functionError).toBeNull();
    expect(replay.payload).toEqual({ customerId, status: 'already_registered' });
    await expectEventAudit('registerCustomer', since, 'CUS.0001', 200, raw);

    // Another customer wanting the same name (in another case) is refused, and nothing of it is claimed.
    const otherEmail = uniqueEmail();
    since = new Date();
    const conflict = await invoke('registerCustomer', { customerId: `${customerId}-2`, name: name.toUpperCase(), email: otherEmail });
    expectThrown(conflict, 'IdentityConflict');
    expect((conflict.payload as { errorMessage: string }).errorMessage).toContain('name');
    await expectEventAudit('registerCustomer', since, 'CUS.0409', 400, [otherEmail]);
    expect(await check('email', otherEmail)).toMatchObject({ check_result: 'available' });

    // An invalid event is refused as such.
    since = new Date();
    expectThrown(await invoke('registerCustomer', { customerId: 'x', name: '1234567' }), 'InvalidCustomerEvent');
    await expectEventAudit('registerCustomer', since, 'CUS.0100', 400);
  });

  it('deregisterCustomer frees the name, the email and the mobile slot; a replay answers not_registered', async () => {
    const name = uniqueName();
    const email = uniqueEmail();
    const mobile = uniqueMobile();
    const customerId = `cust-${name}`;
    expect((await invoke('registerCustomer', { customerId, name, email, mobile: mobile.dashed })).payload).toEqual({
      customerId,
      status: 'registered',
    });
    expect(await check('name', name)).toMatchObject({ check_result: 'used_by_user' });
    expect(await check('mobile', mobile.dashed)).toMatchObject({ mobile_remain_available_num: 4 });

    let since = new Date();
    const gone = await invoke('deregisterCustomer', { customerId });
    expect(gone.functionError).toBeNull();
    expect(gone.payload).toEqual({ customerId, status: 'deregistered' });
    await expectEventAudit('deregisterCustomer', since, 'CUS.0002', 200);

    expect(await check('name', name)).toEqual({ error_code: 'CBC.0000', error_msg: 'success', check_result: 'available' });
    expect(await check('email', email)).toMatchObject({ check_result: 'available' });
    expect(await check('mobile', mobile.dashed)).toMatchObject({ check_result: 'available', mobile_remain_available_num: 5 });

    since = new Date();
    expect((await invoke('deregisterCustomer', { customerId })).payload).toEqual({ customerId, status: 'not_registered' });
    await expectEventAudit('deregisterCustomer', since, 'CUS.0003', 200);

    // The freed name can be registered by someone else.
    expect((await invoke('registerCustomer', { customerId: `${customerId}-new`, name })).payload).toEqual({
      customerId: `${customerId}-new`,
      status: 'registered',
    });
    expect(await check('name', name)).toMatchObject({ check_result: 'used_by_user' });
  });
});
