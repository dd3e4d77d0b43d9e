import * as z from 'zod/mini';
import { invalidParameters } from '../errors.js';
import { accountNameProblem, normalizeAccountName } from '../identity/account-name.js';
import { normalizeEmail } from '../identity/email.js';
import { subjectHash } from '../identity/hash.js';
import { maskAccountName, maskEmail, maskPhone } from '../identity/mask.js';
import { e164FromDashed } from '../identity/phone.js';
import { MAX_SEARCH_VALUE_CHARS } from '../policy.js';
import { callerLabel, type CallerRateLimit, type OperationContext } from '../request/operation-context.js';
import type { PartnerRate } from '../store/partner-rate.js';
import type { IdentityKind, Registry } from '../store/registry.js';

export const CheckIdentityInput = z.strictObject({
  search_type: z.enum(['email', 'mobile', 'name']),
  search_value: z.string().check(z.minLength(1), z.maxLength(MAX_SEARCH_VALUE_CHARS)),
});
export type CheckIdentityInput = z.output<typeof CheckIdentityInput>;

export interface CheckIdentityResult {
  check_result: 'available' | 'used_by_user';
  mobile_remain_available_num?: number;
}

export interface NormalizedIdentity {
  kind: IdentityKind;
  value: string;
  masked: string;
}

/** Applies the seed's rules to a search value and returns its normalized form, or why it fails. */
export function normalizeSearch(input: CheckIdentityInput): NormalizedIdentity | { problem: string } {
  const raw = input.search_value;
  switch (input.search_type) {
    case 'name': {
      const value = normalizeAccountName(raw);
      return value ? { kind: 'name', value, masked: maskAccountName(value) } : { problem: `name: ${accountNameProblem(raw)}` };
    }
    case 'email': {
      const value = normalizeEmail(raw, MAX_SEARCH_VALUE_CHARS);
      return value ? { kind: 'email', value, masked: maskEmail(value) } : { problem: 'email: needs a prefix, @ and a domain' };
    }
    case 'mobile': {
      const value = e164FromDashed(raw);
      return value ? { kind: 'mobile', value, masked: maskPhone(value) } : { problem: 'mobile: expected 00<country code>-<number>' };
    }
  }
}

export interface CheckIdentityDeps {
  registry: Registry;
  identityPepper: string;
}

/** One GetItem: whether the identity is free, and for a mobile how many more customers may use it. */
export async function checkIdentity(
  deps: CheckIdentityDeps,
  input: CheckIdentityInput,
  ctx: Pick<OperationContext, 'audit'>,
): Promise<CheckIdentityResult> {
  const identity = normalizeSearch(input);
  if ('problem' in identity) throw invalidParameters('CBC', identity.problem);
  ctx.audit.setSubject(subjectHash(deps.identityPepper, identity.kind, identity.value), identity.masked);

  const { holders } = await deps.registry.usage(identity.kind, identity.value);
  if (identity.kind !== 'mobile') return { check_result: holders > 0 ? 'used_by_user' : 'available' };
  const remaining = Math.max(0, deps.registry.maxCustomersPerMobile - holders);
  return { check_result: remaining > 0 ? 'available' : 'used_by_user', mobile_remain_available_num: remaining };
}

/**
 * SPEC §2 CBC.0250: a partner (its token subject or access key, as it authenticated) may call
 * check-identity `perSecond` times a second; counted under the partner's keyed hash.
 */
export function partnerFlowControl(deps: { partnerRate: PartnerRate; identityPepper: string; perSecond: number }): CallerRateLimit {
  return {
    refusal: 'CBC.0250',
    admit: (caller, now) =>
      deps.partnerRate.admit(subjectHash(deps.identityPepper, 'caller', callerLabel(caller)), now.getTime(), deps.perSecond),
  };
}
