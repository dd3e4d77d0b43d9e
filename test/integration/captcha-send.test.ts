// sendVerificationCode with a CAPTCHA provider configured, against DynamoDB Local and the provider's
// loopback stand-in: Turnstile end to end (binding to `user` by cData, the claim refusing a replay, a
// provider that hangs or fails), and every other provider's replay refused by the claim even where the
// provider would accept the token twice.
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { turnstileCData } from '../../client/captcha.js';
import { httpEvent, type LambdaHttpResult } from '../../dev/support/events.js';
import { uniqueEmail, uniqueIp, uniqueMobile } from '../../dev/support/identities.js';
import { LOCAL_SECRETS } from '../../shared/local-defaults.js';
import { OPERATIONS } from '../../shared/operations.js';
import { ANSWER_RESERVE_MS } from '../../shared/policy.js';
import { startGeetestStandIn } from '../support/captcha/geetest-stand-in.js';
import { startHcaptchaStandIn } from '../support/captcha/hcaptcha-stand-in.js';
import { startRecaptchaStandIn } from '../support/captcha/recaptcha-stand-in.js';
import type { StandInServer } from '../support/captcha/stand-in-server.js';
import { startTurnstileStandIn, type TurnstileStandIn } from '../support/captcha/turnstile-stand-in.js';
import { harness, type Harness, type Reply } from './send-code.harness.js';

// The local stage's CAPTCHA secret: the stand-ins hold the same one, as a provider holds the operator's.
const SECRET = LOCAL_SECRETS.captchaSecret;
const HOST = 'verify.example.com';

/** The request's one audit record's detail. */
async function auditDetailOf(h: Harness, reply: Reply): Promise<Record<string, unknown>> {
  const records = await h.auditRecords(reply.requestId);
  expect(records).toHaveLength(1);
  return (records[0]!.detail ?? {}) as Record<string, unknown>;
}

describe('send with Turnstile', () => {
  let standIn: TurnstileStandIn;
  let h: Harness;
  const pass = async (user: string, o: { hostname?: string } = {}) =>
    standIn.issue({ hostname: o.hostname ?? HOST, action: 'send_code', cdata: await turnstileCData(user) });

  beforeAll(async () => {
    standIn = await startTurnstileStandIn({ secret: SECRET });
    h = await harness({
      env: { CAPTCHA_PROVIDER: 'turnstile', CAPTCHA_VERIFY_URL: standIn.url, CAPTCHA_HOSTNAMES: HOST, CAPTCHA_ACTION: 'send_code' },
    });
  });
  afterAll(() => standIn.close());

  it('refuses a pass bound to another user (cData): 403, nothing sent, `user` in the audit', async () => {
    h.clock.set(Date.now());
    const mobile = uniqueMobile().e164;
    const reply = await h.send(mobile, { token: await pass(uniqueMobile().e164) });
    expect([reply.status, reply.body.error_code]).toEqual([403, 'USG.000000006']);
    expect(h.messagesTo(mobile)).toHaveLength(0);
    expect(await auditDetailOf(h, reply)).toEqual({ captcha: 'user', captchaProvider: 'turnstile' });
  });

  it('sends the code for the right pass (200, a code in the outbox); the same pass again is 403, claimed, though Turnstile takes it', async () => {
    h.clock.set(Date.now());
    const email = uniqueEmail();
    const token = await pass(email);
    const first = await h.send(email, { token });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ bindEmail: expect.any(String) });
    expect(h.messagesTo(email)).toHaveLength(1);
    expect(h.lastCode(email)).toMatch(/^\d{6}$/);

    // Past the destination's cooldown, so only the claim can refuse it.
    h.clock.advance(61_000);
    const asked = standIn.requests.length;
    const replay = await h.send(email, { token, ip: uniqueIp() });
    expect([replay.status, replay.body.error_code]).toEqual([403, 'USG.000000006']);
    expect(standIn.requests.length).toBe(asked + 1); // Turnstile was asked, and answered success (same idempotency key)
    expect(h.messagesTo(email)).toHaveLength(1);
    expect(await auditDetailOf(h, replay)).toMatchObject({ channel: 'email', captcha: 'reused', captchaProvider: 'turnstile' });
  });

  it('refuses a pass solved on another site: 403, `hostname` in the audit', async () => {
    h.clock.set(Date.now());
    const mobile = uniqueMobile().e164;
    const reply = await h.send(mobile, { token: await pass(mobile, { hostname: 'evil.example.net' }) });
    expect([reply.status, reply.body.error_code]).toEqual([403, 'USG.000000006']);
    expect(await auditDetailOf(h, reply)).toEqual({ captcha: 'hostname', captchaProvider: 'turnstile', captchaHostname: 'evil.example.net' });
  });

  it('answers 503 with Retry-After within the request’s budget when Turnstile hangs, and sends nothing', async () => {
    h.clock.set(Date.now());
    const mobile = uniqueMobile().e164;
    const token = await pass(mobile);
    standIn.fault = 'hang';
    try {
      const workMs = 600;
      const event = httpEvent(OPERATIONS.sendVerificationCode.route.path, { user: mobile, token }, {}, uniqueIp());
      const context = { getRemainingTimeInMillis: () => ANSWER_RESERVE_MS + workMs } as Context;
      const started = performance.now();
      const res = (await (h.sendHandler as (e: unknown, c: Context) => Promise<LambdaHttpResult>)(event, context)) as LambdaHttpResult;
      expect(performance.now() - started).toBeLessThan(ANSWER_RESERVE_MS + workMs);
      const body = JSON.parse(res.body) as Record<string, unknown>;
      expect([res.statusCode, body.error_code, res.headers['retry-after'], body.retry_after]).toEqual([503, 'USG.000000503', '5', 5]);
      await h.delivery.drain();
      expect(h.messagesTo(mobile)).toHaveLength(0);
      const detail = await auditDetailOf(h, { requestId: res.headers['x-request-id']! } as Reply);
      expect(detail).toEqual({ captcha: 'timeout', captchaProvider: 'turnstile' });
    } finally {
      standIn.fault = 'none';
    }
  });

  it('answers 503 when Turnstile answers 502, and the same pass is good once it is back (nothing was claimed)', async () => {
    h.clock.set(Date.now());
    const mobile = uniqueMobile().e164;
    const token = await pass(mobile);
    standIn.fault = 'status-502';
    const down = await h.send(mobile, { token });
    standIn.fault = 'none';
    expect([down.status, down.body.error_code, down.headers['retry-after']]).toEqual([503, 'USG.000000503', '5']);
    expect(await auditDetailOf(h, down)).toEqual({ captcha: 'status', captchaProvider: 'turnstile', captchaStatus: 502 });
    expect((await h.send(mobile, { token })).status).toBe(200);
    expect(h.messagesTo(mobile)).toHaveLength(1);
  });
});

