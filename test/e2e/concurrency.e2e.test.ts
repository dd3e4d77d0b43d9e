// Concurrent requests against the real stack: exactly one winner where SPEC §4 / §3 promise it.
import { describe, expect, it } from 'vitest';
import { uniqueMobile, uniqueName } from '../../dev/support/identities.js';
import { appToken, auditRecordsSince, call, captchaToken, expectAudited, expectOk, invoke, outboxFor } from './helpers.js';

describe('under concurrency', () => {
  it('of 5 concurrent correct verifications exactly one gets 200', async () => {
    const mobile = uniqueMobile();
    const send = await call('sendVerificationCode', { user: mobile.e164, token: await captchaToken(mobile.e164) });
    await expectOk(send);
    const [message] = await outboxFor(send.requestId);
    const app = { 'X-Access-Token': await appToken() };
    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        call('verifyVerificationCode', { contact: mobile.e164, verificationCode: message!.code }, { headers: app }),
      ),
    );
    const statuses = results.map((r) => r.status);
    expect(
      statuses.filter((s) => s === 200),
      JSON.stringify(results.map((r) => r.text)),
    ).toHaveLength(1);
    for (const r of results) {
      if (r.status !== 200) expect(['USG.201050002', 'USG.201050003']).toContain(r.json?.error_code);
      expect(r.status).toBeLessThan(500);
      await expectAudited(r, [message!.code, mobile.e164]);
    }
  });

  it('of 4 concurrent sends to one destination (each with its own pass) exactly one is accepted', async () => {
    const { e164 } = uniqueMobile();
    const tokens = await Promise.all(Array.from({ length: 4 }, () => captchaToken(e164)));
    const results = await Promise.all(tokens.map((token) => call('sendVerificationCode', { user: e164, token })));
    expect(
      results.map((r) => r.status).filter((s) => s === 200),
      JSON.stringify(results.map((r) => r.text)),
    ).toHaveLength(1);
    for (const r of results) {
      if (r.status !== 200) expect(r.json?.error_code).toBe('USG.201050004');
      await expectAudited(r);
    }
  });

  it('of 4 concurrent registrations of one name by different customers exactly one succeeds', async () => {
    const name = uniqueName();
    const since = new Date();
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, i) => invoke('registerCustomer', { customerId: `cust-${name}-${i}`, name })),
    );
    const ok = results.filter((r) => r.functionError === null);
    expect(ok, JSON.stringify(results.map((r) => r.payload))).toHaveLength(1);
    expect(ok[0]!.payload).toMatchObject({ status: 'registered' });
    const records = await auditRecordsSince('registerCustomer', since);
    expect(records).toHaveLength(4);
    expect(records.map((r) => r.outcome).sort()).toEqual(['CUS.0000', 'CUS.0409', 'CUS.0409', 'CUS.0409']);
  });
});
