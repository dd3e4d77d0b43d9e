// The audit index (gsi1, infra/table.json) answers "what happened to this destination, and when" from the
// index alone: who asked, what, the outcome. It projects nothing else, so the source IP and the details of a
// record stay on the record itself (read it by its request id).
import { vi, describe, it, expect, beforeAll } from 'vitest';

vi.hoisted(() => {
  process.env.LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

import { createTestRuntime, type TestRuntime } from '../support/runtime.js';

let t: TestRuntime;

beforeAll(async () => {
  t = await createTestRuntime();
});

const record = (requestId: string, at: string, outcome: string) => ({
  requestId,
  operation: 'sendVerificationCode',
  caller: 'anonymous',
  outcome,
  status: outcome === 'USG.000000000' ? 200 : 429,
  id: `${requestId}-record`,
  subjectHash: 'hash-of-a-destination',
  subjectMasked: '+86181****2345',
  sourceIp: '203.0.113.10',
  at: new Date(at),
  latencyMs: 12,
  detail: { channel: 'sms' },
});

describe('the audit records of a destination', () => {
  it('come newest first with who, what and the outcome, and without the source IP or details', async () => {
    await t.rt.audit.write(record('idx-1', '2026-01-01T10:00:00.000Z', 'USG.000000000'));
    await t.rt.audit.write(record('idx-2', '2026-01-01T10:00:30.000Z', 'USG.201050004'));

    const found = await t.rt.audit.bySubject('hash-of-a-destination');
    expect(found.map((r) => [r.requestId, r.outcome, r.status])).toEqual([
      ['idx-2', 'USG.201050004', 429],
      ['idx-1', 'USG.000000000', 200],
    ]);
    for (const r of found) {
      expect(r).toMatchObject({ operation: 'sendVerificationCode', caller: 'anonymous', subjectMasked: '+86181****2345' });
      expect(Object.keys(r).sort()).toEqual([
        'caller',
        'gsi1pk',
        'gsi1sk',
        'operation',
        'outcome',
        'pk',
        'requestId',
        'sk',
        'status',
        'subjectMasked',
      ]);
    }
    // The whole record, source IP and details included, is one read away.
    expect(await t.rt.audit.byRequestId('idx-1')).toMatchObject([{ sourceIp: '203.0.113.10', detail: { channel: 'sms' }, latencyMs: 12 }]);
  });

  it('can start from a point in time', async () => {
    const since = await t.rt.audit.bySubject('hash-of-a-destination', new Date('2026-01-01T10:00:10.000Z'));
    expect(since.map((r) => r.requestId)).toEqual(['idx-2']);
  });
});
