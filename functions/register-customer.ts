import { InvalidCustomerEventError, registerCustomer } from '../shared/domain/customers.js';
import { customerEventHandler } from '../shared/events/customer-events.js';
import { countMetric } from '../shared/observability.js';
import { loadCoreRuntime, registryOf, type LoadOptions } from '../shared/runtime.js';
import { IdentityConflictError } from '../shared/store/registry.js';

/** registerCustomer's parts, from its own secret: the identity pepper. */
export async function loadRegisterCustomerRuntime(options?: LoadOptions) {
  const core = await loadCoreRuntime('registerCustomer', options);
  return { ...core, registry: registryOf(core) };
}
export type RegisterCustomerRuntime = Awaited<ReturnType<typeof loadRegisterCustomerRuntime>>;

export const createRegisterCustomerHandler = (rt: RegisterCustomerRuntime) =>
  customerEventHandler(
    {
      operation: 'registerCustomer',
      refusalCode: (err) =>
        err instanceof IdentityConflictError ? 'CUS.0409' : err instanceof InvalidCustomerEventError ? 'CUS.0100' : undefined,
      process: async (payload, ctx) => {
        const { customer, outcome } = await registerCustomer(
          { registry: rt.registry, identityPepper: rt.config.identityPepper },
          payload,
          ctx,
        );
        if (outcome === 'registered') countMetric('CustomersRegistered');
        return { code: outcome === 'registered' ? 'CUS.0000' : 'CUS.0001', result: { customerId: customer.customerId, status: outcome } };
      },
    },
    rt,
  );

export const handler = createRegisterCustomerHandler(await loadRegisterCustomerRuntime());
