// Issue 9 item 2: nobody holding one app token can lock a destination. Failure budgets count per requester
// (the app token's subject AND the source address, SPEC §4), under a destination-wide cap (NIST SP 800-63B).
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

import { mintAppToken } from '../../scripts/tokens.js';
import { uniqueMobile as newMobile, uniqueIp } from '../../dev/support/identities.js';
import { harness, setFailureRun, tally, wrongCode, type Harness, type Reply } from './send-code.harness.js';

const uniqueMobile = (): string => newMobile().e164;

const S = 1000;
const DAY = 86_400 * S;

let h: Harness;
let t0: number;
let strangerToken: string;
/** Moves the pipeline clock to t0 + seconds. */
const at = (seconds: number) => h.clock.set(t0 + seconds * S);

beforeAll(async () => {
  h = await harness();
  // Another app's token: what "any app token" means in the finding.
  strangerToken = await mintAppToken(h.config, { subject: 'stranger-app', expiresInSeconds: 3600 });
});

beforeEach(() => {
  t0 = Math.floor(Date.now() / S) * S;
  h.clock.set(t0);
});

const as = (token: string, ip: string) => ({ ip, headers: { 'x-access-token': token } });

/**
 * The stranger's campaign: a CAPTCHA-gated send every 120 s (past the cooldown and the attempt window),
 * each followed by 5 wrong codes from one token and one address.
 */
async function campaign(mobile: string, stranger: { ip: string; headers: Record<string, string> }, cycles: number): Promise<Reply[]> {
  const answers: Reply[] = [];
  for (let cycle = 0; cycle < cycles; cycle++) {
    at(cycle * 120);
    expect((await h.send(mobile, { ip: stranger.ip })).status).toBe(200);
    const code = h.lastCode(mobile);
    for (let i = 1; i <= 5; i++) {
      at(cycle * 120 + i);
      answers.push(await h.verify(mobile, wrongCode(code), stranger));
    }
  }
  return answers;
}

