import * as z from 'zod/mini';
import { normalizeAccountName } from '../identity/account-name.js';
import { normalizeEmail } from '../identity/email.js';
import { subjectHash } from '../identity/hash.js';
import { maskAccountName } from '../identity/mask.js';
import { e164FromContact, e164FromDashed } from '../identity/phone.js';
import { MAX_INPUT_CHARS } from '../policy.js';
import type { OperationContext } from '../request/operation-context.js';
import type { CustomerIdentities, DeregisterOutcome, RegisterOutcome, Registry } from '../store/registry.js';

export class InvalidCustomerEventError extends Error {
  override name = 'InvalidCustomerEvent';
}

const CustomerId = z
  .string()
  .check(z.trim(), z.minLength(1), z.maxLength(MAX_INPUT_CHARS.customerId), z.regex(/^[\w.:-]+$/, 'customerId: letters, digits, _ . : - only'));

export const RegisterCustomerEvent = z.strictObject({
  customerId: CustomerId,
  name: z.string().check(z.maxLength(MAX_INPUT_CHARS.customerName)),
  email: z.optional(z.string().check(z.maxLength(MAX_INPUT_CHARS.customerEmail))),
  mobile: z.optional(z.string().check(z.maxLength(MAX_INPUT_CHARS.customerMobile))),
  country: z.optional(z.string().check(z.maxLength(MAX_INPUT_CHARS.customerCountry))),
});

export const DeregisterCustomerEvent = z.strictObject({ customerId: CustomerId });

function parse<S extends z.ZodMiniType>(schema: S, payload: unknown): z.output<S> {
  const result = schema.safeParse(payload);
  if (!result.success) throw new InvalidCustomerEventError(z.prettifyError(result.error));
  return result.data;
}

/** Validates and normalizes a registration event with the same rules check-identity applies. */
export function toCustomerIdentities(payload: unknown): CustomerIdentities {
  const e = parse(RegisterCustomerEvent, payload);
  const name = normalizeAccountName(e.name);
  if (!name) throw new InvalidCustomerEventError('name does not satisfy the account name rules');
  const email = e.email === undefined ? undefined : normalizeEmail(e.email);
  if (e.email !== undefined && !email) throw new InvalidCustomerEventError('email is not an email address');
  // Either form of a number is accepted: "0086-136…" as check-identity takes it, or "+86136…".
  const mobile = e.mobile === undefined ? undefined : (e164FromDashed(e.mobile) ?? e164FromContact(e.mobile, e.country));
  if (e.mobile !== undefined && !mobile) throw new InvalidCustomerEventError('mobile is not a phone number');
  return { customerId: e.customerId, name, email, mobile };
}

export interface CustomerDeps {
  registry: Registry;
  identityPepper: string;
}

/**
 * A registration is audited by its account name whenever the name itself is valid, also when the
 * rest of the event is refused or the claim fails.
 */
function auditSubject(deps: CustomerDeps, payload: unknown, ctx: OperationContext): void {
  const raw = typeof payload === 'object' && payload !== null ? (payload as { name?: unknown }).name : undefined;
  const name = typeof raw === 'string' ? normalizeAccountName(raw) : undefined;
  if (name) ctx.audit.setSubject(subjectHash(deps.identityPepper, 'name', name), maskAccountName(name));
}

/** Claims the customer's identities; `registered` is committed with its audit record. */
export async function registerCustomer(
  deps: CustomerDeps,
  payload: unknown,
  ctx: OperationContext,
): Promise<{ customer: CustomerIdentities; outcome: RegisterOutcome }> {
  auditSubject(deps, payload, ctx);
  const customer = toCustomerIdentities(payload);
  return { customer, outcome: await deps.registry.claim(customer, ctx.now, ctx.audit.pending('CUS.0000', 200)) };
}

/** Releases what the customer claimed; `deregistered` is committed with its audit record. */
export async function deregisterCustomer(
  deps: CustomerDeps,
  payload: unknown,
  ctx: OperationContext,
): Promise<{ customerId: string; outcome: DeregisterOutcome }> {
  const { customerId } = parse(DeregisterCustomerEvent, payload);
  return { customerId, outcome: await deps.registry.release(customerId, ctx.audit.pending('CUS.0002', 200)) };
}
