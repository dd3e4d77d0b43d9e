import { InvalidCustomerEventError, registerCustomer } from '../shared/domain/customers.js';
import { eventHandler } from '../shared/events/customer-events.js';
import { subjectHash } from '../shared/identity/hash.js';
import { maskAccountName } from '../shared/identity/mask.js';
import { countMetric } from '../shared/observability.js';
import { runtime, type Runtime } from '../shared/runtime.js';
import { IdentityConflictError } from '../shared/store/registry.js';

export const createRegisterCustomerHandler = (rt: Runtime) =>
  eventHandler({
    operation: 'registerCustomer',
    audit: () => rt.audit,
    isPermanent: (err): err is Error => err instanceof IdentityConflictError || err instanceof InvalidCustomerEventError,
    process: async (payload, now) => {
      const { customer, outcome } = await registerCustomer(rt.registry, payload, now);
      if (outcome === 'registered') countMetric('CustomersRegistered');
      return {
        outcome: outcome.toUpperCase(),
        subjectHash: subjectHash(rt.config.identityPepper, 'name', customer.name),
        subjectMasked: maskAccountName(customer.name),
        result: { customerId: customer.customerId, status: outcome },
      };
    },
  });

export const handler = createRegisterCustomerHandler(runtime());