describe('per-requester failure budgets', () => {
  it("a stranger's 20 wrong codes (one app token, one address) do not lock the owner: the owner's next code verifies", async () => {
    const mobile = uniqueMobile();
    const answers = await campaign(mobile, as(strangerToken, uniqueIp()), 4);
    // 10 failures per requester per 24 h, then the requester (not the destination) is refused.
    expect(tally(answers)).toEqual({ '400 USG.201050001': 10, '429 USG.201050003': 10 });
    const refused = answers[10]!;
    // Refused at t0 + 241 s until its first failure (t0 + 1 s) is 24 h old.
    expect(Number(refused.headers['retry-after'])).toBe(86_400 - 240);

    at(600);
    const ownerIp = uniqueIp();
    const sent = await h.send(mobile, { ip: ownerIp });
    expect(sent.status).toBe(200); // actual before the fix: 429 USG.201050003 (destination locked for 24 h)
    expect((await h.verify(mobile, h.lastCode(mobile), as(h.appToken, ownerIp))).status).toBe(200);
  });

  it('a requester out of budget is refused even the right code, and that code stays alive for the owner', async () => {
    const mobile = uniqueMobile();
    const stranger = as(strangerToken, uniqueIp());
    expect(tally(await campaign(mobile, stranger, 2))).toEqual({ '400 USG.201050001': 10 });

    at(240);
    expect((await h.send(mobile)).status).toBe(200);
    const code = h.lastCode(mobile);
    // Without this refusal a requester past its budget could go on guessing: its wrong guesses are not
    // recorded any more, so nothing else would stop it.
    const guessed = await h.verify(mobile, code, stranger);
    expect([guessed.status, guessed.body.error_code]).toEqual([429, 'USG.201050003']); // actual before the fix: 200
    expect((await h.verify(mobile, code)).status).toBe(200);
  });

  it("a requester is the token's subject and the source address: the same token elsewhere, or another token here, has its own budget", async () => {
    const mobile = uniqueMobile();
    const ip = uniqueIp();
    expect(tally(await campaign(mobile, as(strangerToken, ip), 2))).toEqual({ '400 USG.201050001': 10 });

    at(240);
    expect((await h.send(mobile)).status).toBe(200);
    const code = h.lastCode(mobile);
    at(241);
    const sameRequester = await h.verify(mobile, wrongCode(code), as(strangerToken, ip));
    const sameTokenElsewhere = await h.verify(mobile, wrongCode(code), as(strangerToken, uniqueIp()));
    const otherTokenHere = await h.verify(mobile, wrongCode(code), as(h.appToken, ip));
    expect([sameRequester.status, sameRequester.body.error_code]).toEqual([429, 'USG.201050003']); // actual before the fix: 400
    expect([sameTokenElsewhere.status, sameTokenElsewhere.body.error_code]).toEqual([400, 'USG.201050001']);
    expect([otherTokenHere.status, otherTokenHere.body.error_code]).toEqual([400, 'USG.201050001']);
  });

  it('a resend resets no budget: the requester stays refused after new codes until its oldest failure is 24 h old', async () => {
    const mobile = uniqueMobile();
    const stranger = as(strangerToken, uniqueIp());
    await campaign(mobile, stranger, 2); // failures at t0+1 … t0+125

    at(360);
    expect((await h.send(mobile)).status).toBe(200);
    const refused = await h.verify(mobile, wrongCode(h.lastCode(mobile)), stranger);
    expect([refused.status, refused.body.error_code]).toEqual([429, 'USG.201050003']);

    // One second before its first failure leaves the window: still refused; at 24 h: evaluated again.
    h.clock.set(t0 + S + DAY - S);
    expect((await h.send(mobile)).status).toBe(200);
    const code = h.lastCode(mobile);
    expect((await h.verify(mobile, wrongCode(code), stranger)).status).toBe(429);
    h.clock.set(t0 + S + DAY);
    const evaluated = await h.verify(mobile, wrongCode(code), stranger);
    expect([evaluated.status, evaluated.body.error_code]).toEqual([400, 'USG.201050001']);
  });
});

describe('destination-wide cap (NIST SP 800-63B: at most 100 failures per 24 h)', () => {
  it('the 100th failure in 24 h, from any requester, locks the destination for verify and send until 24 h after it', async () => {
    // 100 failures need at least 10 requesters and more codes than the daily send cap issues in one 24 h
    // span, so the destination is brought to 99 failures in its current run directly.
    const mobile = uniqueMobile();
    expect((await h.send(mobile)).status).toBe(200);
    const code = h.lastCode(mobile);
    await setFailureRun(h, mobile, 99, t0 - 3600 * S);

    at(1);
    const hundredth = await h.verify(mobile, wrongCode(code));
    expect([hundredth.status, hundredth.body.error_code, hundredth.body.remaining_attempts]).toEqual([400, 'USG.201050001', 0]);

    at(2);
    const owner = await h.verify(mobile, code);
    expect([owner.status, owner.body.error_code]).toEqual([429, 'USG.201050003']); // actual before the fix: 200
    expect(owner.body.retry_after).toBe(86_400 - 1);
    at(120);
    const send = await h.send(mobile);
    expect([send.status, send.body.error_code]).toEqual([429, 'USG.201050003']);

    h.clock.set(t0 + S + DAY);
    expect((await h.send(mobile)).status).toBe(200);
    expect((await h.verify(mobile, h.lastCode(mobile))).status).toBe(200);
  });
});

describe('what a code is bound to (decision, docs/security.md "What a code is bound to")', () => {
  it('a code is bound to its destination only: a token of another app verifies it', async () => {
    const mobile = uniqueMobile();
    expect((await h.send(mobile)).status).toBe(200);
    expect((await h.verify(mobile, h.lastCode(mobile), as(strangerToken, uniqueIp()))).status).toBe(200);
  });
});
