import { deregisterCustomer, InvalidCustomerEventError } from '../shared/domain/customers.js';
import { eventHandler } from '../shared/events/customer-events.js';
import { countMetric } from '../shared/observability.js';
import { runtime, type Runtime } from '../shared/runtime.js';

export const createDeregisterCustomerHandler = (rt: Runtime) =>
  eventHandler({
    operation: 'deregisterCustomer',
    audit: () => rt.audit,
    clock: rt.clock,
    isPermanent: (err): err is Error => err instanceof InvalidCustomerEventError,
    process: async (payload) => {
      const { customerId, outcome } = await deregisterCustomer(rt.registry, payload);
      if (outcome === 'deregistered') countMetric('CustomersDeregistered');
      return { outcome: outcome.toUpperCase(), result: { customerId, status: outcome } };
    },
  });

export const handler = createDeregisterCustomerHandler(runtime());
