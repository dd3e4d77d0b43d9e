// check-identity over HTTP: the seed's example exactly, the three search types, normalization.
import { describe, expect, it } from 'vitest';
import { maskedCnMobile, uniqueEmail, uniqueMobile, uniqueName } from '../../dev/support/identities.js';
import { call, expectAudited, expectError, expectOk, partnerToken } from './helpers.js';

describe('POST /v2/partners/sub-customers/users/check-identity', () => {
  it('answers the seed example exactly: 200, application/json;charset=UTF-8, available', async () => {
    const res = await call(
      'checkIdentity',
      { search_type: 'name', search_value: 'ceshiyonghu001' },
      { headers: { 'X-Auth-Token': await partnerToken() } },
    );
    await expectOk(res);
    expect(res.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(res.text).toBe('{"error_code":"CBC.0000","error_msg":"success","check_result":"available"}');
  });

  it('adds mobile_remain_available_num for a mobile search (a fresh number has all 5 slots)', async () => {
    const mobile = uniqueMobile();
    const res = await call(
      'checkIdentity',
      { search_type: 'mobile', search_value: mobile.dashed },
      { headers: { 'X-Auth-Token': await partnerToken() } },
    );
    await expectOk(res);
    expect(res.headers.get('content-type')).toBe('application/json;charset=UTF-8');
    expect(res.text).toBe('{"error_code":"CBC.0000","error_msg":"success","check_result":"available","mobile_remain_available_num":5}');
    // The audit holds the number only masked, never raw in either form.
    const record = await expectAudited(res, [mobile.e164, mobile.national]);
    expect(record.subjectMasked).toBe(maskedCnMobile(mobile.e164));
  });

  it('answers an email search without mobile_remain_available_num', async () => {
    const email = uniqueEmail();
    const res = await call(
      'checkIdentity',
      { search_type: 'email', search_value: email },
      { headers: { 'X-Auth-Token': await partnerToken() } },
    );
    await expectOk(res);
    expect(res.json).toEqual({ error_code: 'CBC.0000', error_msg: 'success', check_result: 'available' });
  });

  it('accepts other country codes (1 to 3 digits after 00)', async () => {
    const token = await partnerToken();
    for (const value of ['001-2025550123', '0044-7911123456', '00852-61234567']) {
      const res = await call('checkIdentity', { search_type: 'mobile', search_value: value }, { headers: { 'X-Auth-Token': token } });
      await expectOk(res);
      expect(res.json).toMatchObject({ error_code: 'CBC.0000', check_result: 'available', mobile_remain_available_num: 5 });
    }
  });

  it('refuses values that break the seed rules with 400 CBC.0100', async () => {
    const token = await partnerToken();
    const cases: Array<[string, string]> = [
      ['name', 'op_reserved1'],
      ['name', 'Shadow_reserved'],
      ['name', '1234567'],
      ['name', 'abcd'],
      ['name', `a${'b'.repeat(32)}`],
      ['email', 'no-at-sign.example.com'],
      ['email', '@example.com'],
      ['mobile', '86-13812345678'],
      ['mobile', '+8613812345678'],
    ];
    for (const [type, value] of cases) {
      const res = await call('checkIdentity', { search_type: type, search_value: value }, { headers: { 'X-Auth-Token': token } });
      await expectError(res, 400, 'CBC.0100');
      expect(res.json).toEqual({ error_code: 'CBC.0100', error_msg: 'Parameter error.' });
    }
  });

  it('accepts a fresh name with a leading hyphen and mixed case', async () => {
    const res = await call(
      'checkIdentity',
      { search_type: 'name', search_value: `-${uniqueName().toUpperCase()}` },
      { headers: { 'X-Auth-Token': await partnerToken() } },
    );
    await expectOk(res);
    expect(res.json).toMatchObject({ check_result: 'available' });
  });

  it('takes a body of exactly 8 KiB and refuses one byte more (400 CBC.0100)', async () => {
    const token = await partnerToken();
    const json = JSON.stringify({ search_type: 'name', search_value: 'ceshiyonghu001' });
    const exact = json + ' '.repeat(8192 - json.length);
    expect(Buffer.byteLength(exact)).toBe(8192);
    const ok = await call('checkIdentity', undefined, { raw: exact, headers: { 'X-Auth-Token': token } });
    await expectOk(ok);
    await expectError(await call('checkIdentity', undefined, { raw: `${exact} `, headers: { 'X-Auth-Token': token } }), 400, 'CBC.0100');
  });
});
