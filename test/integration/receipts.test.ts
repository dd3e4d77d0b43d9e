// Receipts through the path they take in AWS, locally: the delivery port answers as AWS's simulators do and
// writes the receipts AWS would publish (End User Messaging's destination simulator numbers, SES's mailbox
// simulator), the receipts poller hands each to recordReceipt as the receipts topic's SNS event, and
// recordReceipt settles the delivery request: a failure refunds the send, a hard bounce or a complaint
// suppresses the destination, which send then refuses before it spends anything (SPEC §4).
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, beforeEach, describe, expect, it, inject } from 'vitest';
import { repoRoot } from '../../dev/paths.js';
import { snsEvent } from '../../dev/receipts-poller.js';
import { maskedEmail, uniqueIp, uniqueMobile } from '../../dev/support/identities.js';
import { receiptsFileOf } from '../../shared/notify/outbox.js';
import { harness, wrongCode, type Harness } from './send-code.harness.js';

const HK_SUCCESS = '+85257048426';
const HK_FAILURE = '+85257048854';
/** A mailbox simulator address of its own per test (a label behaves as the plain address). */
const simulated = (kind: 'success' | 'bounce' | 'complaint' | 'suppressionlist') =>
  `${kind}+${randomUUID().slice(0, 8)}@simulator.amazonses.com`;

let h: Harness;
beforeAll(async () => {
  h = await harness({ receipts: true });
});
beforeEach(() => {
  h.clock.set(Date.now());
});

const items = () => h.scan();
const requestOf = async (sendRequestId: string) =>
  (await items()).find((i) => String(i.pk).startsWith('DELIVERY#') && i.requestId === sendRequestId);
const receiptRecords = async (sendRequestId: string) =>
  (await items()).filter((i) => i.operation === 'recordReceipt' && (i.detail as Record<string, unknown>)?.sendRequestId === sendRequestId);

