// Each function, driven through its paths (success, refusals, a failed delivery, AK lockout bookkeeping),
// makes exactly the DynamoDB calls its operation declares (shared/operations.ts DEPLOYMENT, in the form of
// test/support/dynamodb-calls.ts), on the items it declares: what its IAM role grants, which
// test/unit/template.test.ts checks. A call missing from the declaration would be AccessDenied in AWS; a
// declared call no path makes would be a grant nothing uses.
import { vi, describe, it, expect, beforeAll } from 'vitest';

vi.hoisted(() => {
  process.env.LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

import { createCheckIdentityHandler } from '../../functions/check-identity.js';
import { createDeregisterCustomerHandler } from '../../functions/deregister-customer.js';
import { DeliveryRefused } from '../../shared/notify/notifier.js';
import { OPERATIONS, type OperationName } from '../../shared/operations.js';
import type { Db } from '../../shared/store/client.js';
import { expectedCalls } from '../support/dynamodb-calls.js';
import { startLocalLifecycle } from '../../dev/support/lifecycle.js';
import { akskHeaders, post, tokenHeaders } from './partner-auth-support.js';
import { uniqueEmail, uniqueMobile as newMobile } from '../../dev/support/identities.js';
import { harness, wrongCode, type Harness } from './send-code.harness.js';

const uniqueMobile = (): string => newMobile().e164;

/** The operations the tests below drove: every one must be, or its declaration would go unchecked. */
const driven = new Set<OperationName>();

/** Records `<action> <partition-key prefix>` of every item each function's calls touch. */
function recordCalls(db: Db) {
  let current: OperationName | undefined;
  const seen = new Map<OperationName, Set<string>>();
  const pkOf = (key: Record<string, unknown> | undefined): string => {
    const pk = key?.pk;
    return String(typeof pk === 'object' && pk !== null ? (pk as { S?: string }).S : pk);
  };
  const note = (action: string, key: Record<string, unknown> | undefined) => {
    if (!current) return; // the test's own reads
    const pk = pkOf(key);
    (seen.get(current) ?? seen.set(current, new Set()).get(current)!).add(`${action} ${pk.slice(0, pk.indexOf('#') + 1)}`);
  };
  db.raw.middlewareStack.add(
    (next, context) => async (args) => {
      const action = String(context.commandName ?? '').replace(/Command$/, '');
      const input = args.input as Record<string, any>;
      if (action === 'TransactWriteItems') {
        for (const item of input.TransactItems as Array<Record<string, any>>) {
          if (item.Put) note('PutItem', item.Put.Item);
          if (item.Update) note('UpdateItem', item.Update.Key);
          if (item.Delete) note('DeleteItem', item.Delete.Key);
          if (item.ConditionCheck) note('ConditionCheckItem', item.ConditionCheck.Key);
        }
      } else if (action === 'BatchGetItem') {
        for (const table of Object.values(input.RequestItems as Record<string, { Keys: Array<Record<string, unknown>> }>))
          for (const key of table.Keys) note(action, key);
      } else note(action, action === 'PutItem' ? input.Item : input.Key);
      return next(args);
    },
    { step: 'initialize', name: 'recordDynamoDbCalls' },
  );
  return {
    async as<T>(op: OperationName, call: () => Promise<T>): Promise<T> {
      driven.add(op);
      current = op;
      try {
        return await call();
      } finally {
        current = undefined;
      }
    },
    of: (op: OperationName) => [...(seen.get(op) ?? [])].sort(),
  };
}

let h: Harness;
let failDelivery = false;
let loseTransactionAnswer = false;
let calls: ReturnType<typeof recordCalls>;
let deliverCalls: ReturnType<typeof recordCalls>;
let receiptCalls: ReturnType<typeof recordCalls>;
/** Numbers End User Messaging answers as opted out (a refusal for good that suppresses them). */
const optedOut = new Set<string>();

/** A fresh Hong Kong mobile (9123 xxxx): its country's hourly budget is HK_BUDGET here. */
let hkSerial = 0;
const hkMobile = () => `+8529123${String((++hkSerial * 7919 + Math.floor(Math.random() * 10_000)) % 10_000).padStart(4, '0')}`;
const HK_BUDGET = 2;
/** check-identity calls one partner may make a second here: a few calls reach it. */
const PARTNER_RATE = 4;

beforeAll(async () => {
  h = await harness({
    env: { SMS_HOURLY_BUDGET_PER_COUNTRY: `1000,HK=${HK_BUDGET}`, PARTNER_REQUESTS_PER_SECOND: String(PARTNER_RATE) },
    notifier: (outbox) => ({
      deliver: async (m) => {
        if (failDelivery) throw Object.assign(new Error('End User Messaging is down'), { name: 'InternalServerException' });
        if (optedOut.has(m.to))
          throw new DeliveryRefused(Object.assign(new Error('opted out'), { name: 'ConflictException' }), 'opted_out');
        return outbox.deliver(m);
      },
    }),
  });
  calls = recordCalls(h.rt.db);
  // deliverCode and recordReceipt run on clients of their own (dev/support/), as they do in their own Lambdas.
  deliverCalls = recordCalls(h.delivery.rt.db);
  receiptCalls = recordCalls(h.receipts.rt.db);
  // The transaction is applied, and its answer lost on the way back (no retry: outside the SDK's retry).
  h.rt.db.raw.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      if (loseTransactionAnswer && context.commandName === 'TransactWriteItemsCommand') {
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      }
      return out;
    },
    { step: 'initialize', name: 'loseTransactionAnswer' },
  );
});

