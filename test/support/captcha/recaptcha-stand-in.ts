// A loopback stand-in for Google reCAPTCHA's siteverify (v2 and v3 keys), written from its documentation:
//   https://developers.google.com/recaptcha/docs/verify
//   https://developers.google.com/recaptcha/docs/v3 ("Site Verify Response": score, action)
// What it implements, as documented:
// - POST /recaptcha/api/siteverify with the POST parameters `secret`, `response` (required) and
//   `remoteip` (optional), form-encoded: a body of another type carries no parameter it reads;
// - "Each reCAPTCHA user response token is valid for two minutes, and can only be verified once";
// - answers `success`, `challenge_ts`, `hostname`, `error-codes`, and for a v3 key `score` and `action`;
// - error codes missing-input-secret, invalid-input-secret, missing-input-response,
//   invalid-input-response, bad-request, timeout-or-duplicate ("either is too old or has been used
//   previously").
import { randomBytes } from 'node:crypto';
import { formParams, startStandInServer, withKnobs, type StandInServer } from './stand-in-server.js';

export const RECAPTCHA_PATH = '/recaptcha/api/siteverify';
const TOKEN_LIFETIME_MS = 120_000;

interface IssuedToken {
  hostname: string;
  action: string;
  score: number;
  solvedAtMs: number;
  redeemed: boolean;
}

export interface RecaptchaStandIn extends StandInServer {
  url: string;
  /** A token as `grecaptcha` gives it (v2: the checkbox solved; v3: `execute` with `action`, scored `score`). */
  issue(o: { hostname: string; action?: string; score?: number; solvedAtMs?: number }): string;
  acceptReplays: boolean;
}

export async function startRecaptchaStandIn(o: { secret: string; version: 2 | 3 }): Promise<RecaptchaStandIn> {
  const tokens = new Map<string, IssuedToken>();
  const knobs = { acceptReplays: false };
  const failure = (...codes: string[]) => ({ status: 200, body: { success: false, 'error-codes': codes } });

  const server = await startStandInServer(
    (req) => {
      if (req.path !== RECAPTCHA_PATH) return { status: 404, body: '<html><body>Not Found</body></html>' };
      if (req.method !== 'POST') return { status: 405, body: '<html><body>Method Not Allowed</body></html>' };
      const p = formParams(req);
      const secret = p.get('secret');
      const response = p.get('response');
      const missing = [...(secret ? [] : ['missing-input-secret']), ...(response ? [] : ['missing-input-response'])];
      if (missing.length > 0) return failure(...missing);
      if (secret !== o.secret) return failure('invalid-input-secret');
      const token = tokens.get(response!);
      if (!token) return failure('invalid-input-response');
      if (Date.now() - token.solvedAtMs > TOKEN_LIFETIME_MS || (token.redeemed && !knobs.acceptReplays))
        return failure('timeout-or-duplicate');
      token.redeemed = true;
      const base = { success: true, challenge_ts: new Date(token.solvedAtMs).toISOString(), hostname: token.hostname };
      return { status: 200, body: o.version === 3 ? { ...base, score: token.score, action: token.action } : base };
    },
    { status: 200, body: { success: true } },
  );

  return withKnobs(server, knobs, {
    url: `${server.origin}${RECAPTCHA_PATH}`,
    issue(t: { hostname: string; action?: string; score?: number; solvedAtMs?: number }) {
      const token = `03A${randomBytes(300).toString('base64url')}`;
      tokens.set(token, {
        hostname: t.hostname,
        action: t.action ?? '',
        score: t.score ?? 0.9,
        solvedAtMs: t.solvedAtMs ?? Date.now(),
        redeemed: false,
      });
      return token;
    },
  });
}
