import { describe, expect, it } from 'vitest';
import { acceptedLanguages, matchLanguage, pickLanguage } from '../../shared/request/language.js';

describe('pickLanguage', () => {
  it.each([
    ['zh', 'zh-CN'],
    ['zh-CN', 'zh-CN'],
    ['zh-cn', 'zh-CN'],
    ['zh-Hans', 'zh-CN'],
    ['zh-Hans-CN', 'zh-CN'],
    ['zh-TW', 'zh-CN'],
    ['ZH-CN', 'zh-CN'],
  ] as const)('answers %s with Chinese', (header, expected) => {
    expect(pickLanguage(header, 'en-US')).toBe(expected);
  });

  it.each([
    ['en', 'en-US'],
    ['en-US', 'en-US'],
    ['en-GB', 'en-US'],
    ['EN-gb', 'en-US'],
  ] as const)('answers %s with English', (header, expected) => {
    expect(pickLanguage(header, 'zh-CN')).toBe(expected);
  });

  it('prefers the higher q-value over header order: "en;q=0.5, zh;q=0.9" → zh-CN', () => {
    expect(pickLanguage('en;q=0.5, zh;q=0.9', 'en-US')).toBe('zh-CN');
  });

  it('prefers the higher q-value the other way round: "zh;q=0.5, en;q=0.9" → en-US', () => {
    expect(pickLanguage('zh;q=0.5, en;q=0.9', 'zh-CN')).toBe('en-US');
  });

  it('takes a missing q as 1', () => {
    expect(pickLanguage('zh;q=0.99, en', 'zh-CN')).toBe('en-US');
  });

  it('keeps header order between equal q-values', () => {
    expect(pickLanguage('en;q=0.8, zh;q=0.8', 'zh-CN')).toBe('en-US');
    expect(pickLanguage('zh;q=0.8, en;q=0.8', 'en-US')).toBe('zh-CN');
  });

  it('excludes a language with q=0', () => {
    expect(pickLanguage('zh;q=0, en;q=0.1', 'zh-CN')).toBe('en-US');
    expect(pickLanguage('en;q=0', 'zh-CN')).toBe('zh-CN');
    expect(pickLanguage('en;q=0.000', 'zh-CN')).toBe('zh-CN');
  });

  it('skips languages it does not serve and takes the next one it does', () => {
    expect(pickLanguage('fr-FR, de;q=0.9, zh;q=0.1', 'en-US')).toBe('zh-CN');
  });

  it('tolerates spaces around tags and parameters', () => {
    expect(pickLanguage('  fr ; q=0.9 ,  zh-CN ; q=0.8 ', 'en-US')).toBe('zh-CN');
  });

  it.each(['', '*', 'fr', 'garbage;;;,,,', 'zhx', 'english', 'q=1', ';q=0.9'])('falls back on %j', (header) => {
    expect(pickLanguage(header, 'en-US')).toBe('en-US');
    expect(pickLanguage(header, 'zh-CN')).toBe('zh-CN');
  });

  it('falls back when there is no header', () => {
    expect(pickLanguage(undefined, 'zh-CN')).toBe('zh-CN');
    expect(pickLanguage(undefined, 'en-US')).toBe('en-US');
  });

  it('does not read past the first 256 characters of a huge header', () => {
    const header = `${'x-pad;q=0.5, '.repeat(40)}zh`;
    expect(header.length).toBeGreaterThan(256);
    expect(pickLanguage(header, 'en-US')).toBe('en-US');
  });

  // ABNF literals are case-insensitive, so "Q=0.1" is a weight (RFC 9110 §12.4.2).
  it('reads an upper-case Q= as the weight', () => {
    expect(pickLanguage('en;Q=0.1, zh;q=0.9', 'en-US')).toBe('zh-CN');
  });

  it('does not take a malformed weight as q=1', () => {
    expect(pickLanguage('en;q=abc, zh;q=0.2', 'en-US')).toBe('zh-CN');
    expect(pickLanguage('zh;q=1.5', 'en-US')).toBe('en-US');
  });
});

describe('acceptedLanguages', () => {
  it('lists what the caller asks for, most wanted first, lower-cased, each once', () => {
    expect(acceptedLanguages('ja-JP, en;q=0.5, JA-jp;q=0.4, zh-Hant-TW;q=0.9')).toEqual(['ja-jp', 'zh-hant-tw', 'en']);
  });

  it('keeps no wildcard, no q=0 entry and nothing that is not a language tag', () => {
    expect(acceptedLanguages('*, fr;q=0, <script>, de_DE, ja;q=0.3, en--US, x')).toEqual(['x', 'ja']);
  });

  it('keeps at most four, the most wanted', () => {
    expect(acceptedLanguages('a;q=0.1, b;q=0.2, c;q=0.3, d;q=0.4, e;q=0.5')).toEqual(['e', 'd', 'c', 'b']);
  });

  it('is empty without a header', () => {
    expect(acceptedLanguages(undefined)).toEqual([]);
    expect(acceptedLanguages('')).toEqual([]);
  });
});

describe('matchLanguage', () => {
  const stage = ['zh-CN', 'en-US', 'ja-JP'] as const;

  it('takes the same tag first, case aside', () => {
    expect(matchLanguage(['ja-jp'], stage)).toBe('ja-JP');
  });

  it('takes a language of the same primary tag when the region differs or is missing', () => {
    expect(matchLanguage(['ja'], stage)).toBe('ja-JP');
    expect(matchLanguage(['en-gb'], stage)).toBe('en-US');
  });

  it('goes down the list before giving up: "fr, ja" → ja-JP', () => {
    expect(matchLanguage(['fr', 'ja'], stage)).toBe('ja-JP');
  });

  it('prefers the exact tag of a later language to nothing, and an earlier language to a later exact one', () => {
    expect(matchLanguage(['zh-tw', 'en-us'], stage)).toBe('zh-CN');
    expect(matchLanguage(['zh-tw', 'en-us'], [...stage, 'zh-TW'])).toBe('zh-TW');
  });

  it('is undefined when nothing matches', () => {
    expect(matchLanguage(['fr', 'de'], stage)).toBeUndefined();
    expect(matchLanguage([], stage)).toBeUndefined();
  });
});
