// SMS encoding and parts by 3GPP TS 23.038 / 23.040: GSM-7 (extension characters take two septets),
// UCS-2 (UTF-16 code units, an emoji two), 160/153 and 70/67, parts never cut inside an escape or a
// surrogate pair.
import { describe, expect, it } from 'vitest';
import { gsm7Septets, smsEncoding, smsSegments } from '../../shared/messages/segments.js';

const partLengths = (text: string) => smsSegments(text).parts.map((p) => [...p].length);

describe('GSM-7', () => {
  it('carries the default alphabet one septet a character, Greek capitals and accented letters included', () => {
    for (const c of ['@', '£', '$', '¥', 'è', 'Ç', 'Δ', 'Ω', 'Ä', 'ñ', 'à', '§', '¿', '¤', '\n', '\r', ' ']) expect({ c, septets: gsm7Septets(c) }).toEqual({ c, septets: 1 });
  });

  it('counts each extension character (€ { } [ ] ~ \\ | ^ form feed) as two septets', () => {
    for (const c of ['€', '{', '}', '[', ']', '~', '\\', '|', '^', '\f']) expect({ c, septets: gsm7Septets(c) }).toEqual({ c, septets: 2 });
    expect(smsSegments('Price: 5€ {net}')).toMatchObject({ encoding: 'GSM-7', units: 18 });
  });

  it('fits 160 septets in one part and splits 161 into 153 + 8', () => {
    expect(smsSegments('a'.repeat(160))).toMatchObject({ encoding: 'GSM-7', units: 160, unitsPerPart: 160 });
    expect(partLengths('a'.repeat(160))).toEqual([160]);
    expect(smsSegments('a'.repeat(161))).toMatchObject({ encoding: 'GSM-7', units: 161, unitsPerPart: 153 });
    expect(partLengths('a'.repeat(161))).toEqual([153, 8]);
  });

  it('makes 80 euro signs one full part, and one more septet two parts', () => {
    expect(smsSegments('€'.repeat(80))).toMatchObject({ units: 160, parts: ['€'.repeat(80)] });
    expect(smsSegments(`${'a'.repeat(159)}€`).parts).toHaveLength(2);
  });

  it('never cuts an escape sequence: an extension character that does not fit whole opens the next part', () => {
    const text = `${'a'.repeat(152)}€${'b'.repeat(10)}`; // 164 septets: the € would take septets 153 and 154
    const { parts } = smsSegments(text);
    expect(parts).toEqual(['a'.repeat(152), `€${'b'.repeat(10)}`]);
    expect(parts.join('')).toBe(text);
  });

  it('switches the whole text to UCS-2 for one character outside the alphabet (ç is not Ç)', () => {
    expect(smsEncoding('Ça va')).toBe('GSM-7');
    expect(smsEncoding('ça va')).toBe('UCS-2');
    expect(smsSegments(`${'a'.repeat(100)}ç`)).toMatchObject({ encoding: 'UCS-2', units: 101 });
    expect(smsSegments(`${'a'.repeat(100)}ç`).parts).toHaveLength(2);
  });
});

describe('UCS-2', () => {
  it('fits 70 Chinese characters in one part and splits 71 into 67 + 4', () => {
    const seventy = '验'.repeat(70);
    expect(smsSegments(seventy)).toMatchObject({ encoding: 'UCS-2', units: 70, parts: [seventy], unitsPerPart: 70 });
    expect(partLengths(`${seventy}码`)).toEqual([67, 4]);
    expect(smsSegments(`${seventy}码`).unitsPerPart).toBe(67);
  });

  it('counts an emoji as two code units', () => {
    expect(smsSegments('😀')).toMatchObject({ encoding: 'UCS-2', units: 2 });
    expect(smsSegments(`${'a'.repeat(68)}😀`)).toMatchObject({ units: 70 });
    expect(smsSegments(`${'a'.repeat(68)}😀`).parts).toHaveLength(1);
    expect(smsSegments(`${'a'.repeat(69)}😀`).parts).toHaveLength(2);
  });

  it('never cuts a surrogate pair: an emoji that does not fit whole opens the next part', () => {
    const text = `${'a'.repeat(66)}😀${'b'.repeat(10)}`; // 78 units: the emoji would take units 67 and 68
    const { parts } = smsSegments(text);
    expect(parts).toEqual(['a'.repeat(66), `😀${'b'.repeat(10)}`]);
    const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
    for (const part of parts) expect(part).not.toMatch(loneSurrogate);
  });
});
