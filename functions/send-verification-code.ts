import { sendCode, SendCodeInput } from '../shared/domain/send-code.js';
import { publicOperation } from '../shared/middleware/public-operation.js';
import {
  captchaOf,
  codeSendsOf,
  deliveryRequestsOf,
  loadCoreRuntime,
  registryOf,
  suppressionsOf,
  countryBudgetOf,
  type LoadOptions,
} from '../shared/runtime.js';

/**
 * sendVerificationCode's parts, from its own secrets: CAPTCHA secret, code pepper, identity pepper, and
 * the delivery request key its delivery requests are sealed under. No notifier: deliverCode sends the messages.
 * It reads the suppressions (one item per send) and writes none.
 */
export async function loadSendVerificationCodeRuntime(options?: LoadOptions) {
  const core = await loadCoreRuntime('sendVerificationCode', options);
  return {
    ...core,
    registry: registryOf(core),
    sends: codeSendsOf(core, deliveryRequestsOf(core)),
    suppressions: suppressionsOf(core),
    countryBudget: countryBudgetOf(core),
    captcha: captchaOf(core),
  };
}
export type SendVerificationCodeRuntime = Awaited<ReturnType<typeof loadSendVerificationCodeRuntime>>;

export function createSendVerificationCodeHandler(rt: SendVerificationCodeRuntime) {
  const deps = {
    registry: rt.registry,
    sends: rt.sends,
    suppressions: rt.suppressions,
    countryBudget: rt.countryBudget,
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

export const handler = createSendVerificationCodeHandler(await loadSendVerificationCodeRuntime());
