import { verifyCode, VerifyCodeInput } from '../shared/domain/verify-code.js';
import { publicOperation } from '../shared/middleware/public-operation.js';
import { appAuthOf, loadCoreRuntime, verifyAttemptsOf, type LoadOptions } from '../shared/runtime.js';

/** verifyVerificationCode's parts, from its own secrets: app token key, code pepper, identity pepper. */
export async function loadVerifyVerificationCodeRuntime(options?: LoadOptions) {
  const core = await loadCoreRuntime('verifyVerificationCode', options);
  return { ...core, attempts: verifyAttemptsOf(core), appAuth: appAuthOf(core) };
}
export type VerifyVerificationCodeRuntime = Awaited<ReturnType<typeof loadVerifyVerificationCodeRuntime>>;

export function createVerifyVerificationCodeHandler(rt: VerifyVerificationCodeRuntime) {
  const deps = { attempts: rt.attempts, codePepper: rt.config.codePepper, identityPepper: rt.config.identityPepper };

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

export const handler = createVerifyVerificationCodeHandler(await loadVerifyVerificationCodeRuntime());
