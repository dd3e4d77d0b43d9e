import { isIPv6 } from 'node:net';

/**
 * The unit the per-IP send limit counts: an IPv4 address as it is, an IPv6 address by its /64 prefix
 * (one subscriber usually holds a whole /64 and could otherwise rotate addresses freely).
 */
export function sourceIpBucket(ip: string): string {
  if (!isIPv6(ip)) return ip;
  // Expand "::" so that the first four groups are the /64 prefix; an embedded IPv4 tail only touches the last two groups.
  const [head = '', tail] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
