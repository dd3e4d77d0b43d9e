import { describe, expect, it } from 'vitest';
import { smsDestination } from '../../shared/identity/sms-destination.js';

const DEFAULT = new Set(['CN', 'HK', 'MO', 'TW']);

describe('smsDestination', () => {
  it.each([
    ['+8613812345678', 'CN'],
    ['+8619912345678', 'CN'],
    ['+85291234567', 'HK'],
    ['+85366123456', 'MO'],
    ['+886912345678', 'TW'],
  ])('sends to the mobile %s (%s)', (number, country) => {
    expect(smsDestination(number, DEFAULT)).toEqual({ country });
  });

  it.each([
    ['+861012345678', 'fixed line'],
    ['+864001234567', 'shared cost (400)'],
    ['+868001234567', 'toll free (800)'],
    ['+85221234567', 'Hong Kong fixed line'],
    ['+882161234567', 'international networks (VoIP)'],
    ['+8613812345', 'too short to be valid'],
  ])('refuses %s (%s) as not a mobile', (number) => {
    expect(smsDestination(number, DEFAULT)).toEqual({ refused: 'not_mobile' });
  });

  it.each([
    ['+8816312345678', 'satellite: a mobile of no country'],
    ['+25261234567', 'Somalia'],
    ['+5351234567', 'Cuba'],
    ['+447400123456', 'United Kingdom'],
  ])('refuses %s (%s) outside the allow-list', (number) => {
    expect(smsDestination(number, DEFAULT)).toEqual({ refused: 'country_not_allowed' });
  });

  it('takes a number whose plan cannot tell mobile from fixed line (+1) when its country is allowed', () => {
    expect(smsDestination('+12025550123', new Set(['US']))).toEqual({ country: 'US' });
    expect(smsDestination('+18005551234', new Set(['US']))).toEqual({ refused: 'not_mobile' });
    expect(smsDestination('+19005551234', new Set(['US']))).toEqual({ refused: 'not_mobile' });
  });
});
