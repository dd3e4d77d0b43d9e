import { InvalidCustomerEventError, registerCustomer } from '../shared/domain/customers.js';
import { customerEventHandler } from '../shared/events/customer-events.js';
import { countMetric } from '../shared/observability.js';
import { runtime, type Runtime } from '../shared/runtime.js';
import { IdentityConflictError } from '../shared/store/registry.js';

export const createRegisterCustomerHandler = (rt: Runtime) =>
  customerEventHandler(
    {
      operation: 'registerCustomer',
      refusalCode: (err) => (err instanceof IdentityConflictError ? 'CUS.0409' : err instanceof InvalidCustomerEventError ? 'CUS.0100' : undefined),
      process: async (payload, ctx) => {
        const { customer, outcome } = await registerCustomer({ registry: rt.registry, identityPepper: rt.config.identityPepper }, payload, ctx);
        if (outcome === 'registered') countMetric('CustomersRegistered');
        return { code: outcome === 'registered' ? 'CUS.0000' : 'CUS.0001', result: { customerId: customer.customerId, status: outcome } };
      },
    },
    rt,
  );

export const handler = createRegisterCustomerHandler(runtime());
