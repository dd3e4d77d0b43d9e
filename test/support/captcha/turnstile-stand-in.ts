// A loopback stand-in for Cloudflare Turnstile's Siteverify API, written from its documentation:
//   https://developers.cloudflare.com/turnstile/get-started/server-side-validation/
//   https://developers.cloudflare.com/turnstile/get-started/client-side-rendering/widget-configurations/
// What it implements, as documented:
// - POST /turnstile/v0/siteverify; "accepts application/x-www-form-urlencoded and application/json
//   requests", the response is always JSON with `success` and `error-codes`;
// - parameters `secret`, `response` (required), `remoteip`, `idempotency_key` ("The UUID to be
//   associated with the response") (optional);
// - "A Turnstile token can have up to 2048 characters. It is also valid for 300 seconds";
// - "The siteverify API will only validate a token once": a second validation is refused, unless it
//   carries the idempotency_key of the first, which gets the first answer again;
// - success answers carry `challenge_ts`, `hostname`, `action` and `cdata` as the widget set them;
// - error codes missing-input-secret, invalid-input-secret, missing-input-response,
//   invalid-input-response, bad-request, timeout-or-duplicate, internal-error.
import { randomBytes } from 'node:crypto';
import { formParams, startStandInServer, withKnobs, type StandInRequest, type StandInServer } from './stand-in-server.js';

export const TURNSTILE_PATH = '/turnstile/v0/siteverify';
const TOKEN_LIFETIME_MS = 300_000;
const TOKEN_MAX_CHARS = 2048;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface IssuedToken {
  hostname: string;
  action: string;
  cdata: string;
  solvedAtMs: number;
  /** The first successful validation: its idempotency key and answer. */
  redeemed?: { idempotencyKey: string | undefined; answer: Record<string, unknown> };
}

export interface TurnstileStandIn extends StandInServer {
  /** The Siteverify URL (CAPTCHA_VERIFY_URL). */
  url: string;
  /** A token as the widget hands it to the page's callback once the challenge is solved. */
  issue(o: { hostname: string; action?: string; cdata?: string; solvedAtMs?: number }): string;
  /** Validates a token as often as it is asked (as if Turnstile had not yet converged on its first use). */
  acceptReplays: boolean;
  /** Answers `internal-error` ("The request can be retried"). */
  internalError: boolean;
}

const failure = (...codes: string[]) => ({ status: 200, body: { success: false, 'error-codes': codes } });

export async function startTurnstileStandIn(o: { secret: string }): Promise<TurnstileStandIn> {
  const tokens = new Map<string, IssuedToken>();
  // The protocol reads the knobs from the stand-in itself, which is made once the server listens.
  const knobs = { acceptReplays: false, internalError: false };

  function params(req: StandInRequest): Record<string, unknown> | undefined {
    if (req.contentType === 'application/x-www-form-urlencoded') return Object.fromEntries(formParams(req));
    if (req.contentType === 'application/json') {
      try {
        const value: unknown = JSON.parse(req.body);
        return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
      } catch {
        return undefined;
      }
    }
    return undefined;
  }

  const server = await startStandInServer(
    (req) => {
      if (req.path !== TURNSTILE_PATH) return { status: 404, body: '<html><body>Not Found</body></html>' };
      if (req.method !== 'POST') return { status: 405, body: '<html><body>Method Not Allowed</body></html>' };
      const p = params(req);
      if (!p) return failure('bad-request');
      if (knobs.internalError) return failure('internal-error');
      const { secret, response, idempotency_key: idempotencyKey } = p;
      if (secret === undefined || secret === '') return failure('missing-input-secret');
      if (secret !== o.secret) return failure('invalid-input-secret');
      if (response === undefined || response === '') return failure('missing-input-response');
      if (idempotencyKey !== undefined && (typeof idempotencyKey !== 'string' || !UUID.test(idempotencyKey))) return failure('bad-request');
      const token = typeof response === 'string' && response.length <= TOKEN_MAX_CHARS ? tokens.get(response) : undefined;
      if (!token) return failure('invalid-input-response');
      if (Date.now() - token.solvedAtMs > TOKEN_LIFETIME_MS) return failure('timeout-or-duplicate');
      if (token.redeemed) {
        const sameRetry = idempotencyKey !== undefined && idempotencyKey === token.redeemed.idempotencyKey;
        if (!sameRetry && !knobs.acceptReplays) return failure('timeout-or-duplicate');
        return { status: 200, body: token.redeemed.answer };
      }
      const answer = {
        success: true,
        'error-codes': [],
        challenge_ts: new Date(token.solvedAtMs).toISOString(),
        hostname: token.hostname,
        action: token.action,
        cdata: token.cdata,
        metadata: { interactive: false },
      };
      token.redeemed = { idempotencyKey: idempotencyKey as string | undefined, answer };
      return { status: 200, body: answer };
    },
    // A "success" that says nothing of where or for what the challenge was solved.
    { status: 200, body: { success: true } },
  );

  return withKnobs(server, knobs, {
    url: `${server.origin}${TURNSTILE_PATH}`,
    issue(t: { hostname: string; action?: string; cdata?: string; solvedAtMs?: number }) {
      const token = `0.${randomBytes(160).toString('base64url')}`;
      tokens.set(token, { hostname: t.hostname, action: t.action ?? '', cdata: t.cdata ?? '', solvedAtMs: t.solvedAtMs ?? Date.now() });
      return token;
    },
  });
}
