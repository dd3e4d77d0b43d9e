// A loopback stand-in for hCaptcha's siteverify, written from its documentation:
//   https://docs.hcaptcha.com/#verify-the-user-response-server-side
//   https://docs.hcaptcha.com/#siteverify-error-codes-table
// What it implements, as documented:
// - POST /siteverify with an `application/x-www-form-urlencoded` body ("not JSON"): a body of another type
//   carries no parameters hCaptcha reads, so it is answered as if none were sent;
// - parameters `secret`, `response` (required), `remoteip`, `sitekey` ("the sitekey you expect to see")
//   (optional);
// - tokens are single use and expire (120 s);
// - success answers carry `challenge_ts`, `hostname` and `credit`;
// - error codes missing-input-secret, invalid-input-secret, missing-input-response,
//   invalid-input-response, expired-input-response, already-seen-response, sitekey-secret-mismatch.
import { randomBytes, randomUUID } from 'node:crypto';
import { formParams, startStandInServer, withKnobs, type StandInServer } from './stand-in-server.js';

export const HCAPTCHA_PATH = '/siteverify';
const TOKEN_LIFETIME_MS = 120_000;

interface IssuedToken {
  sitekey: string;
  hostname: string;
  solvedAtMs: number;
  redeemed: boolean;
}

export interface HcaptchaStandIn extends StandInServer {
  url: string;
  /** The account's sitekey, registered with its secret. */
  sitekey: string;
  /** A token as the widget gives it (`h-captcha-response`) once the challenge is passed on `sitekey`. */
  issue(o: { hostname: string; sitekey?: string; solvedAtMs?: number }): string;
  acceptReplays: boolean;
}

const failure = (...codes: string[]) => ({ status: 200, body: { success: false, 'error-codes': codes } });

export async function startHcaptchaStandIn(o: { secret: string; sitekey?: string }): Promise<HcaptchaStandIn> {
  const sitekey = o.sitekey ?? randomUUID();
  const tokens = new Map<string, IssuedToken>();
  const knobs = { acceptReplays: false };

  const server = await startStandInServer(
    (req) => {
      if (req.path !== HCAPTCHA_PATH) return { status: 404, body: '<html><body>Not Found</body></html>' };
      if (req.method !== 'POST') return { status: 405, body: '<html><body>Method Not Allowed</body></html>' };
      const p = formParams(req);
      const secret = p.get('secret');
      const response = p.get('response');
      const expected = p.get('sitekey');
      if (!secret) return failure('missing-input-secret');
      if (secret !== o.secret) return failure('invalid-input-secret');
      if (expected !== null && expected !== sitekey) return failure('sitekey-secret-mismatch');
      if (!response) return failure('missing-input-response');
      const token = tokens.get(response);
      if (!token || (expected !== null && token.sitekey !== expected)) return failure('invalid-input-response');
      if (Date.now() - token.solvedAtMs > TOKEN_LIFETIME_MS) return failure('expired-input-response');
      if (token.redeemed && !knobs.acceptReplays) return failure('already-seen-response');
      token.redeemed = true;
      return {
        status: 200,
        body: { success: true, challenge_ts: new Date(token.solvedAtMs).toISOString(), hostname: token.hostname, credit: false },
      };
    },
    { status: 200, body: { success: true } },
  );

  return withKnobs(server, knobs, {
    url: `${server.origin}${HCAPTCHA_PATH}`,
    sitekey,
    issue(t: { hostname: string; sitekey?: string; solvedAtMs?: number }) {
      const token = `P1_${randomBytes(200).toString('base64url')}`;
      tokens.set(token, { sitekey: t.sitekey ?? sitekey, hostname: t.hostname, solvedAtMs: t.solvedAtMs ?? Date.now(), redeemed: false });
      return token;
    },
  });
}
