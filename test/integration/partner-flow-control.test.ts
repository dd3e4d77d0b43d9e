// Issue 9 item 11: CBC.0250 per-partner flow control on check-identity (SPEC §2): at most
// PARTNER_REQUESTS_PER_SECOND calls of one partner (the authenticated token subject or AK) per second.
import { vi, describe, it, expect } from 'vitest';

vi.hoisted(() => {
  process.env.LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

import { createCheckIdentityHandler } from '../../functions/check-identity.js';
import { countRequests } from '../../dev/support/meter.js';
import { createTestRuntime, type TestRuntime } from '../support/runtime.js';
import { akskHeaders, auditOf, post, tokenHeaders, type Answer } from './partner-auth-support.js';

const BODY = { search_type: 'name', search_value: 'ceshiyonghu001' };

/** A runtime at `limit` calls per second, its clock 300 ms into a second. */
async function limited(limit: number): Promise<{ t: TestRuntime; handler: ReturnType<typeof createCheckIdentityHandler> }> {
  const t = await createTestRuntime({ env: { PARTNER_REQUESTS_PER_SECOND: String(limit) } });
  t.clock.set(Math.floor(Date.now() / 1000) * 1000 + 300);
  return { t, handler: createCheckIdentityHandler(t.rt) };
}

const tally = (answers: Answer[]) => {
  const out: Record<string, number> = {};
  for (const a of answers) {
    const key = a.status === 200 ? '200' : `${a.status} ${String(a.body.error_code)}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
};

describe('per-partner flow control (CBC.0250)', () => {
  it('30 concurrent calls of one partner at a limit of 5: 5 answered, 25 → 429 CBC.0250 with Retry-After ≥ 1', async () => {
    const { t, handler } = await limited(5);
    const auth = await tokenHeaders(t);
    const answers = await Promise.all(Array.from({ length: 30 }, () => post(handler, BODY, auth)));
    expect(tally(answers)).toEqual({ '200': 5, '429 CBC.0250': 25 }); // actual before the fix: 30 × 200
    for (const refused of answers.filter((a) => a.status === 429)) {
      expect(refused.body).toEqual({ error_code: 'CBC.0250', error_msg: 'Flow control. Try again later.', retry_after: 1 });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
  });

  it("counts per partner: another partner's calls are answered; the next second answers the first again", async () => {
    const { t, handler } = await limited(2);
    const first = await tokenHeaders(t, 'solution_provider', { subject: 'partner-one' });
    const second = await tokenHeaders(t, 'distributor', { subject: 'partner-two' });
    const a = [await post(handler, BODY, first), await post(handler, BODY, first), await post(handler, BODY, first)];
    expect(a.map((r) => r.status)).toEqual([200, 200, 429]);
    expect((await post(handler, BODY, second)).status).toBe(200);
    t.clock.advance(700); // the next second
    expect((await post(handler, BODY, first)).status).toBe(200);
  });

  it('counts an AK/SK partner by its access key', async () => {
    const { t, handler } = await limited(2);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await post(handler, BODY, await akskHeaders(t, BODY))).status);
    expect(statuses).toEqual([200, 200, 429]);
    // The token partner is another partner.
    expect((await post(handler, BODY, await tokenHeaders(t))).status).toBe(200);
  });

  it("counts only authenticated calls: a forger's refused calls use none of the partner's rate", async () => {
    const { t, handler } = await limited(3);
    const forged = { 'X-Auth-Token': 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJsb2NhbC1wYXJ0bmVyIn0.c2lnbmF0dXJl' };
    for (let i = 0; i < 5; i++) expect((await post(handler, BODY, forged)).status).toBe(403);
    const auth = await tokenHeaders(t);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(handler, BODY, auth)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });

  it('does not limit a trusted direct invocation (no partner: IAM authenticated it)', async () => {
    const { handler } = await limited(1);
    const call = handler as unknown as (e: unknown, c: unknown) => Promise<unknown>;
    for (let i = 0; i < 3; i++) await expect(call(BODY, {})).resolves.toMatchObject({ error_code: 'CBC.0000' });
  });

  it('a refused call is audited as CBC.0250 and reads nothing: UpdateItem (the count) + PutItem (the audit record)', async () => {
    const { t, handler } = await limited(1);
    const auth = await tokenHeaders(t);
    expect((await post(handler, BODY, auth)).status).toBe(200);
    const counter = countRequests(t.rt.db);
    const refused = await post(handler, BODY, auth);
    expect(refused.status).toBe(429);
    expect(counter.operations).toEqual(['UpdateItem', 'PutItem']);
    const [record] = await auditOf(t, refused);
    expect(record).toMatchObject({ outcome: 'CBC.0250', status: 429, caller: 'partner-token:local-partner' });
  });
});
