import { describe, expect, it } from 'vitest';
import { InvalidCustomerEventError, toCustomerIdentities } from '../../shared/domain/customers.js';

describe('toCustomerIdentities', () => {
  it('normalizes name, email and a dashed mobile', () => {
    expect(toCustomerIdentities({ customerId: 'c-1', name: 'CeShiYongHu001', email: ' A@B.com ', mobile: '0086-13612345678' })).toEqual({
      customerId: 'c-1',
      name: 'ceshiyonghu001',
      email: 'a@b.com',
      mobile: '+8613612345678',
    });
  });

  it('gives the same mobile for the +E.164 and the national form', () => {
    const a = toCustomerIdentities({ customerId: 'a', name: 'abcde', mobile: '+8613612345678' });
    const b = toCustomerIdentities({ customerId: 'b', name: 'abcde', mobile: '13612345678' });
    const c = toCustomerIdentities({ customerId: 'c', name: 'abcde', mobile: '07911123456', country: 'GB' });
    expect(a.mobile).toBe('+8613612345678');
    expect(b.mobile).toBe(a.mobile);
    expect(c.mobile).toBe('+447911123456');
  });

  it('leaves email and mobile out when not given', () => {
    expect(toCustomerIdentities({ customerId: 'c', name: 'abcde' })).toEqual({
      customerId: 'c',
      name: 'abcde',
      email: undefined,
      mobile: undefined,
    });
  });

  it('trims the customerId', () => {
    expect(toCustomerIdentities({ customerId: '  c-1  ', name: 'abcde' }).customerId).toBe('c-1');
  });

  it.each<[unknown, string]>([
    [{ customerId: 'c', name: 'abcd' }, 'a 4-character name'],
    [{ customerId: 'c', name: 'op_admin' }, 'a reserved name'],
    [{ customerId: 'c', name: 'abcde', email: 'a＠b.com' }, 'a bad email'],
    [{ customerId: 'c', name: 'abcde', mobile: '0086-1' }, 'an impossible mobile'],
    [{ customerId: 'c', name: 'abcde', mobile: '136abc' }, 'a mobile with letters'],
    [{ customerId: 'c', name: 'abcde', extra: 1 }, 'an unknown field'],
    [{ name: 'abcde' }, 'no customerId'],
    [{ customerId: '', name: 'abcde' }, 'an empty customerId'],
    [{ customerId: 'a/b', name: 'abcde' }, 'a customerId with a slash'],
    [{ customerId: 'c' }, 'no name'],
    [null, 'no object'],
  ])('refuses %j (%s) with InvalidCustomerEventError', (payload: unknown) => {
    expect(() => toCustomerIdentities(payload)).toThrow(InvalidCustomerEventError);
  });

  it('names its error InvalidCustomerEvent', () => {
    try {
      toCustomerIdentities({ customerId: 'c', name: 'abcd' });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).name).toBe('InvalidCustomerEvent');
    }
  });
});
