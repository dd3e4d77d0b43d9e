import { describe, expect, it } from 'vitest';
import { createSealer, DELIVERY_REQUEST_SEAL, SealError } from '../../shared/secrets/seal.js';

const KEK = 'key-encryption-secret-for-the-seal-tests-0001';
const SK = 'Zq3vN8xKp2LmR7tYw4BcD9fGh1JsE6uA0oIiQ5nT';
const AK = 'PARTNERAK00000000001';

function flipByte(sealed: string, index: number): string {
  const [version, payload] = sealed.split('.') as [string, string];
  const raw = Buffer.from(payload, 'base64url');
  raw[index] = raw[index]! ^ 0x01;
  return `${version}.${raw.toString('base64url')}`;
}

describe('sealing partner secret keys', () => {
  it('opens what it sealed', () => {
    const sealer = createSealer(KEK);
    expect(sealer.open(sealer.seal(SK, AK), AK)).toBe(SK);
  });

  it('never shows the secret key in the sealed value, and seals it differently each time', () => {
    const sealer = createSealer(KEK);
    const a = sealer.seal(SK, AK);
    const b = sealer.seal(SK, AK);
    expect(a).not.toBe(b);
    for (const sealed of [a, b]) {
      expect(sealed).toMatch(/^v1\.[\w-]+$/);
      expect(sealed).not.toContain(SK);
      expect(Buffer.from(sealed.slice(3), 'base64url').toString('latin1')).not.toContain(SK);
    }
  });

  it('opens with a sealer built from the same secret in another process', () => {
    expect(createSealer(KEK).open(createSealer(KEK).seal(SK, AK), AK)).toBe(SK);
  });

  it('refuses a value sealed under another key-encryption secret', () => {
    const sealed = createSealer(KEK).seal(SK, AK);
    expect(() => createSealer(`${KEK}-other`).open(sealed, AK)).toThrow(SealError);
  });

  it('refuses a value moved to another access key', () => {
    const sealer = createSealer(KEK);
    expect(() => sealer.open(sealer.seal(SK, AK), 'PARTNERAK00000000002')).toThrow(SealError);
  });

  it.each([
    ['the nonce', 0],
    ['the ciphertext', 12],
    ['the tag', -1],
  ])('detects a flipped bit in %s', (_part, index) => {
    const sealer = createSealer(KEK);
    const sealed = sealer.seal(SK, AK);
    const length = Buffer.from(sealed.split('.')[1]!, 'base64url').length;
    expect(() => sealer.open(flipByte(sealed, index < 0 ? length + index : index), AK)).toThrow(SealError);
  });

  it.each([
    ['a truncated value', (s: string) => s.slice(0, 20)],
    ['an unknown version', (s: string) => s.replace(/^v1\./, 'v2.')],
    ['no version', (s: string) => s.split('.')[1]!],
    ['an extra part', (s: string) => `${s}.AAAA`],
    ['the plain secret key', () => SK],
    ['nothing', () => ''],
  ])('refuses %s', (_what, mangle) => {
    const sealer = createSealer(KEK);
    expect(() => sealer.open(mangle(sealer.seal(SK, AK)), AK)).toThrow(SealError);
  });

  it('seals any secret key text, unicode included', () => {
    const sealer = createSealer(KEK);
    const sk = 'sk-with-ünïcödé-and-symbols-!@#$%^&*()';
    expect(sealer.open(sealer.seal(sk, AK), AK)).toBe(sk);
  });

  it('keeps purposes apart: a delivery request sealed under the same secret does not open as a partner key, nor for another item', () => {
    const delivery = createSealer(KEK, DELIVERY_REQUEST_SEAL);
    const sealed = delivery.seal('{"to":"+8613612345678","code":"123456"}', 'DELIVERY#a/REQUEST');
    expect(delivery.open(sealed, 'DELIVERY#a/REQUEST')).toContain('123456');
    expect(() => createSealer(KEK).open(sealed, 'DELIVERY#a/REQUEST')).toThrow(SealError);
    expect(() => delivery.open(sealed, 'DELIVERY#b/REQUEST')).toThrow(SealError);
  });
});
