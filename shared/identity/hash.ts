import { createHmac, timingSafeEqual } from 'node:crypto';

export type SubjectKind = 'mobile' | 'email' | 'name' | 'ip' | 'caller';

/** Keyed hash of an identity: a stable key for codes, throttles and audit without the raw value. */
export function subjectHash(pepper: string, kind: SubjectKind, normalized: string): string {
  return createHmac('sha256', pepper).update(`${kind}:${normalized}`).digest('base64url');
}

/** Keyed hash of a code, bound to its destination so a hash is useless for any other one. */
export function codeHash(pepper: string, destinationHash: string, code: string): string {
  return createHmac('sha256', pepper).update(`${destinationHash}:${code}`).digest('base64url');
}

/**
 * Keyed hash of who attempts codes at one destination (SPEC §4's requester: the caller and its source
 * address): the key of that requester's failure budget there.
 */
export function requesterHash(pepper: string, destinationHash: string, requester: string): string {
  return createHmac('sha256', pepper).update(`requester:${destinationHash}:${requester}`).digest('base64url');
}

/** Constant-time string equality (different lengths are unequal without an early exit on content). */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  if (ab.length !== bb.length) {
    timingSafeEqual(ab, ab);
    return false;
  }
  return timingSafeEqual(ab, bb);
}
