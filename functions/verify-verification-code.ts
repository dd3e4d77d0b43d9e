import { verifyCode, VerifyCodeInput } from '../shared/domain/verify-code.js';
import { publicOperation } from '../shared/middleware/public-operation.js';
import { runtime, type Runtime } from '../shared/runtime.js';

export function createVerifyVerificationCodeHandler(rt: Runtime) {
  const deps = { codes: rt.codes, codePepper: rt.config.codePepper, identityPepper: rt.config.identityPepper };

  return publicOperation(
    {
      operation: 'verifyVerificationCode',
      authenticate: rt.appAuth,
      input: VerifyCodeInput,
      run: (input, ctx) => verifyCode(deps, input, ctx),
      // The seed's success answer has no body; a direct invocation gets {}.
      present: (_result, ctx) => (ctx.direct ? {} : undefined),
    },
    rt,
  );
}

export const handler = createVerifyVerificationCodeHandler(runtime());
