import { describe, expect, it } from 'vitest';
import { looksLikeEmail, normalizeEmail } from '../../shared/identity/email.js';

describe('normalizeEmail', () => {
  it('refuses a local part with a leading, trailing or doubled dot', () => {
    for (const bad of ['a.@b.com', '.a@b.com', 'a..b@b.com', '..@b.com']) expect(normalizeEmail(bad), bad).toBeUndefined();
    expect(normalizeEmail('a.b@b.com')).toBe('a.b@b.com');
  });

  it('accepts a prefix, @ and a dotted domain', () => {
    expect(normalizeEmail('testaccount@huawei.com')).toBe('testaccount@huawei.com');
  });

  it('lower-cases the whole address so comparison is case-insensitive', () => {
    expect(normalizeEmail('TestAccount@HUAWEI.Com')).toBe('testaccount@huawei.com');
    expect(normalizeEmail('A@B.CO')).toBe(normalizeEmail('a@b.co'));
  });

  it('trims surrounding whitespace', () => {
    expect(normalizeEmail('  a.b@example.org\t\n')).toBe('a.b@example.org');
  });

  it('accepts sub-domains, plus tags and digits', () => {
    expect(normalizeEmail('first.last+tag@mail.eu-west.example.co.uk')).toBe('first.last+tag@mail.eu-west.example.co.uk');
  });

  it.each([
    ['testaccount', 'no @'],
    ['@huawei.com', 'no prefix'],
    ['testaccount@', 'no domain'],
    ['testaccount@huawei', 'no dot in the domain'],
    ['test＠huawei.com', 'a full-width ＠'],
    ['test\u200b@huawei.com', 'a zero-width space in the prefix'],
    ['test@hua\u200bwei.com', 'a zero-width space in the domain'],
    ['test@huawei.com\u200b', 'a trailing zero-width space'],
    ['te\u200dst@huawei.com', 'a zero-width joiner'],
    ['test account@huawei.com', 'a space in the prefix'],
    ['test@hua wei.com', 'a space in the domain'],
    ['test@@huawei.com', 'two @'],
    ['a@b@huawei.com', 'an @ in the prefix'],
    ['tеst@huawei.com', 'a Cyrillic е'],
    ['test@huawei..com', 'an empty domain label'],
    ['test@-huawei.com', 'a label starting with a hyphen'],
    ['test@huawei.com.', 'a trailing dot'],
    ['', 'nothing'],
    ['   ', 'only spaces'],
  ])('refuses %j (%s)', (value) => {
    expect(normalizeEmail(value)).toBeUndefined();
  });

  it('refuses a prefix longer than 64 characters', () => {
    expect(normalizeEmail(`${'a'.repeat(64)}@example.com`)).toBe(`${'a'.repeat(64)}@example.com`);
    expect(normalizeEmail(`${'a'.repeat(65)}@example.com`)).toBeUndefined();
  });

  it('refuses an address longer than the given maximum', () => {
    const email = `${'a'.repeat(52)}@example.com`; // 64 characters
    expect(normalizeEmail(email, 64)).toBe(email);
    expect(normalizeEmail(`a${email}`, 64)).toBeUndefined();
  });

  it('measures the maximum after trimming', () => {
    const email = `${'a'.repeat(52)}@example.com`;
    expect(normalizeEmail(`  ${email}  `, 64)).toBe(email);
  });
});

describe('looksLikeEmail', () => {
  it('takes anything with an @ for an email', () => {
    expect(looksLikeEmail('a@b')).toBe(true);
    expect(looksLikeEmail('ceshiyonghu001')).toBe(false);
    expect(looksLikeEmail('a＠b.com')).toBe(false);
  });
});
