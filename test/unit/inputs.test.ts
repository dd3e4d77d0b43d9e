import { describe, expect, it } from 'vitest';
import { CheckIdentityInput } from '../../shared/domain/check-identity.js';
import { newCode, SendCodeInput } from '../../shared/domain/send-code.js';
import { verificationRequest, VerifyCodeInput } from '../../shared/domain/verify-code.js';
import { ServiceError } from '../../shared/errors.js';

describe('SendCodeInput', () => {
  const ok = (body: unknown) => SendCodeInput.safeParse(body).success;

  it('accepts a user alone, or with sendMethod and token', () => {
    expect(ok({ user: '+8613612345678' })).toBe(true);
    expect(ok({ user: 'ceshiyonghu001', sendMethod: 'email', token: 't' })).toBe(true);
  });

  it('refuses unknown extra fields', () => {
    expect(ok({ user: '+8613612345678', extra: true })).toBe(false);
    expect(ok({ user: '+8613612345678', send_method: 'sms' })).toBe(false);
  });

  it('refuses a missing or empty user', () => {
    expect(ok({})).toBe(false);
    expect(ok({ sendMethod: 'sms' })).toBe(false);
    expect(ok({ user: '' })).toBe(false);
  });

  it('refuses wrong types', () => {
    expect(ok({ user: 8613612345678 })).toBe(false);
    expect(ok({ user: ['+8613612345678'] })).toBe(false);
    expect(ok({ user: null })).toBe(false);
    expect(ok({ user: 'a@b.com', token: 1 })).toBe(false);
  });

  it('refuses a sendMethod other than sms, email or voice (SPEC §4)', () => {
    expect(ok({ user: 'a@b.com', sendMethod: 'SMS' })).toBe(false);
    expect(ok({ user: 'a@b.com', sendMethod: 'fax' })).toBe(false);
    expect(ok({ user: '+8613612345678', sendMethod: 'voice' })).toBe(true);
  });

  it('refuses a user longer than 255 characters', () => {
    expect(ok({ user: 'a'.repeat(255) })).toBe(true);
    expect(ok({ user: 'a'.repeat(256) })).toBe(false);
  });

  it('refuses a body that is not an object', () => {
    expect(ok(null)).toBe(false);
    expect(ok('user=a@b.com')).toBe(false);
    expect(ok([{ user: 'a@b.com' }])).toBe(false);
  });
});

describe('VerifyCodeInput', () => {
  const ok = (body: unknown) => VerifyCodeInput.safeParse(body).success;

  it('accepts contact and verificationCode, with an optional country', () => {
    expect(ok({ contact: '+8613612345678', verificationCode: '123456' })).toBe(true);
    expect(ok({ contact: '13612345678', country: 'chinaPR', verificationCode: '123456' })).toBe(true);
  });

  it('refuses unknown extra fields', () => {
    expect(ok({ contact: 'a@b.com', verificationCode: '123456', code: '123456' })).toBe(false);
  });

  it('refuses a missing field', () => {
    expect(ok({ contact: 'a@b.com' })).toBe(false);
    expect(ok({ verificationCode: '123456' })).toBe(false);
  });

  it('refuses a numeric verificationCode', () => {
    expect(ok({ contact: 'a@b.com', verificationCode: 123456 })).toBe(false);
  });

  it('refuses an empty country', () => {
    expect(ok({ contact: 'a@b.com', country: '', verificationCode: '123456' })).toBe(false);
  });

  it('refuses a verificationCode longer than 64 characters', () => {
    expect(ok({ contact: 'a@b.com', verificationCode: '1'.repeat(64) })).toBe(true);
    expect(ok({ contact: 'a@b.com', verificationCode: '1'.repeat(65) })).toBe(false);
  });
});

describe('CheckIdentityInput', () => {
  const ok = (body: unknown) => CheckIdentityInput.safeParse(body).success;

  it('refuses extra fields, missing fields and wrong types', () => {
    expect(ok({ search_type: 'email', search_value: 'a@b.com' })).toBe(true);
    expect(ok({ search_type: 'email', search_value: 'a@b.com', x: 1 })).toBe(false);
    expect(ok({ search_type: 'email' })).toBe(false);
    expect(ok({ search_type: 'email', search_value: null })).toBe(false);
    expect(ok({ search_type: 1, search_value: 'a@b.com' })).toBe(false);
  });
});

describe('verificationRequest: the CODE rule (6 ASCII digits), checked before any storage', () => {
  const run =
    (verificationCode: string, contact = '+8613612345678') =>
    () =>
      verificationRequest({ contact, verificationCode });

  function refusal(call: () => unknown): ServiceError {
    let err: unknown;
    try {
      call();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ServiceError);
    return err as ServiceError;
  }

  it('lets a 6-digit code through, with the normalized destination', () => {
    expect(run('012345')()).toEqual({ contact: { kind: 'mobile', value: '+8613612345678' }, code: '012345' });
  });

  it.each([
    ['1'.repeat(33), '33 digits'],
    ['12345', '5 digits'],
    ['1234567', '7 digits'],
    ['', 'nothing'],
    ['１２３４５６', 'full-width digits'],
    ['١٢٣٤٥٦', 'Arabic-Indic digits'],
    ['۱۲۳۴۵۶', 'Persian digits'],
    ['12345a', 'a letter'],
    [' 123456', 'a leading space'],
    ['123456\n', 'a trailing newline'],
    ['12 456', 'a space inside'],
    ['+12345', 'a sign'],
  ])('refuses %j (%s) as a parameter error', (code) => {
    expect(VerifyCodeInput.safeParse({ contact: '+8613612345678', verificationCode: code }).success).toBe(true);
    const err = refusal(run(code));
    expect(err.code).toBe('USG.000000001');
    expect(err.status).toBe(400);
  });

  it('refuses an account name as contact', () => {
    expect(refusal(run('123456', 'ceshiyonghu001')).code).toBe('USG.000000001');
  });
});

describe('newCode', () => {
  it('is always 6 ASCII digits', () => {
    for (let i = 0; i < 2000; i++) expect(newCode()).toMatch(/^[0-9]{6}$/);
  });

  it('varies between calls', () => {
    const seen = new Set(Array.from({ length: 200 }, () => newCode()));
    expect(seen.size).toBeGreaterThan(190);
  });

  it('uses every digit position (leading zeros are kept)', () => {
    const firstDigits = new Set(Array.from({ length: 2000 }, () => newCode()[0]));
    expect(firstDigits.size).toBe(10);
  });
});
