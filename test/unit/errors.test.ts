import { describe, expect, it } from 'vitest';
import { ERROR_CODES, FAMILY_CODES, invalidParameters, messageFor, ServiceError, type ErrorCode } from '../../shared/errors.js';

// SPEC §2, copied by hand: HTTP status per code.
const SPEC_TABLE: Record<string, number> = {
  'CBC.0000': 200,
  'CBC.0100': 400,
  'APIG.0301': 401,
  'CBC.0151': 403,
  'CBC.0154': 403,
  'CBC.0250': 429,
  'CBC.0999': 500,
  'CBC.0503': 503,
  'USG.000000001': 400,
  'USG.000000004': 401,
  'USG.000000005': 403,
  'USG.000000006': 403,
  'USG.201040000': 400,
  'USG.201040002': 400,
  // Not in SPEC §2's table: SPEC §4 asks a 400 of the family for a number SMS may not go to.
  'USG.201040003': 400,
  'USG.201040004': 400,
  'USG.201050001': 400,
  'USG.201050002': 400,
  'USG.201050003': 429,
  'USG.201050004': 429,
  'USG.000000500': 500,
  'USG.000000503': 503,
};

const codes = Object.keys(ERROR_CODES) as ErrorCode[];

describe('ERROR_CODES', () => {
  it('has exactly the codes of SPEC §2 with the same statuses', () => {
    const actual = Object.fromEntries(codes.map((c) => [c, ERROR_CODES[c].status]));
    expect(actual).toEqual(SPEC_TABLE);
  });

  it.each(codes)('%s has a family that matches its prefix', (code) => {
    const { family } = ERROR_CODES[code];
    expect(['CBC', 'USG']).toContain(family);
    if (code.startsWith('USG.')) expect(family).toBe('USG');
    else expect(family).toBe('CBC'); // CBC.* and APIG.0301 (check-identity's AK/SK failure)
  });

  it.each(codes)('%s has non-empty English and Chinese messages', (code) => {
    const { en, zh } = ERROR_CODES[code];
    expect(en.trim().length).toBeGreaterThan(0);
    expect(zh.trim().length).toBeGreaterThan(0);
  });

  it.each(codes.filter((c) => c !== 'CBC.0000'))('%s has a Chinese message that is not the English one', (code) => {
    expect(ERROR_CODES[code].zh).not.toBe(ERROR_CODES[code].en);
    expect(ERROR_CODES[code].zh).toMatch(/[\u4e00-\u9fff]/);
  });

  it('says "success" for CBC.0000 as the seed example does', () => {
    expect(messageFor('CBC.0000', 'en-US')).toBe('success');
  });

  it('keeps every code within the seed’s 16-character limit for error_code', () => {
    for (const code of codes) expect(code.length).toBeLessThanOrEqual(16);
  });
});

describe('messageFor', () => {
  it('picks the message by language', () => {
    expect(messageFor('CBC.0100', 'en-US')).toBe(ERROR_CODES['CBC.0100'].en);
    expect(messageFor('CBC.0100', 'zh-CN')).toBe(ERROR_CODES['CBC.0100'].zh);
  });
});

describe('FAMILY_CODES', () => {
  it('points each family’s invalid and internal codes at codes of that family', () => {
    for (const family of ['CBC', 'USG'] as const) {
      const { invalid, internal } = FAMILY_CODES[family];
      expect(ERROR_CODES[invalid]).toMatchObject({ family, status: 400 });
      expect(ERROR_CODES[internal]).toMatchObject({ family, status: 500 });
    }
  });

  it('points each family’s unavailable code at its 503 (SPEC §2: capacity, a stalled dependency)', () => {
    for (const family of ['CBC', 'USG'] as const) expect(ERROR_CODES[FAMILY_CODES[family].unavailable]).toMatchObject({ family, status: 503 });
  });
});

describe('ServiceError', () => {
  it('carries its code and the status of the table', () => {
    const err = new ServiceError('USG.201050003');
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe('USG.201050003');
    expect(err.status).toBe(429);
    expect(err.retryAfterSeconds).toBeUndefined();
    expect(err.fields).toEqual({});
  });

  it('rounds retryAfterSeconds up and adds retry_after to the fields', () => {
    const err = new ServiceError('USG.201050004', { retryAfterSeconds: 12.001 });
    expect(err.retryAfterSeconds).toBe(13);
    expect(err.fields).toEqual({ retry_after: 13 });
  });

  it('keeps a whole number of seconds as it is', () => {
    expect(new ServiceError('USG.201050004', { retryAfterSeconds: 60 }).retryAfterSeconds).toBe(60);
  });

  it('never asks to retry after less than 1 second', () => {
    expect(new ServiceError('USG.201050003', { retryAfterSeconds: 0 }).fields).toEqual({ retry_after: 1 });
    expect(new ServiceError('USG.201050003', { retryAfterSeconds: 0.001 }).retryAfterSeconds).toBe(1);
  });

  it('keeps other fields next to retry_after', () => {
    const err = new ServiceError('USG.201050001', { fields: { remaining_attempts: 2 }, retryAfterSeconds: 1.5 });
    expect(err.fields).toEqual({ remaining_attempts: 2, retry_after: 2 });
  });

  it('keeps the detail for logs and in the message, not in the fields', () => {
    const err = new ServiceError('CBC.0100', { detail: 'name: format' });
    expect(err.detail).toBe('name: format');
    expect(err.message).toBe('CBC.0100: name: format');
    expect(Object.values(err.fields)).not.toContain('name: format');
  });
});

describe('invalidParameters', () => {
  it('gives CBC.0100 for the CBC family and USG.000000001 for the USG family', () => {
    expect(invalidParameters('CBC', 'x').code).toBe('CBC.0100');
    expect(invalidParameters('USG', 'x').code).toBe('USG.000000001');
    expect(invalidParameters('USG', 'why').detail).toBe('why');
    expect(invalidParameters('CBC', 'x').status).toBe(400);
  });
});
