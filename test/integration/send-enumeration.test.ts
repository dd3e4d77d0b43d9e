// Issue 9 item 3: with enumeration protection on (default), send answers a known and an unknown account
// identically in status, body shape and the kind of values, at the same DynamoDB requests.
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

import { randomUUID } from 'node:crypto';
import { countRequests } from '../../dev/support/meter.js';
import { uniqueMobile as newMobile, uniqueEmail } from '../../dev/support/identities.js';
import { harness, type Harness, type Reply } from './send-code.harness.js';

const uniqueMobile = (): string => newMobile().e164;

// SPEC §3's masks: a +86 mobile keeps its first 3 and last 4 national digits (a mainland mobile starts
// 13–19); an email keeps the first 3 and last 4 characters of a local part longer than 7, else its first.
const MASKED_CN_MOBILE = /^\+861[3-9]\d\*{4}\d{4}$/;
const MASKED_EMAIL = /^([a-z0-9._-]{3}\*{4}[a-z0-9._-]{4}|[a-z0-9]\*{3})@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$/;

let h: Harness;
let seq = 0;
const uniqueAccount = () => `enum${Date.now().toString(36)}${++seq}`;

async function register(c: { name: string; email?: string; mobile?: string }): Promise<void> {
  const result = await (h.registerHandler as (e: unknown) => Promise<unknown>)({ customerId: `cust-${randomUUID()}`, ...c });
  expect(result).toMatchObject({ status: 'registered' });
}

/** What an observer can compare without knowing the account: status, keys, and each value's kind. */
const shapeOf = (r: Reply) => ({
  status: r.status,
  keys: Object.keys(r.body).sort(),
  kinds: Object.fromEntries(
    Object.entries(r.body).map(([k, v]) => [
      k,
      typeof v === 'string'
        ? MASKED_CN_MOBILE.test(v)
          ? 'masked-cn-mobile'
          : MASKED_EMAIL.test(v)
            ? 'masked-email'
            : 'string'
        : v === null
          ? 'null'
          : typeof v,
    ]),
  ),
});

beforeAll(async () => {
  h = await harness();
});

beforeEach(() => {
  h.clock.set(Date.now());
});

