import { describe, expect, it } from 'vitest';
import { sourceIpBucket } from '../../shared/identity/source-ip.js';

describe('sourceIpBucket (the unit of the per-IP send limit)', () => {
  it('keeps an IPv4 address as it is', () => {
    expect(sourceIpBucket('203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts every address of one IPv6 /64 as one source', () => {
    const a = sourceIpBucket('2001:db8:1:2:aaaa:bbbb:cccc:dddd');
    expect(a).toBe('2001:db8:1:2::/64');
    expect(sourceIpBucket('2001:0db8:0001:0002::1')).toBe(a);
    expect(sourceIpBucket('2001:DB8:1:2::ffff')).toBe(a);
  });

  it('tells different /64 prefixes apart', () => {
    expect(sourceIpBucket('2001:db8:1:3::1')).not.toBe(sourceIpBucket('2001:db8:1:2::1'));
  });

  it('expands a compressed prefix', () => {
    expect(sourceIpBucket('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(sourceIpBucket('::1')).toBe('0:0:0:0::/64');
  });
});
