import { checkIdentity, CheckIdentityInput } from '../shared/domain/check-identity.js';
import { httpOperation } from '../shared/http/pipeline.js';
import { runtime, type Runtime } from '../shared/runtime.js';
import { countMetric } from '../shared/observability.js';

export const createCheckIdentityHandler = (rt: Runtime) =>
  httpOperation(
    {
      name: 'checkIdentity',
      family: 'CBC',
      defaultLanguage: 'en-US',
      authenticate: rt.partnerAuth,
      input: CheckIdentityInput,
      run: (input, ctx) => {
        countMetric('IdentityChecks');
        return checkIdentity({ registry: rt.registry, identityPepper: rt.config.identityPepper }, input, ctx);
      },
      present: (result) => ({ error_code: 'CBC.0000', error_msg: 'success', ...result }),
    },
    () => rt,
  );

export const handler = createCheckIdentityHandler(runtime());
