import * as z from 'zod/mini';
import type { CheckIdentityResult } from './check-identity.js';
import type { SendCodeResult } from './send-code.js';

/**
 * The success bodies of the HTTP operations, as zod schemas beside the input schemas: the OpenAPI
 * document (openapi/document.ts) is generated from both. The type checks at the end fail the build
 * when a domain result and its schema part ways.
 */
export const CheckIdentityOutput = z.object({
  error_code: z.literal('CBC.0000'),
  error_msg: z.string(),
  check_result: z.enum(['available', 'used_by_user']).register(z.globalRegistry, {
    description: '`available`: the identity can still be used to register; `used_by_user`: it is taken (for a mobile: every slot is).',
  }),
  mobile_remain_available_num: z.optional(
    z.int().check(z.minimum(0)).register(z.globalRegistry, {
      description: 'Only for `search_type` mobile: how many more customers may register with this number.',
    }),
  ),
});

export const SendCodeOutput = z.object({
  expire: z.int().check(z.minimum(1)).register(z.globalRegistry, { description: 'Lifetime of the code, in seconds.' }),
  bindPhone: z.nullable(z.string()).register(z.globalRegistry, {
    description: 'The masked mobile number the code went to (`+86181****2345`), else null.',
  }),
  bindEmail: z.nullable(z.string()).register(z.globalRegistry, {
    description: 'The masked email address the code went to (`tes****ount@huawei.com`), else null.',
  }),
});

/** CBC family error body (check-identity). */
export const CbcErrorBody = z.object({ error_code: z.string(), error_msg: z.string() });

/** USG family error body (send / verify): adds the request id and, for some codes, what the caller can do next. */
export const UsgErrorBody = z.object({
  error_code: z.string(),
  error_msg: z.string(),
  request_id: z.string(),
  remaining_attempts: z.optional(z.int().check(z.minimum(0))),
  retry_after: z.optional(z.int().check(z.minimum(1))),
});

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same = <T extends true>(): T => true as T;
same<Same<Omit<z.output<typeof CheckIdentityOutput>, 'error_code' | 'error_msg'>, CheckIdentityResult>>();
same<Same<z.output<typeof SendCodeOutput>, SendCodeResult>>();
