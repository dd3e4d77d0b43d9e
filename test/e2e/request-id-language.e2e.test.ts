// X-Request-Id (echoed when safe, generated otherwise, in USG bodies and in the audit record) and
// Accept-Language (zh-CN / en-US) on both error families.
import { describe, expect, it } from 'vitest';
import { uniqueMobile } from '../../dev/support/identities.js';
import { appToken, auditRecords, call, captchaToken, expectAudited, expectError, expectOk, isUuid, partnerToken } from './helpers.js';

const CHECK = { search_type: 'name', search_value: 'ceshiyonghu001' };

describe('X-Request-Id', () => {
  it('is echoed when given (abc-123), on a success and in the audit record', async () => {
    const res = await call('checkIdentity', CHECK, { requestId: 'abc-123', headers: { 'X-Auth-Token': await partnerToken() } });
    await expectOk(res);
    expect(res.requestId).toBe('abc-123');
    const [record] = await auditRecords('abc-123');
    expect(record).toMatchObject({ clientRequestId: 'abc-123', operation: 'checkIdentity', outcome: 'CBC.0000', status: 200 });
    expect(record!.requestId).not.toBe('abc-123'); // the platform's own id keys the record
  });

  it('is echoed on a USG error and equals the body request_id', async () => {
    const id = `e2e.usg:${crypto.randomUUID()}`;
    const res = await call('verifyVerificationCode', { contact: uniqueMobile().e164, verificationCode: '123456' }, { requestId: id });
    await expectError(res, 401, 'USG.000000004');
    expect(res.requestId).toBe(id);
    expect(res.json?.request_id).toBe(id);
  });

  it('is generated (a UUID) when absent, on every route, success or error', async () => {
    const ok = await call('checkIdentity', CHECK, { requestId: null, headers: { 'X-Auth-Token': await partnerToken() } });
    await expectOk(ok);
    expect(isUuid(ok.requestId)).toBe(true);

    const cbcError = await call('checkIdentity', CHECK, { requestId: null });
    await expectError(cbcError, 403, 'CBC.0151');
    expect(isUuid(cbcError.requestId)).toBe(true);
    expect(cbcError.requestId).not.toBe(ok.requestId);

    const sendError = await call('sendVerificationCode', { user: uniqueMobile().e164 }, { requestId: null });
    await expectError(sendError, 403, 'USG.000000006');
    expect(isUuid(sendError.requestId)).toBe(true);
    expect(sendError.json?.request_id).toBe(sendError.requestId);

    const verifyError = await call(
      'verifyVerificationCode',
      { contact: uniqueMobile().e164, verificationCode: '123456' },
      { requestId: null, headers: { 'X-Access-Token': await appToken() } },
    );
    await expectError(verifyError, 400, 'USG.201050002');
    expect(verifyError.json?.request_id).toBe(verifyError.requestId);
  });

  it('is replaced by a UUID when unsafe; nothing is stored under the unsafe value', async () => {
    const unsafe = [
      'abc 123',
      'x'.repeat(300),
      'a'.repeat(129),
      'abc\t123',
      'id/../../etc',
      '<script>alert(1)</script>',
      "' OR 1=1 --",
      'id,other',
      '',
    ];
    for (const requestId of unsafe) {
      for (const res of [
        await call('checkIdentity', CHECK, { requestId, headers: { 'X-Auth-Token': await partnerToken() } }),
        await call('sendVerificationCode', { user: uniqueMobile().e164 }, { requestId }),
      ]) {
        expect(isUuid(res.requestId), `${JSON.stringify(requestId)} → ${res.requestId}`).toBe(true);
        if (res.op === 'sendVerificationCode') {
          await expectError(res, 403, 'USG.000000006');
          expect(res.json?.request_id).toBe(res.requestId);
        } else {
          await expectOk(res);
        }
      }
      if (requestId !== '') expect(await auditRecords(requestId)).toEqual([]);
    }
  });

  it('accepts the full safe alphabet up to 128 characters', async () => {
    const id = `A-z_0.9:${'x'.repeat(120)}`;
    expect(id).toHaveLength(128);
    const res = await call('checkIdentity', CHECK, { requestId: id, headers: { 'X-Auth-Token': await partnerToken() } });
    await expectOk(res);
    expect(res.requestId).toBe(id);
  });

  it('a reused X-Request-Id still gets one audit record per request', async () => {
    const id = `e2e-reused-${crypto.randomUUID()}`;
    const token = await partnerToken();
    await expectOk(await call('checkIdentity', CHECK, { requestId: id, headers: { 'X-Auth-Token': token } }));
    const second = await call('checkIdentity', CHECK, { requestId: id });
    expect(second.status).toBe(403);
    const records = await auditRecords(id);
    expect(records.map((r) => [r.outcome, r.status]).sort()).toEqual([
      ['CBC.0000', 200],
      ['CBC.0151', 403],
    ]);
  });
});

