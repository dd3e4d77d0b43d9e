import { describe, expect, it } from 'vitest';
import {
  CHANNEL_NAMES,
  CHANNELS,
  DEFAULT_ACCOUNT_CHANNEL,
  defaultChannelOf,
  DELIVERY_STREAM_FILTER_PATTERNS,
  isChannel,
  NO_CHANNEL,
} from '../../shared/channels.js';
import { SendCodeInput } from '../../shared/domain/send-code.js';

describe('the channel registry', () => {
  it('sends to a mobile by SMS (voice only when asked) and to an email by email, and to an account by SMS unless told otherwise (SPEC §4)', () => {
    expect(defaultChannelOf('mobile')).toBe('sms');
    expect(defaultChannelOf('email')).toBe('email');
    expect(DEFAULT_ACCOUNT_CHANNEL).toBe('sms');
  });

  it('names every channel once, each reaching a destination kind', () => {
    expect(CHANNEL_NAMES).toEqual(['sms', 'email', 'voice']);
    for (const c of CHANNEL_NAMES) expect(['mobile', 'email']).toContain(CHANNELS[c].reaches);
  });

  it('holds every phone channel to the country rules, and no other', () => {
    for (const c of CHANNEL_NAMES) expect('numbers' in CHANNELS[c]).toBe(CHANNELS[c].reaches === 'mobile');
  });

  it('reaches by voice any number it can call, fixed lines too, and by SMS only numbers that take one', () => {
    expect(CHANNELS.sms.numbers).toBe('sms-capable');
    expect(CHANNELS.voice).toEqual({ reaches: 'mobile', numbers: 'callable' });
  });

  it("knows its channels, and not a withheld send's nor anything inherited", () => {
    expect(isChannel('sms')).toBe(true);
    expect(isChannel('email')).toBe(true);
    expect(isChannel('voice')).toBe(true);
    expect(isChannel(NO_CHANNEL)).toBe(false);
    expect(isChannel('toString')).toBe(false);
    expect(isChannel('SMS')).toBe(false);
    expect(isChannel(undefined)).toBe(false);
  });

  it("is what send's sendMethod accepts, in its order", () => {
    for (const c of CHANNEL_NAMES) expect(SendCodeInput.safeParse({ user: 'someone', sendMethod: c }).success).toBe(true);
    expect(SendCodeInput.safeParse({ user: 'someone', sendMethod: NO_CHANNEL }).success).toBe(false);
    expect(SendCodeInput.safeParse({ user: 'someone', sendMethod: 'fax' }).success).toBe(false);
  });

  it("passes deliverCode the inserted delivery requests of every channel, by the requests' key prefix (stored data: it never changes)", () => {
    expect(DELIVERY_STREAM_FILTER_PATTERNS).toEqual([
      {
        eventName: ['INSERT'],
        dynamodb: { Keys: { pk: { S: [{ prefix: 'DELIVERY#' }] } }, NewImage: { channel: { S: CHANNEL_NAMES } } },
      },
    ]);
  });
});
