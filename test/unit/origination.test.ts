import { describe, expect, it } from 'vitest';
import { COUNTRY_CODES } from '../../shared/config.js';
import { identityArn, identityFor, identityKind, parseOriginationIdentities } from '../../shared/notify/origination.js';

const parse = (value: string) => {
  const problems: string[] = [];
  return { identities: parseOriginationIdentities('SMS_ORIGINATION_IDENTITIES', value, (c) => COUNTRY_CODES.has(c), problems), problems };
};

describe('origination identities per country', () => {
  it("picks a country's own identity, else every other country's, else none (End User Messaging picks)", () => {
    const { identities, problems } = parse(' CN = pool-1 , *=VERIGATE ');
    expect(problems).toEqual([]);
    expect([identityFor(identities, 'CN'), identityFor(identities, 'HK'), identityFor(identities, undefined)]).toEqual([
      'pool-1',
      'VERIGATE',
      'VERIGATE',
    ]);
    expect(identityFor(parse('CN=pool-1').identities, 'HK')).toBeUndefined();
  });

  it('names an identity as IAM does: a phone number or a pool by its id, a sender id, or an ARN; never a number by its digits', () => {
    expect(
      ['phone-0123', 'pool-abc', 'VERIGATE', 'arn:aws:sms-voice:ap-east-1:123456789012:pool/pool-1', '+85212345678'].map(identityKind),
    ).toEqual(['phone-number', 'pool', 'sender-id', 'arn', undefined]);
    expect(parse('HK=+85212345678').problems).toEqual([expect.stringContaining('IAM cannot name a number by its digits')]);
  });

  it('gives the ARN its role grants, a sender id per country', () => {
    const prefix = 'arn:${AWS::Partition}:sms-voice:${AWS::Region}:${AWS::AccountId}';
    expect(identityArn('pool-abc', 'CN')).toBe(`${prefix}:pool/pool-abc`);
    expect(identityArn('phone-0123', 'HK')).toBe(`${prefix}:phone-number/phone-0123`);
    expect(identityArn('VERIGATE', 'HK')).toBe(`${prefix}:sender-id/VERIGATE/HK`);
    expect(identityArn('VERIGATE', '*')).toBe(`${prefix}:sender-id/VERIGATE/*`);
    expect(identityArn('arn:aws:sms-voice:ap-east-1:123456789012:pool/pool-1', 'CN')).toBe(
      'arn:aws:sms-voice:ap-east-1:123456789012:pool/pool-1',
    );
  });
});
