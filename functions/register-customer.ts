import { InvalidCustomerEventError, registerCustomer } from '../shared/domain/customers.js';
import { eventHandler } from '../shared/events/customer-events.js';
import { normalizeAccountName } from '../shared/identity/account-name.js';
import { subjectHash } from '../shared/identity/hash.js';
import { maskAccountName } from '../shared/identity/mask.js';
import { countMetric } from '../shared/observability.js';
import { runtime, type Runtime } from '../shared/runtime.js';
import { IdentityConflictError } from '../shared/store/registry.js';

export const createRegisterCustomerHandler = (rt: Runtime) =>
  eventHandler({
    operation: 'registerCustomer',
    audit: () => rt.audit,
    clock: rt.clock,
    isPermanent: (err): err is Error => err instanceof IdentityConflictError || err instanceof InvalidCustomerEventError,
    // Audited by the account name, also for a conflict or a failure (when the name itself is valid).
    subjectOf: (payload) => {
      const raw = typeof payload === 'object' && payload !== null ? (payload as { name?: unknown }).name : undefined;
      const name = typeof raw === 'string' ? normalizeAccountName(raw) : undefined;
      return name ? { hash: subjectHash(rt.config.identityPepper, 'name', name), masked: maskAccountName(name) } : undefined;
    },
    process: async (payload, now) => {
      const { customer, outcome } = await registerCustomer(rt.registry, payload, now);
      if (outcome === 'registered') countMetric('CustomersRegistered');
      return { outcome: outcome.toUpperCase(), result: { customerId: customer.customerId, status: outcome } };
    },
  });

export const handler = createRegisterCustomerHandler(runtime());
