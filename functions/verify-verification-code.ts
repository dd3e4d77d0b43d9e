import { verifyCode, VerifyCodeInput } from '../shared/domain/verify-code.js';
import { httpOperation } from '../shared/http/pipeline.js';
import { runtime } from '../shared/runtime.js';

const rt = runtime();
const deps = { codes: rt.codes, table: rt.config.tableName, codePepper: rt.config.codePepper, identityPepper: rt.config.identityPepper };

export const handler = httpOperation(
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
