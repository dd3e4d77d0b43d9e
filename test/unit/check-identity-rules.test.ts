import { describe, expect, it } from 'vitest';
import { CheckIdentityInput, normalizeSearch } from '../../shared/domain/check-identity.js';
import { MAX_SEARCH_VALUE_CHARS as MAX_SEARCH_VALUE_LENGTH } from '../../shared/policy.js';

const parse = (body: unknown) => CheckIdentityInput.safeParse(body);
const search = (search_type: 'name' | 'email' | 'mobile', search_value: string) => normalizeSearch({ search_type, search_value });

describe('CheckIdentityInput', () => {
  it('accepts the seed example request', () => {
    expect(parse({ search_type: 'name', search_value: 'ceshiyonghu001' }).success).toBe(true);
  });

  it('accepts a search_value of 64 characters', () => {
    expect(MAX_SEARCH_VALUE_LENGTH).toBe(64);
    expect(parse({ search_type: 'email', search_value: 'x'.repeat(64) }).success).toBe(true);
  });

  it('refuses a search_value of 65 characters', () => {
    expect(parse({ search_type: 'email', search_value: 'x'.repeat(65) }).success).toBe(false);
  });

  it('refuses an empty search_value', () => {
    expect(parse({ search_type: 'name', search_value: '' }).success).toBe(false);
  });

  it.each(['Name', 'phone', 'EMAIL', '', 'user'])('refuses the search_type %j', (search_type) => {
    expect(parse({ search_type, search_value: 'ceshiyonghu001' }).success).toBe(false);
  });

  it('refuses an unknown extra field', () => {
    expect(parse({ search_type: 'name', search_value: 'ceshiyonghu001', extra: 1 }).success).toBe(false);
  });

  it('refuses a missing field', () => {
    expect(parse({ search_type: 'name' }).success).toBe(false);
    expect(parse({ search_value: 'ceshiyonghu001' }).success).toBe(false);
  });

  it('refuses a number as search_value', () => {
    expect(parse({ search_type: 'mobile', search_value: 8613612345678 }).success).toBe(false);
  });
});

describe('normalizeSearch', () => {
  it('normalizes a name to lower case and masks it', () => {
    const r = search('name', 'CeShiYongHu001');
    expect(r).toEqual({ kind: 'name', value: 'ceshiyonghu001', masked: expect.any(String) });
    if ('masked' in r) expect(r.masked).not.toContain('ceshiyonghu001');
  });

  it.each([
    ['abcd', 'format'],
    ['a'.repeat(33), 'format'],
    ['1abcde', 'format'],
    ['_abcde', 'format'],
    ['op_abcde', 'reserved_prefix'],
    ['SHADOW_abc', 'reserved_prefix'],
  ])('refuses the name %s and says why (%s)', (value, why) => {
    expect(search('name', value)).toEqual({ problem: `name: ${why}` });
  });

  it('refuses an all-digit name', () => {
    expect(search('name', '1234567')).toHaveProperty('problem');
  });

  it.each(['abcde', '-abcde', 'a'.repeat(32), 'opx_abc', 'shadowx'])('accepts the name %s', (value) => {
    expect(search('name', value)).toMatchObject({ kind: 'name', value: value.toLowerCase() });
  });

  it('normalizes the seed mobile 0086-13612345678 to E.164', () => {
    expect(search('mobile', '0086-13612345678')).toEqual({ kind: 'mobile', value: '+8613612345678', masked: '+86136****5678' });
  });

  it.each([
    ['0044-7911123456', '+447911123456'],
    ['0001-2025550123', '+12025550123'],
    ['00852-61234567', '+85261234567'],
  ])('accepts the other country code in %s', (value, e164) => {
    expect(search('mobile', value)).toMatchObject({ kind: 'mobile', value: e164 });
  });

  it.each(['86-13612345678', '008613612345678', '0086-', '0086-abc', '+86-13612345678', '0086-1', '+8613612345678', '13612345678'])(
    'refuses the malformed mobile %s',
    (value) => {
      expect(search('mobile', value)).toHaveProperty('problem');
    },
  );

  it('normalizes an email (trimmed, lower case) and masks it', () => {
    expect(search('email', ' TestAccount@Huawei.COM ')).toEqual({
      kind: 'email',
      value: 'testaccount@huawei.com',
      masked: 'tes****ount@huawei.com',
    });
  });

  it.each(['testaccount', 'testaccount@', '@huawei.com', 'test＠huawei.com', 'test@huawei'])('refuses the email %j', (value) => {
    expect(search('email', value)).toHaveProperty('problem');
  });

  it('accepts an email of exactly 64 characters', () => {
    const email = `${'a'.repeat(64 - '@example.com'.length)}@example.com`;
    expect(email).toHaveLength(64);
    expect(search('email', email)).toMatchObject({ kind: 'email', value: email });
  });

  it('does not cross kinds: an email searched as a name is refused', () => {
    expect(search('name', 'test@huawei.com')).toHaveProperty('problem');
    expect(search('mobile', 'test@huawei.com')).toHaveProperty('problem');
  });
});