describe.each([
  [
    'hcaptcha',
    async () => {
      const standIn = await startHcaptchaStandIn({ secret: SECRET });
      const env = { CAPTCHA_PROVIDER: 'hcaptcha', CAPTCHA_VERIFY_URL: standIn.url, CAPTCHA_HOSTNAMES: HOST, HCAPTCHA_SITEKEY: standIn.sitekey };
      return { standIn, env, pass: () => standIn.issue({ hostname: HOST }) };
    },
  ],
  [
    'recaptcha',
    async () => {
      const standIn = await startRecaptchaStandIn({ secret: SECRET, version: 3 });
      const env = {
        CAPTCHA_PROVIDER: 'recaptcha',
        CAPTCHA_VERIFY_URL: standIn.url,
        CAPTCHA_HOSTNAMES: HOST,
        RECAPTCHA_MIN_SCORE: '0.5',
        CAPTCHA_ACTION: 'send_code',
      };
      return { standIn, env, pass: () => standIn.issue({ hostname: HOST, action: 'send_code', score: 0.9 }) };
    },
  ],
  [
    'geetest',
    async () => {
      const captchaId = '647f5ed2ed8acb4be36784e01556bb71';
      const standIn = await startGeetestStandIn({ captchaId, captchaKey: SECRET });
      const env = { CAPTCHA_PROVIDER: 'geetest', CAPTCHA_VERIFY_URL: standIn.url, GEETEST_CAPTCHA_ID: captchaId };
      return { standIn, env, pass: () => JSON.stringify(standIn.issue()) };
    },
  ],
] as const)('send with %s', (provider, start) => {
  let s: { standIn: StandInServer & { acceptReplays: boolean }; env: Record<string, string>; pass: () => string };
  let h: Harness;

  beforeAll(async () => {
    s = await start();
    h = await harness({ env: s.env });
  });
  afterAll(() => s.standIn.close());

  it('sends the code for a good pass; spent again, even for another user and with the provider taking it twice, it is 403', async () => {
    h.clock.set(Date.now());
    const token = s.pass();
    const mobile = uniqueMobile().e164;
    expect((await h.send(mobile, { token })).status).toBe(200);
    expect(h.messagesTo(mobile)).toHaveLength(1);

    s.standIn.acceptReplays = true;
    const other = uniqueMobile().e164;
    const replay = await h.send(other, { token, ip: uniqueIp() });
    expect([replay.status, replay.body.error_code]).toEqual([403, 'USG.000000006']);
    expect(h.messagesTo(other)).toHaveLength(0);
    expect(await auditDetailOf(h, replay)).toMatchObject({ channel: 'sms', captcha: 'reused', captchaProvider: provider });
  });
});
