import { describe, expect, it } from 'vitest';
import { decoyMaskedEmail, decoyMaskedPhone } from '../../shared/identity/decoy.js';

const PEPPER = 'identity-pepper-for-tests-0000000001';
const names = Array.from({ length: 500 }, (_, i) => `account${i}`);

describe('decoy masks for accounts send withholds', () => {
  it('is the same for the same name and pepper, and another for another pepper', () => {
    expect(decoyMaskedPhone(PEPPER, 'alice-account')).toBe(decoyMaskedPhone(PEPPER, 'alice-account'));
    expect(decoyMaskedEmail(PEPPER, 'alice-account')).toBe(decoyMaskedEmail(PEPPER, 'alice-account'));
    const other = 'another-identity-pepper-000000000002';
    const differing = names.filter((n) => decoyMaskedPhone(PEPPER, n) !== decoyMaskedPhone(other, n));
    expect(differing.length).toBeGreaterThan(495);
  });

  it('masks a mainland mobile the way SPEC §3 masks a real one, with varied prefixes', () => {
    const masks = names.map((n) => decoyMaskedPhone(PEPPER, n));
    for (const m of masks) expect(m).toMatch(/^\+861[3-9]\d\*{4}\d{4}$/);
    expect(new Set(masks.map((m) => m.slice(3, 6))).size).toBeGreaterThan(30);
    expect(new Set(masks).size).toBeGreaterThan(495);
  });

  it('masks an email the way SPEC §3 masks a real one: long and short local parts, common domains', () => {
    const masks = names.map((n) => decoyMaskedEmail(PEPPER, n));
    for (const m of masks) expect(m).toMatch(/^([a-z]{3}\*{4}[a-z0-9]{4}|[a-z]\*{3})@[a-z0-9]+\.com$/);
    expect(masks.some((m) => /^[a-z]\*{3}@/.test(m))).toBe(true);
    expect(masks.some((m) => /\*{4}[a-z]*\d+@/.test(m))).toBe(true);
    expect(new Set(masks.map((m) => m.split('@')[1])).size).toBeGreaterThan(5);
  });
});
