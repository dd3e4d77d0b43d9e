import { describe, expect, it } from 'vitest';
import { codeHash, safeEqual, subjectHash } from '../../shared/identity/hash.js';

const PEPPER = 'p'.repeat(32);

describe('subjectHash', () => {
  it('is stable for the same pepper, kind and value', () => {
    expect(subjectHash(PEPPER, 'mobile', '+8613612345678')).toBe(subjectHash(PEPPER, 'mobile', '+8613612345678'));
  });

  it('depends on the pepper, the kind and the value', () => {
    const base = subjectHash(PEPPER, 'email', 'a@b.com');
    expect(subjectHash('q'.repeat(32), 'email', 'a@b.com')).not.toBe(base);
    expect(subjectHash(PEPPER, 'name', 'a@b.com')).not.toBe(base);
    expect(subjectHash(PEPPER, 'email', 'a@b.co')).not.toBe(base);
  });

  it('does not contain the raw value and is URL-safe', () => {
    const h = subjectHash(PEPPER, 'email', 'a@b.com');
    expect(h).not.toContain('a@b.com');
    expect(h).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('codeHash', () => {
  it('binds a code to its destination', () => {
    expect(codeHash(PEPPER, 'dest-1', '123456')).not.toBe(codeHash(PEPPER, 'dest-2', '123456'));
    expect(codeHash(PEPPER, 'dest-1', '123456')).not.toBe(codeHash(PEPPER, 'dest-1', '123457'));
    expect(codeHash(PEPPER, 'dest-1', '123456')).toBe(codeHash(PEPPER, 'dest-1', '123456'));
  });
});

describe('safeEqual', () => {
  it('is true only for equal strings', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
  });
});
