import { deregisterCustomer, InvalidCustomerEventError } from '../shared/domain/customers.js';
import { customerEventHandler } from '../shared/events/customer-events.js';
import { countMetric } from '../shared/observability.js';
import { runtime, type Runtime } from '../shared/runtime.js';

export const createDeregisterCustomerHandler = (rt: Runtime) =>
  customerEventHandler(
    {
      operation: 'deregisterCustomer',
      refusalCode: (err) => (err instanceof InvalidCustomerEventError ? 'CUS.0100' : undefined),
      process: async (payload, ctx) => {
        const { customerId, outcome } = await deregisterCustomer({ registry: rt.registry, identityPepper: rt.config.identityPepper }, payload, ctx);
        if (outcome === 'deregistered') countMetric('CustomersDeregistered');
        return { code: outcome === 'deregistered' ? 'CUS.0002' : 'CUS.0003', result: { customerId, status: outcome } };
      },
    },
    rt,
  );

export const handler = createDeregisterCustomerHandler(runtime());
