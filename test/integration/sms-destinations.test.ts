// Issue 9 item 9 (SMS pumping): SMS goes only to numbers that can receive SMS, in the country allow-list,
// within a per-country hourly budget (SPEC §4); a refused number is a 400 before anything is sent.
import { beforeAll, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

import { randomUUID } from 'node:crypto';
import { uniqueMobile as newMobile, uniqueEmail, uniqueIp } from '../../dev/support/identities.js';
import { harness, tally, type Harness } from './send-code.harness.js';

const uniqueMobile = (): string => newMobile().e164;

const HOUR = 3_600_000;

let h: Harness;

beforeAll(async () => {
  h = await harness();
  h.clock.set(Date.now());
});

/** A harness of its own (own table, own budgets), its clock `minutesIntoHour` into the current hour. */
async function budgeted(env: Record<string, string>, minutesIntoHour = 10): Promise<Harness> {
  const b = await harness({ env });
  b.clock.set(Math.floor(Date.now() / HOUR) * HOUR + minutesIntoHour * 60_000);
  return b;
}

/** Fresh numbers in mobile blocks of a region: HK 9123 xxxx, MO 6612 xxxx, TW 0912 3xx xxx. */
let serial = 0;
const next4 = () => String((++serial * 7919 + Math.floor(Math.random() * 10_000)) % 10_000).padStart(4, '0');
const hkMobile = () => `+8529123${next4()}`;
const moMobile = () => `+8536612${next4()}`;
const twMobile = () => `+8869123${next4()}0`;

describe('numbers that cannot receive SMS', () => {
  it.each([
    ['a Beijing landline', '+861012345678'],
    ['a Shanghai landline', '+862112345678'],
    ['a 400 service number', '+864001234567'],
    ['an 800 toll-free number', '+868001234567'],
    ['a Hong Kong landline', '+85221234567'],
    ['an Iridium satellite number (+881)', '+8816312345678'],
    ['an international networks number (+882)', '+882161234567'],
  ])('%s → 400 USG.201040003, nothing sent', async (_label, number) => {
    const r = await h.send(number);
    expect([r.status, r.body.error_code]).toEqual([400, 'USG.201040003']); // actual before the fix: 200
    expect(h.messagesTo(number)).toHaveLength(0);
  });
});

describe('country allow-list (SMS_COUNTRY_ALLOWLIST, default CN,HK,MO,TW)', () => {
  it.each([
    ['Somalia (+252)', '+25261234567'],
    ['Cuba (+53)', '+5351234567'],
    ['the United States (+1)', '+12025550123'],
    ['the United Kingdom (+44)', '+447400123456'],
  ])('a mobile of %s → 400 USG.201040003, nothing sent', async (_label, number) => {
    const r = await h.send(number);
    expect([r.status, r.body.error_code]).toEqual([400, 'USG.201040003']); // actual before the fix: 200
    expect(h.messagesTo(number)).toHaveLength(0);
  });

  it('mobiles of mainland China, Hong Kong, Macao and Taiwan are sent', async () => {
    for (const number of [uniqueMobile(), hkMobile(), moMobile(), twMobile()]) {
      const r = await h.send(number);
      expect({ number, status: r.status }).toEqual({ number, status: 200 });
      expect(h.messagesTo(number)).toHaveLength(1);
    }
  });

  it('SMS_COUNTRY_ALLOWLIST=CN,US sends to a US number the plan cannot tell from a landline, not to a US toll-free number', async () => {
    const us = await budgeted({ SMS_COUNTRY_ALLOWLIST: 'CN,US' });
    expect((await us.send('+12025550123')).status).toBe(200);
    const tollFree = await us.send('+18005551234');
    expect([tollFree.status, tollFree.body.error_code]).toEqual([400, 'USG.201040003']);
    const hk = await us.send(hkMobile());
    expect([hk.status, hk.body.error_code]).toEqual([400, 'USG.201040003']);
  });

  it('applies to a trusted direct invocation too', async () => {
    const call = h.sendHandler as unknown as (e: unknown, c: unknown) => Promise<unknown>;
    await expect(call({ user: '+25261234567' }, {})).rejects.toMatchObject({ name: 'USG.201040003' });
  });

  it("an account's bound number that cannot get SMS: answered like an unknown account (protection on), 400 USG.201040003 (off)", async () => {
    const name = `landline${Date.now().toString(36)}`;
    const register = { customerId: `cust-${randomUUID()}`, name, mobile: '0086-1012345678' };
    await expect((h.registerHandler as (e: unknown) => Promise<unknown>)(register)).resolves.toMatchObject({ status: 'registered' });
    const r = await h.send(name);
    expect(r.status).toBe(200); // actual before the fix: 200, and an "SMS" to the landline
    expect(r.body.bindPhone).toMatch(/^\+861[3-9]\d\*{4}\d{4}$/);
    expect(h.messagesTo('+861012345678')).toHaveLength(0);

    const open = await budgeted({ ENUMERATION_PROTECTION: 'false' });
    await (open.registerHandler as (e: unknown) => Promise<unknown>)(register);
    const refused = await open.send(name);
    expect([refused.status, refused.body.error_code]).toEqual([400, 'USG.201040003']);
  });

  it('an email is no SMS: no allow-list, no budget', async () => {
    const b = await budgeted({ SMS_HOURLY_BUDGET_PER_COUNTRY: '1' });
    for (let i = 0; i < 3; i++) expect((await b.send(uniqueEmail())).status).toBe(200);
  });
});

describe('per-country hourly budget (SMS_HOURLY_BUDGET_PER_COUNTRY)', () => {
  it('the 4th send to China in an hour at a budget of 3 → 429 USG.201050004 until the hour ends; Hong Kong has its own; the next hour sends again', async () => {
    const b = await budgeted({ SMS_HOURLY_BUDGET_PER_COUNTRY: '3' }, 10);
    for (let i = 0; i < 3; i++) expect((await b.send(uniqueMobile())).status).toBe(200);
    const to = uniqueMobile();
    const refused = await b.send(to);
    expect([refused.status, refused.body.error_code]).toEqual([429, 'USG.201050004']); // actual before the fix: 200
    expect(refused.headers['retry-after']).toBe(String(50 * 60));
    expect(refused.body.retry_after).toBe(50 * 60);
    expect(b.messagesTo(to)).toHaveLength(0);
    expect((await b.send(hkMobile())).status).toBe(200);

    b.clock.set(Math.floor(b.clock.now().getTime() / HOUR) * HOUR + HOUR);
    expect((await b.send(to)).status).toBe(200);
  });

  it('is exact under concurrency: 12 concurrent sends to distinct Chinese mobiles at a budget of 5 → exactly 5 sent', async () => {
    const b = await budgeted({ SMS_HOURLY_BUDGET_PER_COUNTRY: '5' });
    const numbers = Array.from({ length: 12 }, () => uniqueMobile());
    const replies = await Promise.all(numbers.map((n) => b.send(n, { ip: uniqueIp() })));
    expect(tally(replies)).toEqual({ '200': 5, '429 USG.201050004': 7 });
    expect(b.outbox()).toHaveLength(5);
  });

  it('takes per-country budgets: "100,HK=1" gives Hong Kong 1 an hour and every other country 100', async () => {
    const b = await budgeted({ SMS_HOURLY_BUDGET_PER_COUNTRY: '100,HK=1' });
    expect((await b.send(hkMobile())).status).toBe(200);
    expect((await b.send(hkMobile())).status).toBe(429);
    for (let i = 0; i < 3; i++) expect((await b.send(uniqueMobile())).status).toBe(200);
  });

  it("with China's budget spent an unknown account is refused like a known one (enumeration protection); it never spends the budget", async () => {
    const b = await budgeted({ SMS_HOURLY_BUDGET_PER_COUNTRY: '2' });
    const known = `budget${Date.now().toString(36)}`;
    await (b.registerHandler as (e: unknown) => Promise<unknown>)({
      customerId: `cust-${randomUUID()}`,
      name: known,
      mobile: uniqueMobile(),
    });
    const unknown = (i: number) => `nobody${Date.now().toString(36)}n${i}`;
    for (let i = 0; i < 3; i++) expect((await b.send(unknown(i))).status).toBe(200); // need room, spend none
    for (let i = 0; i < 2; i++) expect((await b.send(uniqueMobile())).status).toBe(200); // spend the budget
    const answers = [await b.send(known), await b.send(unknown(3))];
    expect(answers.map((r) => [r.status, r.body.error_code, r.body.retry_after])).toEqual([
      [429, 'USG.201050004', 50 * 60],
      [429, 'USG.201050004', 50 * 60],
    ]);
  });

  it('a refused send spends no budget: a cooldown refusal, a used CAPTCHA pass, a refused number', async () => {
    const b = await budgeted({ SMS_HOURLY_BUDGET_PER_COUNTRY: '2' });
    const first = uniqueMobile();
    expect((await b.send(first)).status).toBe(200);
    expect((await b.send(first)).status).toBe(429); // cooldown
    const second = uniqueMobile();
    const pass = await b.captcha(second);
    expect((await b.send(second, { token: pass })).status).toBe(200);
    b.clock.advance(61_000);
    expect((await b.send(second, { token: pass })).status).toBe(403); // the pass was used
    expect((await b.send('+861012345678')).status).toBe(400);
    // Two sends counted: the budget is now used up.
    const third = await b.send(uniqueMobile());
    expect([third.status, third.body.error_code]).toEqual([429, 'USG.201050004']);
  });
});