describe('send with enumeration protection on (default)', () => {
  it('an unknown account gets what a known one gets: 200 and a masked phone of the default country, nothing sent', async () => {
    const known = uniqueAccount();
    await register({ name: known, mobile: uniqueMobile() });
    const before = h.outbox().length;

    const k = await h.send(known);
    const u = await h.send(uniqueAccount());
    expect(shapeOf(k)).toEqual({
      status: 200,
      keys: ['bindEmail', 'bindPhone', 'expire'],
      kinds: { expire: 'number', bindPhone: 'masked-cn-mobile', bindEmail: 'null' },
    });
    expect(shapeOf(u)).toEqual(shapeOf(k)); // actual before the fix: bindPhone null
    expect(h.outbox()).toHaveLength(before + 1); // the known account's message only
  });

  it('sendMethod email: an unknown account gets a masked email like a known one', async () => {
    const known = uniqueAccount();
    await register({ name: known, email: uniqueEmail() });
    const k = await h.send(known, { sendMethod: 'email' });
    const u = await h.send(uniqueAccount(), { sendMethod: 'email' });
    expect(shapeOf(k).kinds).toEqual({ expire: 'number', bindPhone: 'null', bindEmail: 'masked-email' });
    expect(shapeOf(u)).toEqual(shapeOf(k));
  });

  it("an unknown account's mask is stable (a keyed hash of its name), as a known account's is", async () => {
    const name = uniqueAccount();
    const first = await h.send(name, { ip: '198.51.100.7' });
    h.clock.set(h.clock.now().getTime() + 61_000);
    const again = await h.send(name.toUpperCase(), { token: await h.captcha(name), ip: '198.51.100.8' });
    expect(first.status).toBe(200);
    expect(again.body.bindPhone).toBe(first.body.bindPhone);
    expect(again.body.bindPhone).toMatch(MASKED_CN_MOBILE);
    // Another name, another mask.
    const other = await h.send(uniqueAccount());
    expect(other.body.bindPhone).toMatch(MASKED_CN_MOBILE);
    expect(other.body.bindPhone).not.toBe(first.body.bindPhone);
  });

  it('an account without the requested contact is answered like an unknown one: 200, a masked contact, nothing sent', async () => {
    const phoneOnly = uniqueAccount();
    const mobile = uniqueMobile();
    await register({ name: phoneOnly, mobile });
    const emailOnly = uniqueAccount();
    await register({ name: emailOnly, email: uniqueEmail() });
    const before = h.outbox().length;

    const noEmail = await h.send(phoneOnly, { sendMethod: 'email' });
    const noPhone = await h.send(emailOnly, { sendMethod: 'sms' });
    expect(shapeOf(noEmail)).toEqual(shapeOf(await h.send(uniqueAccount(), { sendMethod: 'email' }))); // actual before the fix: 400 USG.201040002
    expect(shapeOf(noPhone)).toEqual(shapeOf(await h.send(uniqueAccount(), { sendMethod: 'sms' })));
    expect(h.outbox()).toHaveLength(before);
  });

  it("an unknown account's sms and email have a cooldown each, as a known account's phone and email do", async () => {
    const known = uniqueAccount();
    await register({ name: known, mobile: uniqueMobile(), email: uniqueEmail() });
    for (const name of [known, uniqueAccount()]) {
      const sms = await h.send(name, { sendMethod: 'sms' });
      const email = await h.send(name, { sendMethod: 'email' });
      const smsAgain = await h.send(name, { sendMethod: 'sms' });
      expect([sms.status, email.status, smsAgain.status, smsAgain.body.error_code]).toEqual([200, 200, 429, 'USG.201050004']);
    }
  });

  it("known, unknown and contact-less accounts cost the same DynamoDB requests: GetItem (the account), GetItem (a suppression), UpdateItem of the country's SMS count (by SMS) + TransactWriteItems", async () => {
    const known = uniqueAccount();
    const phoneOnly = uniqueAccount();
    await register({ name: known, mobile: uniqueMobile(), email: uniqueEmail() });
    await register({ name: phoneOnly, mobile: uniqueMobile() });
    const counter = countRequests(h.rt.db);
    // And the same transaction: as many items (the delivery request included), whatever the account.
    let transactItems: number[] = [];
    h.rt.db.raw.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'TransactWriteItemsCommand')
          transactItems.push((args.input as { TransactItems: unknown[] }).TransactItems.length);
        return next(args);
      },
      { step: 'initialize', name: 'countTransactItems' },
    );
    const cases: Array<[string, string]> = [
      [known, 'sms'],
      [known, 'email'],
      [uniqueAccount(), 'sms'],
      [uniqueAccount(), 'email'],
      [phoneOnly, 'email'],
    ];
    const operations: string[][] = [];
    const items: number[][] = [];
    for (const [name, sendMethod] of cases) {
      counter.reset();
      transactItems = [];
      expect((await h.send(name, { sendMethod })).status).toBe(200);
      operations.push([...counter.operations]);
      items.push(transactItems);
    }
    // The account's item, then one suppression (of its contact, or of an item that never exists); by SMS the
    // country's budget is spent, or for a withheld account asked with the same write adding nothing; then the send.
    expect(operations).toEqual(
      cases.map(([, method]) =>
        method === 'sms' ? ['GetItem', 'GetItem', 'UpdateItem', 'TransactWriteItems'] : ['GetItem', 'GetItem', 'TransactWriteItems'],
      ),
    ); // actual before the fix: GetItem + PutItem for the last
    // Per method (an SMS send has the country's budget item, an email send none): one shape each.
    const shapes = (method: string) => new Set(items.filter((_, k) => cases[k]![1] === method).map((i) => JSON.stringify(i)));
    expect([shapes('sms').size, shapes('email').size]).toEqual([1, 1]);
  });
});

describe('send with ENUMERATION_PROTECTION=false', () => {
  it('an unknown account → 400 USG.201040000; an account without the requested contact → 400 USG.201040002', async () => {
    const open = await harness({ env: { ENUMERATION_PROTECTION: 'false' } });
    open.clock.set(Date.now());
    const name = uniqueAccount();
    const result = await (open.registerHandler as (e: unknown) => Promise<unknown>)({
      customerId: `cust-${randomUUID()}`,
      name,
      mobile: uniqueMobile(),
    });
    expect(result).toMatchObject({ status: 'registered' });
    const unknown = await open.send(uniqueAccount());
    const noEmail = await open.send(name, { sendMethod: 'email' });
    expect([unknown.status, unknown.body.error_code]).toEqual([400, 'USG.201040000']);
    expect([noEmail.status, noEmail.body.error_code]).toEqual([400, 'USG.201040002']);
    expect(open.outbox()).toHaveLength(0);
  });
});
