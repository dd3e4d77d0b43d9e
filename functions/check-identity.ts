import { checkIdentity, CheckIdentityInput, partnerFlowControl } from '../shared/domain/check-identity.js';
import { publicOperation } from '../shared/middleware/public-operation.js';
import { countMetric } from '../shared/observability.js';
import { loadCoreRuntime, partnerAuthOf, partnerRateOf, registryOf, type LoadOptions } from '../shared/runtime.js';

/** check-identity's parts, from its own secrets: partner token key, identity pepper, partner-key encryption key. */
export async function loadCheckIdentityRuntime(options?: LoadOptions) {
  const core = await loadCoreRuntime('checkIdentity', options);
  return { ...core, registry: registryOf(core), partnerAuth: partnerAuthOf(core), partnerRate: partnerRateOf(core) };
}
export type CheckIdentityRuntime = Awaited<ReturnType<typeof loadCheckIdentityRuntime>>;

export const createCheckIdentityHandler = (rt: CheckIdentityRuntime) =>
  publicOperation(
    {
      operation: 'checkIdentity',
      authenticate: rt.partnerAuth,
      flowControl: partnerFlowControl({
        partnerRate: rt.partnerRate,
        identityPepper: rt.config.identityPepper,
        perSecond: rt.config.partnerRequestsPerSecond,
      }),
      input: CheckIdentityInput,
      run: (input, ctx) => {
        countMetric('IdentityChecks');
        return checkIdentity({ registry: rt.registry, identityPepper: rt.config.identityPepper }, input, ctx);
      },
      present: (result) => ({ error_code: 'CBC.0000', error_msg: 'success', ...result }),
    },
    rt,
  );

export const handler = createCheckIdentityHandler(await loadCheckIdentityRuntime());
