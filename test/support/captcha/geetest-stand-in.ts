// A loopback stand-in for GeeTest CAPTCHA v4's secondary validation (二次校验), written from its documentation:
//   https://docs.geetest.com/BehaviorVerification/deploy/server/
//   https://docs.geetest.com/gt4/apirefer/api/server
//   https://github.com/GeeTeam/gt4_node_express_demo (the documentation's Node demo: captcha_id in the query)
// What it implements, as documented:
// - GET or POST /validate, `application/x-www-form-urlencoded`, answered with JSON; parameters
//   `lot_number`, `captcha_output`, `pass_token`, `gen_time`, `captcha_id`, `sign_token`, where
//   sign_token is the HMAC-SHA256 (hex) of lot_number under the captcha key;
// - the three documented answers: success ({"status": "success", "result": "success", "reason": "",
//   "captcha_args": {...}}), failure ({"result": "fail", "reason": "pass_token expire", ...}) and the
//   abnormal request ({"status": "error", "code": "-50005", "msg": "illegal gen_time", "desc": {...}}).
// The documentation shows one abnormal answer and one failure reason; the stand-in answers its other
// abnormal requests in that shape with codes of its own (-50001..), and its other failures with reasons
// of its own. It holds a pass for 10 minutes from gen_time and validates it once (GeeTest documents
// neither number: `acceptReplays` lets a test validate it again).
import { createHmac, randomBytes } from 'node:crypto';
import { startStandInServer, withKnobs, type StandInServer } from './stand-in-server.js';

export const GEETEST_PATH = '/validate';
const PASS_LIFETIME_SECONDS = 600;

/** The widget's `getValidate()` result: what the page JSON-encodes into send's `token`. */
export interface GeetestValidateResult {
  lot_number: string;
  captcha_output: string;
  pass_token: string;
  gen_time: string;
  captcha_id: string;
}

export interface GeetestStandIn extends StandInServer {
  url: string;
  captchaId: string;
  /** The result of a passed puzzle, as `captchaObj.getValidate()` returns it. */
  issue(o?: { genTimeSeconds?: number; captchaId?: string }): GeetestValidateResult;
  acceptReplays: boolean;
}

const abnormal = (code: string, msg: string) => ({ status: 200, body: { status: 'error', code, msg, desc: { type: 'defined error' } } });
const fail = (reason: string) => ({ status: 200, body: { status: 'success', result: 'fail', reason, captcha_args: {} } });

export async function startGeetestStandIn(o: { captchaId: string; captchaKey: string }): Promise<GeetestStandIn> {
  const passes = new Map<string, GeetestValidateResult & { redeemed: boolean }>();
  const knobs = { acceptReplays: false };

  const server = await startStandInServer(
    (req) => {
      if (req.path !== GEETEST_PATH) return { status: 404, body: '<html><body>Not Found</body></html>' };
      if (req.method !== 'GET' && req.method !== 'POST') return { status: 405, body: '<html><body>Method Not Allowed</body></html>' };
      const p = new URLSearchParams(req.query);
      if (req.method === 'POST' && req.contentType === 'application/x-www-form-urlencoded')
        for (const [k, v] of new URLSearchParams(req.body)) p.set(k, v);
      const [captchaId, lot, output, passToken, genTime, sign] = [
        'captcha_id',
        'lot_number',
        'captcha_output',
        'pass_token',
        'gen_time',
        'sign_token',
      ].map((k) => p.get(k) ?? '') as [string, string, string, string, string, string];
      if (!captchaId) return abnormal('-50001', 'missing captcha_id');
      if (captchaId !== o.captchaId) return abnormal('-50002', 'illegal captcha_id');
      if (!lot || !output || !passToken || !sign) return abnormal('-50003', 'missing parameter');
      if (!/^\d+$/.test(genTime)) return abnormal('-50005', 'illegal gen_time');
      if (sign !== createHmac('sha256', o.captchaKey).update(lot).digest('hex')) return fail('sign_token error');
      const pass = passes.get(lot);
      if (!pass || pass.captcha_output !== output || pass.pass_token !== passToken || pass.gen_time !== genTime)
        return fail('pass_token error');
      if (Date.now() / 1000 - Number(genTime) > PASS_LIFETIME_SECONDS) return fail('pass_token expire');
      if (pass.redeemed && !knobs.acceptReplays) return fail('pass_token used');
      pass.redeemed = true;
      return {
        status: 200,
        body: {
          status: 'success',
          result: 'success',
          reason: '',
          captcha_args: { used_type: 'slide', user_ip: '127.0.0.1', lot_number: lot, scene: '反爬虫', referer: 'http://127.0.0.1/' },
        },
      };
    },
    // Request status, no result.
    { status: 200, body: { status: 'success' } },
  );

  return withKnobs(server, knobs, {
    url: `${server.origin}${GEETEST_PATH}`,
    captchaId: o.captchaId,
    issue(t: { genTimeSeconds?: number; captchaId?: string } = {}) {
      const result: GeetestValidateResult = {
        lot_number: randomBytes(16).toString('hex'),
        captcha_output: randomBytes(96).toString('base64url'),
        pass_token: randomBytes(32).toString('hex'),
        gen_time: String(t.genTimeSeconds ?? Math.floor(Date.now() / 1000)),
        captcha_id: t.captchaId ?? o.captchaId,
      };
      passes.set(result.lot_number, { ...result, redeemed: false });
      return result;
    },
  });
}
