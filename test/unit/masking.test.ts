import { describe, expect, it } from 'vitest';
import { maskAccountName, maskEmail, maskPhone } from '../../shared/identity/mask.js';

const digitsOf = (s: string) => s.replace(/\D/g, '');

describe('maskPhone (SPEC §3: +, country code, first 3 and last 4 national digits)', () => {
  it('shows no digit of a national number shorter than 6 digits', () => {
    expect(maskPhone('+6821234')).toBe('+682****');
  });

  it('masks +8618112342345 as +86181****2345', () => {
    expect(maskPhone('+8618112342345')).toBe('+86181****2345');
  });

  it('masks a UK mobile the same way', () => {
    expect(maskPhone('+447911123456')).toBe('+44791****3456');
  });

  it('masks a US number (1-digit calling code)', () => {
    expect(maskPhone('+12025550123')).toBe('+1202****0123');
  });

  it('keeps a 9-digit national number to 3 + 4 digits', () => {
    expect(maskPhone('+33612345678')).toBe('+33612****5678');
  });

  it('keeps only the first and last 2 digits of an 8-digit national number', () => {
    expect(maskPhone('+85261234567')).toBe('+8526****67');
  });

  it.each(['+85261234567', '+3545551234', '+6821234', '+35312345', '+35391234567'])('never reveals every national digit of %s', (e164) => {
    const masked = maskPhone(e164);
    expect(masked).toContain('****');
    expect(masked.startsWith('+')).toBe(true);
    expect(digitsOf(masked).length).toBeLessThan(digitsOf(e164).length);
    expect(masked).not.toContain(e164.slice(1));
  });
});

describe('maskEmail (SPEC §3)', () => {
  it('masks testaccount@huawei.com as tes****ount@huawei.com', () => {
    expect(maskEmail('testaccount@huawei.com')).toBe('tes****ount@huawei.com');
  });

  it('masks a local part of exactly 8 characters as first 3, ****, last 4', () => {
    expect(maskEmail('abcdefgh@example.com')).toBe('abc****efgh@example.com');
  });

  it('masks a local part of exactly 7 characters as its first character and ***', () => {
    expect(maskEmail('abcdefg@example.com')).toBe('a***@example.com');
  });

  it('masks a one-character local part as that character and ***', () => {
    expect(maskEmail('x@example.com')).toBe('x***@example.com');
  });

  it('keeps the domain whole', () => {
    expect(maskEmail('someone.long@mail.example.co.uk')).toMatch(/@mail\.example\.co\.uk$/);
  });

  it('returns *** for something without an @', () => {
    expect(maskEmail('not-an-email')).toBe('***');
  });
});

describe('maskAccountName', () => {
  it('hides most of a long name', () => {
    const masked = maskAccountName('ceshiyonghu001');
    expect(masked).toContain('****');
    expect(masked).not.toContain('yonghu');
    expect(masked.startsWith('ces')).toBe(true);
  });

  it('shows only the first character of a short name', () => {
    expect(maskAccountName('abcde')).toBe('a***');
  });
});