describe('Accept-Language', () => {
  const cbcMessages = { 'en-US': 'Parameter error.', 'zh-CN': '参数错误。' };
  const usgMessages = { 'en-US': 'Invalid parameters.', 'zh-CN': '参数无效。' };

  it('CBC: en-US by default; zh-CN and en-US switch error_msg (success stays "success")', async () => {
    // A partner per call: eleven calls of one partner may outrun its flow control (CBC.0250).
    const token = partnerToken;
    const bad = { search_type: 'name', search_value: '1234567' };
    const cases: Array<[string | undefined, string]> = [
      [undefined, cbcMessages['en-US']],
      ['zh-CN', cbcMessages['zh-CN']],
      ['en-US', cbcMessages['en-US']],
      ['zh', cbcMessages['zh-CN']],
      ['zh-TW', cbcMessages['zh-CN']],
      ['fr-FR', cbcMessages['en-US']],
      ['en-US;q=0.3, zh-CN;q=0.9', cbcMessages['zh-CN']],
      ['zh-CN;Q=0.1, en-US;Q=0.8', cbcMessages['en-US']],
      ['zh-CN;q=0, en-US', cbcMessages['en-US']],
    ];
    for (const [lang, msg] of cases) {
      const headers: Record<string, string> = { 'X-Auth-Token': await token(), ...(lang === undefined ? {} : { 'Accept-Language': lang }) };
      const res = await call('checkIdentity', bad, { headers });
      await expectError(res, 400, 'CBC.0100');
      expect(res.json?.error_msg, String(lang)).toBe(msg);
    }
    for (const lang of ['zh-CN', 'en-US']) {
      const ok = await call('checkIdentity', CHECK, { headers: { 'X-Auth-Token': await token(), 'Accept-Language': lang } });
      await expectOk(ok);
      expect(ok.json).toEqual({ error_code: 'CBC.0000', error_msg: 'success', check_result: 'available' });
    }
    const denied = await call('checkIdentity', CHECK, { headers: { 'Accept-Language': 'zh-CN' } });
    await expectError(denied, 403, 'CBC.0151');
    expect(denied.json?.error_msg).toBe('访问被拒绝。');
  });

  it('USG: zh-CN by default; zh-CN and en-US switch error_msg on send and verify', async () => {
    const app = await appToken();
    const cases: Array<[string | undefined, 'zh-CN' | 'en-US']> = [
      [undefined, 'zh-CN'],
      ['zh-CN', 'zh-CN'],
      ['en-US', 'en-US'],
      ['en', 'en-US'],
      ['de-DE', 'zh-CN'],
      ['zh-CN;q=0.5, en-US;q=0.6', 'en-US'],
    ];
    for (const [lang, expected] of cases) {
      const langHeader: Record<string, string> = lang === undefined ? {} : { 'Accept-Language': lang };
      const send = await call('sendVerificationCode', { user: '<script>', token: await captchaToken('<script>') }, { headers: langHeader });
      await expectError(send, 400, 'USG.000000001');
      expect(send.json?.error_msg, `send ${lang}`).toBe(usgMessages[expected]);

      const verify = await call(
        'verifyVerificationCode',
        { contact: uniqueMobile().e164, verificationCode: '12345' },
        { headers: { ...langHeader, 'X-Access-Token': app } },
      );
      await expectError(verify, 400, 'USG.000000001');
      expect(verify.json?.error_msg, `verify ${lang}`).toBe(usgMessages[expected]);
    }
    const captcha = await call('sendVerificationCode', { user: uniqueMobile().e164 }, { headers: { 'Accept-Language': 'en-US' } });
    await expectError(captcha, 403, 'USG.000000006');
    expect(captcha.json?.error_msg).toBe('The CAPTCHA token is missing, invalid, expired or already used.');
    const noToken = await call(
      'verifyVerificationCode',
      { contact: uniqueMobile().e164, verificationCode: '123456' },
      { headers: { 'Accept-Language': 'zh-CN' } },
    );
    await expectError(noToken, 401, 'USG.000000004');
    expect(noToken.json?.error_msg).toBe('鉴权失败：访问令牌缺失、无效或已过期。');
    const expired = await call(
      'verifyVerificationCode',
      { contact: uniqueMobile().e164, verificationCode: '123456' },
      { headers: { 'Accept-Language': 'en-US', 'X-Access-Token': app } },
    );
    await expectError(expired, 400, 'USG.201050002');
    expect(expired.json?.error_msg).toBe('The verification code has expired or is invalid. Request a new one.');
    await expectAudited(expired);
  });
});
