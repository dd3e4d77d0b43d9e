import { sendCode, SendCodeInput } from '../shared/domain/send-code.js';
import { publicOperation } from '../shared/middleware/public-operation.js';
import type { Notifier } from '../shared/notify/notifier.js';
import { notifierFor } from '../shared/notify/select.js';
import { runtime, type Runtime } from '../shared/runtime.js';

export function createSendVerificationCodeHandler(rt: Runtime, notifier: Notifier = notifierFor(rt.config)) {
  const deps = {
    registry: rt.registry,
    codes: rt.codes,
    notifier,
    captcha: rt.captcha,
    codePepper: rt.config.codePepper,
    identityPepper: rt.config.identityPepper,
    codeTtlSeconds: rt.config.codeTtlSeconds,
    enumerationProtection: rt.config.enumerationProtection,
    sms: rt.config.sms,
  };

  return publicOperation(
    {
      operation: 'sendVerificationCode',
      // No caller auth: the CAPTCHA pass in the body is checked by the domain, bound to `user`.
      authenticate: undefined,
      input: SendCodeInput,
      run: (input, ctx) => sendCode(deps, input, ctx),
    },
    rt,
  );
}

export const handler = createSendVerificationCodeHandler(runtime());
