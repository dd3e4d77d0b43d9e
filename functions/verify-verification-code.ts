import { verifyCode, VerifyCodeInput } from '../shared/domain/verify-code.js';
import { httpOperation } from '../shared/http/pipeline.js';
import { runtime, type Runtime } from '../shared/runtime.js';

export function createVerifyVerificationCodeHandler(rt: Runtime) {
  const deps = { codes: rt.codes, table: rt.config.tableName, codePepper: rt.config.codePepper, identityPepper: rt.config.identityPepper };

  return httpOperation(
    {
      name: 'verifyVerificationCode',
      family: 'USG',
      defaultLanguage: 'zh-CN',
      authenticate: rt.appAuth,
      input: VerifyCodeInput,
      run: (input, ctx) => verifyCode(deps, input, ctx),
      // The seed's success answer has no body; a direct invocation gets {}.
      present: (_result, ctx) => (ctx.direct ? {} : undefined),
    },
    () => rt,
  );
}

export const handler = createVerifyVerificationCodeHandler(runtime());
