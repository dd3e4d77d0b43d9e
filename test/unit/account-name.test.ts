import { describe, expect, it } from 'vitest';
import { accountNameProblem, normalizeAccountName } from '../../shared/identity/account-name.js';

describe('account name rules (seed: ^([a-zA-Z-]([a-zA-Z0-9_-]){4,31})$, no op_/shadow_, not all digits)', () => {
  it('refuses a name of 4 characters', () => {
    expect(accountNameProblem('abcd')).toBe('format');
  });

  it('accepts a name of 5 characters', () => {
    expect(accountNameProblem('abcde')).toBeUndefined();
  });

  it('accepts a name of 32 characters', () => {
    expect(accountNameProblem('a'.repeat(32))).toBeUndefined();
  });

  it('refuses a name of 33 characters', () => {
    expect(accountNameProblem('a'.repeat(33))).toBe('format');
  });

  it('refuses the empty string', () => {
    expect(accountNameProblem('')).toBe('format');
  });

  it('accepts a name starting with a hyphen', () => {
    expect(accountNameProblem('-abcde')).toBeUndefined();
  });

  it('accepts a name made of hyphens only', () => {
    expect(accountNameProblem('-----')).toBeUndefined();
  });

  it('refuses a name starting with a digit', () => {
    expect(accountNameProblem('1abcde')).toBe('format');
  });

  it('refuses a name starting with an underscore', () => {
    expect(accountNameProblem('_abcde')).toBe('format');
  });

  it('accepts digits, underscores and hyphens after the first character', () => {
    expect(accountNameProblem('a1_-b2')).toBeUndefined();
  });

  it.each(['abc.de', 'abc de', 'abc@de', 'abcdé', 'ａbcde', 'abc\u200bde', 'abcde\n'])('refuses the character set of %j', (name) => {
    expect(accountNameProblem(name)).toBe('format');
  });

  it.each(['op_abc', 'OP_abc', 'Op_abcdef', 'shadow_x', 'SHADOW_abc', 'Shadow_abc'])('refuses the reserved prefix in %s', (name) => {
    expect(accountNameProblem(name)).toBe('reserved_prefix');
  });

  it.each(['opx_abc', 'shadowx', 'op-abc', 'shadow-abc', 'xop_abc', 'shadowabc'])(
    'allows %s, which only resembles a reserved prefix',
    (name) => {
      expect(accountNameProblem(name)).toBeUndefined();
    },
  );

  it.each(['12345', '0000000', '1'.repeat(32)])('refuses the all-digit name %s', (name) => {
    expect(accountNameProblem(name)).toBeDefined();
    expect(normalizeAccountName(name)).toBeUndefined();
  });

  it('accepts the seed example name', () => {
    expect(accountNameProblem('ceshiyonghu001')).toBeUndefined();
  });

  it('normalizes a valid name to lower case so names compare case-insensitively', () => {
    expect(normalizeAccountName('CeShiYongHu001')).toBe('ceshiyonghu001');
    expect(normalizeAccountName('CESHIYONGHU001')).toBe(normalizeAccountName('ceshiyonghu001'));
  });

  it('normalizes an invalid name to undefined', () => {
    expect(normalizeAccountName('abcd')).toBeUndefined();
    expect(normalizeAccountName('op_abcdef')).toBeUndefined();
  });

  it('does not trim: surrounding spaces make a name invalid', () => {
    expect(normalizeAccountName(' abcde')).toBeUndefined();
    expect(normalizeAccountName('abcde ')).toBeUndefined();
  });
});
