import { describe, expect, it } from 'vitest';
import { identifyUser, maskIdentity } from '../../shared/domain/destination.js';

describe('identifyUser', () => {
  it('takes +8613612345678 for a mobile', () => {
    expect(identifyUser('+8613612345678')).toEqual({ kind: 'mobile', value: '+8613612345678' });
  });

  it('reads a national number in chinaPR by default', () => {
    expect(identifyUser('13612345678')).toEqual({ kind: 'mobile', value: '+8613612345678' });
  });

  it('reads a national number in the given country', () => {
    expect(identifyUser('07911 123456', 'GB')).toEqual({ kind: 'mobile', value: '+447911123456' });
  });

  it('normalizes spaced and dashed forms to the same E.164', () => {
    expect(identifyUser(' +86 136-1234-5678 ')).toEqual({ kind: 'mobile', value: '+8613612345678' });
  });

  it('takes an email, trimmed and lower-cased', () => {
    expect(identifyUser('  TestAccount@Huawei.com ')).toEqual({ kind: 'email', value: 'testaccount@huawei.com' });
  });

  it('takes anything else valid for an account name, lower-cased', () => {
    expect(identifyUser('CeShiYongHu001')).toEqual({ kind: 'name', value: 'ceshiyonghu001' });
  });

  it('refuses an account name when names are not allowed', () => {
    expect(identifyUser('ceshiyonghu001', 'chinaPR', false)).toBeUndefined();
  });

  it.each([
    ['a@b', 'an email without a dotted domain (not retried as a name)'],
    ['a＠huawei.com', 'a full-width ＠ (not an email, and not a valid name)'],
    ['12345', 'a number too short to be possible'],
    ['１３６１２３４５６７８', 'full-width digits'],
    ['op_admin', 'a reserved name'],
    ['abcd', 'a name of 4 characters'],
    ['', 'nothing'],
  ])('refuses %j (%s)', (raw) => {
    expect(identifyUser(raw)).toBeUndefined();
  });
});

describe('maskIdentity', () => {
  it('masks each kind with its own rule', () => {
    expect(maskIdentity({ kind: 'mobile', value: '+8618112342345' })).toBe('+86181****2345');
    expect(maskIdentity({ kind: 'email', value: 'testaccount@huawei.com' })).toBe('tes****ount@huawei.com');
    expect(maskIdentity({ kind: 'name', value: 'ceshiyonghu001' })).not.toContain('yonghu');
  });
});
