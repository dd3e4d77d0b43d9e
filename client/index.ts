// The typed verigate client: openapi-fetch over the types openapi-typescript generates from
// openapi/openapi.json (client/schema.d.ts, `npm run openapi`). Runs in browsers and in Node 20+.
import createClient, { type ClientOptions, type Client } from 'openapi-fetch';
import type { components, paths } from './schema.js';

export type { components, paths };
export type VerigateClient = Client<paths>;

export type CheckIdentityInput = components['schemas']['CheckIdentityInput'];
export type CheckIdentityOutput = components['schemas']['CheckIdentityOutput'];
export type SendCodeInput = components['schemas']['SendCodeInput'];
export type SendCodeOutput = components['schemas']['SendCodeOutput'];
export type VerifyCodeInput = components['schemas']['VerifyCodeInput'];
/** check-identity's error body. */
export type CbcError = components['schemas']['CbcError'];
/** send's and verify's error body: `request_id`, and `remaining_attempts` / `retry_after` where they apply. */
export type UsgError = components['schemas']['UsgError'];

export type Language = 'zh-CN' | 'en-US';

export interface VerigateClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** The API's base URL, e.g. `http://127.0.0.1:3000` for `npm start`. */
  baseUrl: string;
  /** Sent as Accept-Language on every request unless a call sets its own. */
  language?: Language;
}

/**
 * A client for the three HTTP operations:
 *
 *   const api = createVerigateClient({ baseUrl, language: 'en-US' });
 *   const { data, error, response } = await api.POST('/v1/usg/acs/verifycode/send', { body: { user, token } });
 */
export function createVerigateClient({ language, ...options }: VerigateClientOptions): VerigateClient {
  const client = createClient<paths>(options);
  if (language) {
    client.use({
      onRequest: ({ request }) => {
        if (!request.headers.has('accept-language')) request.headers.set('accept-language', language);
        return request;
      },
    });
  }
  return client;
}

/** The seconds of a `Retry-After` answer (delta-seconds, as verigate sends it), else undefined. */
export function retryAfterSeconds(response: Response): number | undefined {
  const raw = response.headers.get('retry-after');
  if (raw === null || !/^\d+$/.test(raw.trim())) return undefined;
  return Number(raw.trim());
}

/** The request id the service answered with (for support requests and its audit trail). */
export const requestIdOf = (response: Response): string | undefined => response.headers.get('x-request-id') ?? undefined;

/** The Turnstile widget's `cData` that binds its pass to `user` (docs/captcha.md). */
export { normalizedUser, turnstileCData, userBinding } from './captcha.js';
