// Lifecycle events on the running local stack (docs/operations.md "Lifecycle events"): the stack feeds the
// table's stream to publishLifecycleEvents through serverless-offline with its own filter, as its event source
// mapping does in AWS, and the function writes each event as a JSON line of the events file beside the outbox
// (`.data/events.jsonl` under `npm start`).
import { describe, expect, inject, it } from 'vitest';
import { uniqueMobile } from '../../dev/support/identities.js';
import { readEvents } from '../../dev/support/lifecycle.js';
import { eventsFileOf, type EventLine } from '../../shared/events/publisher.js';
import { appToken, call, captchaToken, expectOk, outboxFor } from './helpers.js';

/** The events whose detail names `clientRequestId`, once `count` of them are in the file. */
async function eventsOf(clientRequestIds: string[], count: number): Promise<EventLine[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const found = readEvents(eventsFileOf(inject('outboxPath'))).filter((e) => clientRequestIds.includes(String(e.detail.clientRequestId)));
    if (found.length >= count || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('lifecycle events on the local stack', () => {
  it("send → delivered → verified: CodeSent, CodeDelivered and CodeVerified in the events file, masked, with the callers' request ids", async () => {
    const mobile = uniqueMobile();
    const sent = await call('sendVerificationCode', { user: mobile.e164, token: await captchaToken(mobile.e164) });
    await expectOk(sent);
    const [message] = await outboxFor(sent.requestId);
    const verified = await call(
      'verifyVerificationCode',
      { contact: mobile.e164, verificationCode: message!.code },
      { headers: { 'X-Access-Token': await appToken() } },
    );
    await expectOk(verified);

    const events = await eventsOf([sent.requestId, verified.requestId], 3);
    expect(events.map((e) => e['detail-type']).sort()).toEqual(['CodeDelivered', 'CodeSent', 'CodeVerified']);
    for (const e of events) {
      expect(e.source).toBe('verigate.codes');
      expect(e.detail).toMatchObject({ channel: 'sms', country: 'CN' });
      expect(JSON.stringify(e)).not.toContain(mobile.national);
      expect(JSON.stringify(e)).not.toContain(`"${message!.code}"`);
    }
    expect(events.find((e) => e['detail-type'] === 'CodeVerified')!.detail.clientRequestId).toBe(verified.requestId);
  }, 60_000);
});
