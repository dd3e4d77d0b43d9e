/**
 * How many SMS parts a text takes, by 3GPP TS 23.038 (alphabets) and TS 23.040 (concatenation). A text
 * whose every character is in the GSM 7-bit default alphabet or its extension table goes as GSM-7: one
 * septet per character, two for an extension character (an escape, then the character). Any other
 * character makes the whole text UCS-2, counted in UTF-16 code units (an emoji outside the BMP is two).
 * A single part holds 160 septets or 70 units; a concatenated part loses its user-data header to the
 * 153 or 67 left. Parts are cut where the handset reassembles them: never inside an escape sequence or
 * a surrogate pair.
 *
 * These limits are the standard's, not policy: how many parts an operator pays for is SMS_MAX_PARTS.
 */
export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsSegments {
  encoding: SmsEncoding;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2) of the whole text. */
  units: number;
  /** The text of each part, in order. */
  parts: string[];
  /** What one part may hold with this text's encoding and part count. */
  unitsPerPart: number;
}

export const SMS_LIMITS = {
  'GSM-7': { single: 160, concatenated: 153 },
  'UCS-2': { single: 70, concatenated: 67 },
} as const satisfies Record<SmsEncoding, { single: number; concatenated: number }>;

// TS 23.038 §6.2.1, positions 0x00–0x7F (0x1B, the escape to the extension table, is no character).
const BASIC: ReadonlySet<string> = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ' + // 0x00–0x1A
    'ÆæßÉ' + // 0x1C–0x1F
    ' !"#¤%&\'()*+,-./0123456789:;<=>?' + // 0x20–0x3F
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§' + // 0x40–0x5F
    '¿abcdefghijklmnopqrstuvwxyzäöñüà', // 0x60–0x7F
);
// TS 23.038 §6.2.1.1, the default extension table: form feed ^ { } \ [ ~ ] | €.
const EXTENSION: ReadonlySet<string> = new Set(['\f', '^', '{', '}', '\\', '[', '~', ']', '|', '€']);

/** Septets a character takes in GSM-7 (1 or 2), or undefined when GSM-7 cannot carry it. */
export function gsm7Septets(char: string): 1 | 2 | undefined {
  if (BASIC.has(char)) return 1;
  if (EXTENSION.has(char)) return 2;
  return undefined;
}

/** The encoding a text needs: GSM-7 when every character is in the default alphabet or its extension. */
export function smsEncoding(text: string): SmsEncoding {
  for (const char of text) if (gsm7Septets(char) === undefined) return 'UCS-2';
  return 'GSM-7';
}

/** The text's encoding, size and parts. An empty text is one (empty) part. */
export function smsSegments(text: string): SmsSegments {
  const encoding = smsEncoding(text);
  // Iterating a string yields code points: a surrogate pair is one item of weight 2 in UCS-2.
  const weigh = encoding === 'GSM-7' ? (c: string) => gsm7Septets(c)! : (c: string) => c.length;
  const chars = [...text];
  const units = chars.reduce((sum, c) => sum + weigh(c), 0);
  const limits = SMS_LIMITS[encoding];
  if (units <= limits.single) return { encoding, units, parts: [text], unitsPerPart: limits.single };
  const parts: string[] = [];
  let part = '';
  let used = 0;
  for (const c of chars) {
    const w = weigh(c);
    // A character that does not fit whole starts the next part (an escape pair or a surrogate pair is never cut).
    if (used + w > limits.concatenated) {
      parts.push(part);
      part = '';
      used = 0;
    }
    part += c;
    used += w;
  }
  parts.push(part);
  return { encoding, units, parts, unitsPerPart: limits.concatenated };
}
