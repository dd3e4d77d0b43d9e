// The outbox (docs/architecture.md "Delivery"): send commits its delivery request with the code, and deliverCode sends it
// from DynamoDB Local's real stream (dev/stream-poller.ts), in-process. Records are those the stream hands
// over, never made by hand.
import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { uniqueEmail, uniqueMobile } from '../../dev/support/identities.js';
import { harness, mentionsCode, type Harness } from './send-code.harness.js';

let h: Harness;
beforeAll(async () => {
  h = await harness({ deliver: 'manual' });
});

/** The stream records of these sends' delivery requests, as the stream gave them to deliverCode. */
const recordsOf = (requestIds: string[]) =>
  h.delivery.poller.records().filter((r) => requestIds.includes(String(r.dynamodb?.NewImage?.requestId?.S)));
const deliveryItems = async () => (await h.scan()).filter((i) => String(i.pk).startsWith('DELIVERY#'));

describe('deliverCode on the table stream', () => {
  it('sends exactly one message per send, however often the stream hands the records over, in sequence or at once', async () => {
    h.clock.set(Date.now());
    const mobiles = [uniqueMobile().e164, uniqueMobile().e164, uniqueMobile().e164];
    const sends = [];
    for (const m of mobiles) sends.push(await h.send(m));
    expect(sends.map((s) => s.status)).toEqual([200, 200, 200]);
    expect(mobiles.map((m) => h.messagesTo(m).length)).toEqual([0, 0, 0]); // answered before anything was sent

    await h.delivery.drain();
    const records = recordsOf(sends.map((s) => s.requestId));
    expect(records).toHaveLength(3);
    await h.delivery.handler({ Records: records }); // redelivered
    await Promise.all([h.delivery.handler({ Records: records }), h.delivery.handler({ Records: [...records].reverse() })]); // twice at once
    expect(mobiles.map((m) => h.messagesTo(m).length)).toEqual([1, 1, 1]);
    for (const m of mobiles) expect((await h.verify(m, h.lastCode(m))).status).toBe(200);

    // One record per delivery, under the stream record's id, naming the send it delivered.
    const audits = (await h.scan()).filter((i) => i.operation === 'deliverCode');
    for (const s of sends) {
      const mine = audits.filter((a) => (a.detail as Record<string, unknown>).sendRequestId === s.requestId);
      expect(mine.map((a) => [a.outcome, a.status, a.caller])).toEqual([['DLV.0000', 200, 'event:dynamodb-stream']]);
    }
  });

  it('keeps no usable code in the table: the request carries it sealed, and drops even that once delivered', async () => {
    h.clock.set(Date.now());
    const mobile = uniqueMobile().e164;
    const email = uniqueEmail();
    const sent = [await h.send(mobile), await h.send(email, { token: await h.captcha(email) })];
    expect(sent.map((s) => s.status)).toEqual([200, 200]);
    const before = await h.scan(); // the requests are in the table, not yet delivered
    await h.delivery.drain();
    const codes = [h.lastCode(mobile), h.lastCode(email)];
    const after = await h.scan();
    for (const item of [...before, ...after])
      for (const code of codes) expect(mentionsCode(JSON.stringify(item), code), JSON.stringify(item)).toBe(false);
    for (const item of [...before, ...after].filter((i) => String(i.pk).startsWith('DELIVERY#')))
      for (const raw of [mobile, email, mobile.slice(3)]) expect(JSON.stringify(item)).not.toContain(raw);
    const mine = (await deliveryItems()).filter((i) => sent.some((s) => s.requestId === i.requestId));
    // Settled as accepted by the provider (its receipt, later, says whether it arrived).
    expect(mine.map((i) => [i.outcome, 'sealed' in i])).toEqual([
      ['accepted', false],
      ['accepted', false],
    ]);
    for (const i of mine) expect(typeof i.ttl).toBe('number');
  });

  it("a withheld send (unknown account) leaves a request of its own that the stream's filter never passes on", async () => {
    h.clock.set(Date.now());
    const ghost = await h.send(`ghost${randomUUID().slice(0, 8)}`);
    expect(ghost.status).toBe(200);
    await h.delivery.drain();
    const items = (await deliveryItems()).filter((i) => i.requestId === ghost.requestId);
    expect(items.map((i) => [i.channel, i.outcome])).toEqual([['none', undefined]]);
    expect(recordsOf([ghost.requestId])).toEqual([]);
  });

  it('when DynamoDB fails after the message went out, the stream retries and the send is refunded, never sent twice', async () => {
    h.clock.set(Date.now());
    const mobile = uniqueMobile().e164;
    let failSettle = true;
    // The settle transaction is refused once, as a DynamoDB outage would (an answered error: nothing applied).
    h.delivery.rt.db.raw.middlewareStack.add(
      (next, context) => async (args) => {
        if (failSettle && context.commandName === 'TransactWriteItemsCommand') {
          failSettle = false;
          throw Object.assign(new Error('Internal server error'), { name: 'InternalServerError', $metadata: { httpStatusCode: 500 } });
        }
        return next(args);
      },
      { step: 'initialize', name: 'failSettleOnce' },
    );
    const sent = await h.send(mobile);
    expect(sent.status).toBe(200);
    await h.delivery.drain(); // delivered, not settled → reported failed → retried by the poller as by Lambda
    expect(failSettle).toBe(false);
    expect(h.messagesTo(mobile)).toHaveLength(1);
    const audits = (await h.scan()).filter((i) => i.operation === 'deliverCode' && (i.detail as Record<string, unknown>).sendRequestId === sent.requestId);
    expect(audits.map((a) => [a.outcome, (a.detail as Record<string, unknown>).error])).toEqual([['DLV.0502', 'ClaimCutOff']]);
    // Refunded: the caller may resend at once, and that code verifies.
    h.clock.advance(1_000);
    expect((await h.send(mobile)).status).toBe(200);
    await h.delivery.drain();
    expect(h.messagesTo(mobile)).toHaveLength(2);
    expect((await h.verify(mobile, h.lastCode(mobile))).status).toBe(200);
  });
});
