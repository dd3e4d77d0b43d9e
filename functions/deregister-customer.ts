import { deregisterCustomer, InvalidCustomerEventError } from '../shared/domain/customers.js';
import { customerEventHandler } from '../shared/events/customer-events.js';
import { countMetric } from '../shared/observability.js';
import { loadCoreRuntime, registryOf, type LoadOptions } from '../shared/runtime.js';

/** deregisterCustomer's parts, from its own secret: the identity pepper. */
export async function loadDeregisterCustomerRuntime(options?: LoadOptions) {
  const core = await loadCoreRuntime('deregisterCustomer', options);
  return { ...core, registry: registryOf(core) };
}
export type DeregisterCustomerRuntime = Awaited<ReturnType<typeof loadDeregisterCustomerRuntime>>;

export const createDeregisterCustomerHandler = (rt: DeregisterCustomerRuntime) =>
  customerEventHandler(
    {
      operation: 'deregisterCustomer',
      refusalCode: (err) => (err instanceof InvalidCustomerEventError ? 'CUS.0100' : undefined),
      process: async (payload, ctx) => {
        const { customerId, outcome } = await deregisterCustomer(
          { registry: rt.registry, identityPepper: rt.config.identityPepper },
          payload,
          ctx,
        );
        if (outcome === 'deregistered') countMetric('CustomersDeregistered');
        return { code: outcome === 'deregistered' ? 'CUS.0002' : 'CUS.0003', result: { customerId, status: outcome } };
      },
    },
    rt,
  );

export const handler = createDeregisterCustomerHandler(await loadDeregisterCustomerRuntime());
