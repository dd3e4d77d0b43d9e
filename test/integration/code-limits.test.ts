// The time-based limits of sending and verifying, at their edges, with the pipeline clock under test
// control (every request reads the clock once; CAPTCHA passes are minted at the clock's time).
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { uniqueIp, uniqueMobile } from '../../dev/support/identities.js';
import { harness, wrongCode, type Harness } from './send-code.harness.js';

const S = 1000;
const DAY = 86_400 * S;

let h: Harness;
let t0: number;
/** Moves the pipeline clock to t0 + seconds. */
const at = (seconds: number) => h.clock.set(t0 + seconds * S);

beforeAll(async () => {
  h = await harness();
});

beforeEach(() => {
  // Whole seconds, close to the real time (TTL values stay in the future).
  t0 = Math.floor(Date.now() / S) * S;
  h.clock.set(t0);
});

function expectRefusal(
  r: { status: number; body: Record<string, unknown>; headers: Record<string, string> },
  status: number,
  code: string,
) {
  expect([r.status, r.body.error_code]).toEqual([status, code]);
}

describe('verify: attempt window, code lifetime, per-code tries', () => {
  it('5 attempts in any 60 s: the 6th at +59 s is refused, at +61 s it is evaluated (window separate from the per-code limit)', async () => {
    // A code dies after 5 wrong tries, so "evaluated at +61 s" must be shown with a *live* code:
    //   t = 0       send code A
    //   t = 60..64  five wrong attempts on A (A is now dead, and the attempt window is full: 60..64)
    //   t = 65      resend → code B (60 s after A's send: the send cooldown allows it)
    //   t = 119     (= 60 + 59) the RIGHT code B → 429: the window still holds the attempt at t=60
    //   t = 121     (= 60 + 61) the RIGHT code B → 200: the attempt at t=60 has left the window
    const mobile = uniqueMobile().e164;
    const ip = uniqueIp();
    expect((await h.send(mobile, { ip })).status).toBe(200);
    const codeA = h.lastCode(mobile);
    for (let i = 0; i < 5; i++) {
      at(60 + i);
      const r = await h.verify(mobile, wrongCode(codeA), { ip });
      expectRefusal(r, 400, 'USG.201050001');
      expect(r.body.remaining_attempts).toBe(4 - i);
    }
    at(65);
    expect((await h.send(mobile, { ip })).status).toBe(200);
    const codeB = h.lastCode(mobile);

    at(119);
    const refused = await h.verify(mobile, codeB, { ip });
    expectRefusal(refused, 429, 'USG.201050003');
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body.retry_after).toBe(1);

    at(121);
    const accepted = await h.verify(mobile, codeB, { ip });
    expect(accepted.status).toBe(200);
    expect(accepted.raw).toBe('');
  });

  it('a code is accepted at 179 s and refused at 180 s (lifetime 180 s): 400 USG.201050002', async () => {
    const early = uniqueMobile().e164;
    const late = uniqueMobile().e164;
    expect((await h.send(early)).status).toBe(200);
    expect((await h.send(late)).status).toBe(200);
    at(179);
    expect((await h.verify(early, h.lastCode(early))).status).toBe(200);
    at(180);
    expectRefusal(await h.verify(late, h.lastCode(late)), 400, 'USG.201050002');
    at(181);
    expectRefusal(await h.verify(late, h.lastCode(late)), 400, 'USG.201050002');
  });

  it('a code dies after 5 wrong tries: the 6th try with the RIGHT code → 400 USG.201050002', async () => {
    const mobile = uniqueMobile().e164;
    expect((await h.send(mobile)).status).toBe(200);
    const code = h.lastCode(mobile);
    for (let i = 0; i < 5; i++) {
      at(i);
      expectRefusal(await h.verify(mobile, wrongCode(code)), 400, 'USG.201050001');
    }
    // Past the attempt window (else this would be a 429), within the code's lifetime.
    at(61);
    expectRefusal(await h.verify(mobile, code), 400, 'USG.201050002');
  });

  it('10 failed attempts in 24 h refuse that requester (not the destination); a resend does not reset its budget; it lifts when the window passes', async () => {
    // Cycles 120 s apart (past the send cooldown and the attempt window), each with a fresh code, all
    // from one app token and one source address (one requester):
    //   cycles 1-2: send, 5 wrong tries (10 failures: the requester's daily budget);
    //   cycle 3: send — a fresh code, but the requester is refused even its right code.
    const mobile = uniqueMobile().e164;
    const ip = uniqueIp();
    const firstFailureAt = 1; // seconds after t0
    const remaining: number[][] = [];
    for (let cycle = 0; cycle < 2; cycle++) {
      at(cycle * 120);
      expect((await h.send(mobile, { ip })).status).toBe(200);
      const code = h.lastCode(mobile);
      const left: number[] = [];
      for (let i = 1; i <= 5; i++) {
        at(cycle * 120 + i);
        const r = await h.verify(mobile, wrongCode(code), { ip });
        expectRefusal(r, 400, 'USG.201050001');
        left.push(Number(r.body.remaining_attempts));
      }
      remaining.push(left);
    }
    expect(remaining).toEqual([
      [4, 3, 2, 1, 0],
      [4, 3, 2, 1, 0],
    ]);

    at(240);
    expect((await h.send(mobile, { ip })).status).toBe(200); // sends are not refused: the destination is not locked
    const code3 = h.lastCode(mobile);
    at(241);
    const refused = await h.verify(mobile, code3, { ip });
    expectRefusal(refused, 429, 'USG.201050003');
    const untilRoom = 86_400 - (241 - firstFailureAt);
    expect(refused.headers['retry-after']).toBe(String(untilRoom));
    expect(refused.body.retry_after).toBe(untilRoom);

    // One second before its oldest failure leaves the window: still refused; then its code verifies.
    h.clock.set(t0 + firstFailureAt * S + DAY - S);
    expect((await h.send(mobile, { ip })).status).toBe(200);
    const code4 = h.lastCode(mobile);
    expectRefusal(await h.verify(mobile, code4, { ip }), 429, 'USG.201050003');
    h.clock.set(t0 + firstFailureAt * S + DAY);
    expect((await h.verify(mobile, code4, { ip })).status).toBe(200);
  });
});

