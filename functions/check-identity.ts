import { checkIdentity, CheckIdentityInput, partnerFlowControl } from '../shared/domain/check-identity.js';
import { publicOperation } from '../shared/middleware/public-operation.js';
import { countMetric } from '../shared/observability.js';
import { runtime, type Runtime } from '../shared/runtime.js';

export const createCheckIdentityHandler = (rt: Runtime) =>
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

export const handler = createCheckIdentityHandler(runtime());