describe('the DynamoDB calls of each function', () => {
  const name = `iamcalls${Date.now().toString(36)}`;
  const customer = { customerId: `cust-${name}`, name, email: uniqueEmail(), mobile: uniqueMobile() };

  it('registerCustomer: claims the customer, name, email and a mobile slot, and audits', async () => {
    const result = await calls.as('registerCustomer', () => h.registerHandler(customer));
    expect(result).toEqual({ customerId: customer.customerId, status: 'registered' });
    expect(calls.of('registerCustomer')).toEqual(expectedCalls('registerCustomer'));
  });

  it('checkIdentity: reads the registry and an access key lockout, counts and clears signature failures, holds a partner to its rate, and audits', async () => {
    const check = createCheckIdentityHandler(h.rt);
    const token = await tokenHeaders(h);
    const statuses: number[] = [];
    await calls.as('checkIdentity', async () => {
      for (const body of [
        { search_type: 'name', search_value: name },
        { search_type: 'email', search_value: customer.email },
        { search_type: 'mobile', search_value: `0086-${customer.mobile.slice(3)}` },
      ])
        statuses.push((await post(check, body, token)).status);
      const body = { search_type: 'name', search_value: 'ceshiyonghu001' };
      statuses.push((await post(check, body, await akskHeaders(h, body, { sk: 'not-the-secret-key-of-this-access-key' }))).status);
      statuses.push((await post(check, body, await akskHeaders(h, body))).status);
      // The token partner's fourth call this second, then one over its rate: every shard is read before the refusal.
      for (let i = 0; i < 2; i++) statuses.push((await post(check, body, token)).status);
    });
    expect(statuses).toEqual([200, 200, 200, 401, 200, 200, 429]);
    expect(calls.of('checkIdentity')).toEqual(expectedCalls('checkIdentity'));
  });

  it("sendVerificationCode: sends to a number and to an account, is refused, spends and gives back its country's budget, undoes a send without an answer, and audits", async () => {
    const mobile = uniqueMobile();
    const unanswered = uniqueMobile();
    const statuses = await calls.as('sendVerificationCode', async () => [
      (await h.send(mobile)).status,
      (await h.send(mobile)).status, // within the cooldown
      (await h.send(name)).status, // the account's bound mobile
      (await h.send(`${name}x`)).status, // an unknown account: withheld, needs room in the country budget without spending it
      (await h.send(mobile, { token: null })).status, // no CAPTCHA pass
      // Hong Kong's budget spent: every shard of the hour is read before the refusal.
      ...(await (async () => {
        const hk: number[] = [];
        for (let i = 0; i <= HK_BUDGET; i++) hk.push((await h.send(hkMobile())).status);
        return hk;
      })()),
      await (async () => {
        loseTransactionAnswer = true;
        try {
          return (await h.send(unanswered)).status;
        } finally {
          loseTransactionAnswer = false;
        }
      })(),
    ]);
    // A send whose transaction got no answer is capacity (SPEC §2): 503, not 500.
    expect(statuses).toEqual([200, 429, 200, 200, 403, 200, 200, 429, 503]);
    expect(calls.of('sendVerificationCode')).toEqual(expectedCalls('sendVerificationCode'));
  });

  it('deliverCode: claims and delivers, refunds a delivery that keeps failing, suppresses a number that opted out, leaves a redelivered record alone, and audits', async () => {
    const delivered = uniqueMobile();
    const failing = uniqueMobile();
    const optingOut = uniqueMobile();
    optedOut.add(optingOut);
    await deliverCalls.as('deliverCode', async () => {
      expect((await h.send(delivered)).status).toBe(200);
      failDelivery = true;
      try {
        expect((await h.send(failing)).status).toBe(200); // answered at once; the delivery fails after
      } finally {
        failDelivery = false;
      }
      expect((await h.send(optingOut)).status).toBe(200);
      await h.delivery.handler({ Records: h.delivery.poller.records().slice(-3) }); // the stream redelivers them
    });
    expect([h.messagesTo(delivered).length, h.messagesTo(failing).length, h.messagesTo(optingOut).length]).toEqual([1, 0, 0]);
    expect(deliverCalls.of('deliverCode')).toEqual(expectedCalls('deliverCode'));
  });

  it("recordReceipt: reads the receipt's delivery request, records a delivery, refunds a failure and suppresses a hard bounce, with audit records", async () => {
    const before = h.receipts.poller.events().length;
    const delivered = await h.send(uniqueMobile());
    // Taiwan's failure simulator number: Hong Kong's budget (HK_BUDGET) is spent by the send test above.
    const failed = await h.send('+886903444632');
    const bounced = `bounce+${Date.now()}@simulator.amazonses.com`;
    const bounce = await h.send(bounced, { token: await h.captcha(bounced) });
    expect([delivered.status, failed.status, bounce.status]).toEqual([200, 200, 200]);
    await receiptCalls.as('recordReceipt', () => h.receipts.drain());
    expect(h.receipts.poller.events().length).toBeGreaterThan(before);
    expect(receiptCalls.of('recordReceipt')).toEqual(expectedCalls('recordReceipt'));
  });

  it('verifyVerificationCode: records a wrong code, consumes the right one, refuses without a code, and audits', async () => {
    const mobile = uniqueMobile();
    expect((await h.send(mobile)).status).toBe(200);
    const code = h.lastCode(mobile);
    const statuses = await calls.as('verifyVerificationCode', async () => [
      (await h.verify(mobile, wrongCode(code))).status,
      (await h.verify(mobile, code)).status,
      (await h.verify(mobile, code)).status, // already used
      (await h.verify(mobile, code, { noToken: true })).status,
    ]);
    expect(statuses).toEqual([400, 200, 400, 401]);
    expect(calls.of('verifyVerificationCode')).toEqual(expectedCalls('verifyVerificationCode'));
  });

  it('publishLifecycleEvents: reads and writes no item: what it publishes is in the stream images', async () => {
    const lifecycle = startLocalLifecycle(h);
    try {
      // Every event the tests above led to; no client of the table may see a call meanwhile.
      const during = (op: OperationName, run: () => Promise<void>) =>
        calls.as(op, () => deliverCalls.as(op, () => receiptCalls.as(op, run)));
      await during('publishLifecycleEvents', () => lifecycle.drain());
      expect(lifecycle.events().map((e) => e['detail-type'])).toEqual(expect.arrayContaining(['CodeSent', 'CodeVerified']));
      for (const recorder of [calls, deliverCalls, receiptCalls])
        expect(recorder.of('publishLifecycleEvents')).toEqual(expectedCalls('publishLifecycleEvents'));
    } finally {
      await lifecycle.stop();
    }
  });

  it('deregisterCustomer: reads what the customer claimed, releases it, and audits', async () => {
    const result = await calls.as('deregisterCustomer', () => createDeregisterCustomerHandler(h.rt)({ customerId: customer.customerId }));
    expect(result).toEqual({ customerId: customer.customerId, status: 'deregistered' });
    expect(calls.of('deregisterCustomer')).toEqual(expectedCalls('deregisterCustomer'));
  });

  it('drives every operation of shared/operations.ts', () => {
    expect([...driven].sort()).toEqual(Object.keys(OPERATIONS).sort());
  });
});