function suppressionScript(args: string[], t: Harness): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      path.join(repoRoot, 'node_modules', '.bin', 'tsx'),
      [path.join(repoRoot, 'scripts', 'suppression.ts'), ...args],
      {
        cwd: repoRoot,
        env: { ...process.env, STAGE: 'local', DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'), TABLE_NAME: t.config.tableName },
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("End User Messaging's destination simulator numbers", () => {
  it('the failure number: its failure receipt refunds the send, with one audit record; an immediate resend is accepted, by voice too', async () => {
    const ip = uniqueIp();
    const failed = await h.send(HK_FAILURE, { ip });
    expect(failed.status).toBe(200);
    const request = await requestOf(failed.requestId);
    expect(request).toMatchObject({
      outcome: 'accepted',
      receipt: 'failed',
      receiptReason: 'TEXT_UNREACHABLE',
      messageId: expect.any(String),
    });
    const [record, ...more] = await receiptRecords(failed.requestId);
    expect(more).toEqual([]);
    expect(record).toMatchObject({
      operation: 'recordReceipt',
      caller: 'event:sns',
      outcome: 'RCP.0502',
      status: 502,
      subjectHash: request!.subjectHash,
      subjectMasked: request!.subjectMasked,
      detail: { channel: 'sms', event: 'TEXT_UNREACHABLE', messageId: request!.messageId, sendRequestId: failed.requestId },
    });
    // The refunded code is gone: what the failed SMS said no longer verifies.
    expect((await h.verify(HK_FAILURE, h.lastCode(HK_FAILURE))).body.error_code).toBe('USG.201050002');

    const again = await h.send(HK_FAILURE, { ip }); // within the minute: the cooldown was given back
    expect(again.status).toBe(200);
    h.clock.advance(1_000);
    const byVoice = await h.send(HK_FAILURE, { ip, sendMethod: 'voice' });
    expect(byVoice.status).toBe(200);
    const call = h.messagesTo(HK_FAILURE).at(-1)!;
    expect(call.channel).toBe('voice');
    expect(call.text).toMatch(/^<speak>/);
    // The simulator covers SMS only: the call completes, and its code verifies.
    expect(await requestOf(byVoice.requestId)).toMatchObject({ channel: 'voice', receipt: 'delivered', receiptReason: 'VOICE_COMPLETED' });
    expect((await h.verify(HK_FAILURE, call.code)).status).toBe(200);
  });

  it('the success number: delivered once, though AWS reports it twice (TEXT_SUCCESSFUL, then TEXT_DELIVERED)', async () => {
    const sent = await h.send(HK_SUCCESS);
    expect(sent.status).toBe(200);
    expect(await requestOf(sent.requestId)).toMatchObject({ receipt: 'delivered', receiptReason: 'TEXT_SUCCESSFUL' });
    expect((await receiptRecords(sent.requestId)).map((r) => r.outcome)).toEqual(['RCP.0000']);
    expect((await h.verify(HK_SUCCESS, h.lastCode(HK_SUCCESS))).status).toBe(200);
  });
});

describe("SES's mailbox simulator", () => {
  it('bounce@: suppressed; the next send is refused 400 USG.201040004 before anything is spent or sent; the operator lifts it, and the same pass sends', async () => {
    const address = simulated('bounce');
    const ip = uniqueIp();
    const first = await h.send(address, { ip, token: await h.captcha(address) });
    expect(first.status).toBe(200);
    expect(await requestOf(first.requestId)).toMatchObject({ receipt: 'failed', receiptReason: 'Bounce/Permanent/General' });
    expect((await receiptRecords(first.requestId)).map((r) => [r.outcome, (r.detail as Record<string, unknown>).suppressed])).toEqual([
      ['RCP.0502', 'bounce'],
    ]);

    h.clock.advance(1_000);
    const before = JSON.stringify((await items()).filter((i) => !String(i.pk).startsWith('AUDIT#')));
    const outbox = h.outbox().length;
    const token = await h.captcha(address);
    const refused = await h.send(address, { ip, token });
    expect([refused.status, refused.body.error_code]).toEqual([400, 'USG.201040004']);
    expect(refused.body.error_msg).toBe('无法向该联系方式发送验证码：发往该邮箱的邮件被退回或被举报为垃圾邮件，或该号码已退订。');
    // Nothing spent, nothing counted, nothing sent: every item but the audit records is as it was.
    expect(JSON.stringify((await items()).filter((i) => !String(i.pk).startsWith('AUDIT#')))).toBe(before);
    expect(h.outbox()).toHaveLength(outbox);
    const [refusal] = await h.rt.audit.byRequestId(refused.requestId);
    expect(refusal).toMatchObject({ outcome: 'USG.201040004', status: 400, subjectMasked: maskedEmail(address) });

    const listed = await suppressionScript(['list'], h);
    expect(listed.code).toBe(0);
    expect(
      listed.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    ).toContainEqual(expect.objectContaining({ destination: maskedEmail(address), reason: 'bounce' }));
    expect(listed.stdout).not.toContain(address);
    const lifted = await suppressionScript(['remove', address.toUpperCase()], h);
    expect([lifted.code, lifted.stderr]).toEqual([0, expect.stringContaining('lifted')]);
    const liftRecords = (await items()).filter((i) => i.operation === 'liftSuppression');
    expect(liftRecords.map((r) => [r.outcome, r.caller, r.subjectMasked])).toContainEqual(['SUP.0000', 'operator', maskedEmail(address)]);

    // The pass the refused send carried was never spent: it sends now.
    const resent = await h.send(address, { ip, token });
    expect(resent.status).toBe(200);
  });

  it('complaint@: delivered, then a complaint: the address is suppressed, each receipt with its record', async () => {
    const address = simulated('complaint');
    const sent = await h.send(address, { token: await h.captcha(address) });
    expect(sent.status).toBe(200);
    expect(await requestOf(sent.requestId)).toMatchObject({
      receipt: 'delivered',
      receiptReason: 'Delivery',
      complainedAt: expect.any(Number),
    });
    expect((await receiptRecords(sent.requestId)).map((r) => [r.outcome, (r.detail as Record<string, unknown>).suppressed]).sort()).toEqual(
      [
        ['RCP.0000', undefined],
        ['RCP.0001', 'complaint'],
      ],
    );
    h.clock.advance(61_000);
    const refused = await h.send(address, { token: await h.captcha(address) });
    expect([refused.status, refused.body.error_code]).toEqual([400, 'USG.201040004']);
  });

  it('suppressionlist@ (a hard bounce from the global list) suppresses; success@ does not', async () => {
    const listed = simulated('suppressionlist');
    const fine = simulated('success');
    expect((await h.send(listed, { token: await h.captcha(listed) })).status).toBe(200);
    expect((await h.send(fine, { token: await h.captcha(fine) })).status).toBe(200);
    h.clock.advance(61_000);
    expect((await h.send(listed, { token: await h.captcha(listed) })).body.error_code).toBe('USG.201040004');
    expect((await h.send(fine, { token: await h.captcha(fine) })).status).toBe(200);
  });
});

describe('receipts that come again, or out of order', () => {
  let m: Harness;
  beforeAll(async () => {
    // Receipts handed over by the test itself; a failure's receipt may also come before deliverCode settles.
    m = await harness({
      notifier: (outbox) => ({
        async deliver(message) {
          const accepted = await outbox.deliver(message);
          if (message.to === HK_FAILURE) await m.receipts.drain();
          return accepted;
        },
      }),
    });
  });
  beforeEach(() => m.clock.set(Date.now()));

  /** The receipts the port wrote for one delivery request, as its topic would deliver them. */
  const receiptEventsOf = (sendId: string) =>
    readFileSync(receiptsFileOf(m.outboxPath), 'utf8')
      .split('\n')
      .filter((l) => l.includes(sendId))
      .map((l) => snsEvent(l, 'arn:aws:sns:local:000000000000:verigate-local-delivery-receipts'));

  it('a repeated or late receipt changes nothing: the first final state stays, with its one record', async () => {
    const sent = await m.send(HK_SUCCESS);
    const request = (await m.scan()).find((i) => String(i.pk).startsWith('DELIVERY#') && i.requestId === sent.requestId)!;
    const events = receiptEventsOf(String(request.pk).replace('DELIVERY#', ''));
    expect(events.map((e) => JSON.parse(e.Records[0]!.Sns.Message).eventType)).toEqual(['TEXT_SUCCESSFUL', 'TEXT_DELIVERED']);
    for (const e of [...events].reverse()) await m.receipts.handler(e); // out of order
    for (const e of events) await m.receipts.handler(e); // and again
    const after = (await m.scan()).find((i) => i.pk === request.pk)!;
    expect(after).toMatchObject({ receipt: 'delivered', receiptReason: 'TEXT_DELIVERED' });
    const records = (await m.scan()).filter(
      (i) => i.operation === 'recordReceipt' && (i.detail as Record<string, unknown>).sendRequestId === sent.requestId,
    );
    expect(records).toHaveLength(1);
  });

  it("a failure's receipt before deliverCode settles still refunds the send; the settlement after it changes nothing of that", async () => {
    const sent = await m.send(HK_FAILURE);
    expect(sent.status).toBe(200);
    const request = (await m.scan()).find((i) => String(i.pk).startsWith('DELIVERY#') && i.requestId === sent.requestId)!;
    expect(request).toMatchObject({ outcome: 'accepted', receipt: 'failed' });
    const code = m.lastCode(HK_FAILURE);
    expect((await m.verify(HK_FAILURE, code)).body.error_code).toBe('USG.201050002');
    expect((await m.verify(HK_FAILURE, wrongCode(code))).body.error_code).toBe('USG.201050002');
    expect((await m.send(HK_FAILURE)).status).toBe(200); // refunded: no cooldown
  });
});

describe('an account bound to a suppressed contact', () => {
  const register = async (t: Harness, name: string, email: string) =>
    expect(
      await (t.registerHandler as (e: unknown) => Promise<unknown>)({ customerId: `cust-${randomUUID()}`, name, email }),
    ).toMatchObject({
      status: 'registered',
    });

  it('is withheld like an account without that contact (enumeration protection): 200, a decoy, nothing sent', async () => {
    const name = `supp${Date.now().toString(36)}`;
    const email = simulated('bounce');
    await register(h, name, email);
    expect((await h.send(name, { sendMethod: 'email' })).body.bindEmail).toBe(maskedEmail(email));
    h.clock.advance(61_000);
    const outbox = h.outbox().length;
    const withheld = await h.send(name, { sendMethod: 'email' });
    expect(withheld.status).toBe(200);
    expect(withheld.body.bindEmail).not.toBe(maskedEmail(email));
    expect(withheld.body.bindEmail).toEqual(expect.stringContaining('@'));
    expect(h.outbox()).toHaveLength(outbox);
    // Its mobile is not suppressed: an SMS to the same account would still go (it has none here: a decoy too).
    expect((await h.rt.audit.byRequestId(withheld.requestId))[0]).toMatchObject({ detail: { channel: 'none', withheld: 'suppressed' } });
  });

  it('is refused 400 USG.201040004 without enumeration protection', async () => {
    const open = await harness({ env: { ENUMERATION_PROTECTION: 'false' }, receipts: true });
    open.clock.set(Date.now());
    const name = `supp${Date.now().toString(36)}x`;
    await register(open, name, simulated('bounce'));
    expect((await open.send(name, { sendMethod: 'email' })).status).toBe(200);
    open.clock.advance(61_000);
    const refused = await open.send(name, { sendMethod: 'email' });
    expect([refused.status, refused.body.error_code]).toEqual([400, 'USG.201040004']);
    const mobile = uniqueMobile().e164;
    expect((await open.send(mobile)).status).toBe(200); // others are not affected
  });
});