describe('send limits', () => {
  it('one send per 60 s: a second send at +59 s → 429 USG.201050004 (Retry-After 1), at +61 s → 200', async () => {
    const mobile = uniqueMobile().e164;
    const ip = uniqueIp();
    expect((await h.send(mobile, { ip })).status).toBe(200);
    at(59);
    const refused = await h.send(mobile, { ip });
    expectRefusal(refused, 429, 'USG.201050004');
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body.retry_after).toBe(1);
    at(61);
    expect((await h.send(mobile, { ip })).status).toBe(200);
    expect(h.messagesTo(mobile)).toHaveLength(2);
    // The resend replaced the first code.
    const [first, second] = h.messagesTo(mobile);
    if (first!.code !== second!.code) expectRefusal(await h.verify(mobile, first!.code, { ip }), 400, 'USG.201050001');
    expect((await h.verify(mobile, second!.code, { ip })).status).toBe(200);
  });

  it('10 sends per 24 h: the 11th (61 s after the 10th) → 429 USG.201050004 until the first leaves the window', async () => {
    const mobile = uniqueMobile().e164;
    const ip = uniqueIp();
    for (let i = 0; i < 10; i++) {
      at(i * 61);
      const r = await h.send(mobile, { ip });
      expect({ i, status: r.status }).toEqual({ i, status: 200 });
    }
    at(10 * 61);
    const refused = await h.send(mobile, { ip });
    expectRefusal(refused, 429, 'USG.201050004');
    expect(refused.body.retry_after).toBe(86_400 - 610);
    expect(refused.headers['retry-after']).toBe(String(86_400 - 610));
    expect(h.messagesTo(mobile)).toHaveLength(10);
    h.clock.set(t0 + DAY);
    expect((await h.send(mobile, { ip })).status).toBe(200);
  });

  it('30 sends per source IP per hour: the 31st (another destination) → 429 USG.201050004; allowed again after the hour', async () => {
    const ip = uniqueIp();
    for (let i = 0; i < 30; i++) {
      at(i);
      const r = await h.send(uniqueMobile().e164, { ip });
      expect({ i, status: r.status }).toEqual({ i, status: 200 });
    }
    at(30);
    const to = uniqueMobile().e164;
    const refused = await h.send(to, { ip });
    expectRefusal(refused, 429, 'USG.201050004');
    expect(refused.body.retry_after).toBe(3600 - 30);
    expect(refused.headers['retry-after']).toBe(String(3600 - 30));
    expect(h.messagesTo(to)).toHaveLength(0);
    // Another IP is not affected; the same IP is again once the first send is an hour old.
    expect((await h.send(to, { ip: uniqueIp() })).status).toBe(200);
    at(3600);
    expect((await h.send(uniqueMobile().e164, { ip })).status).toBe(200);
  });
});
