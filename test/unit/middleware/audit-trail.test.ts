import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { budgetSignal, withinRequestBudget } from '../../../shared/deadline.js';
import { ServiceError } from '../../../shared/errors.js';
import { auditTrail } from '../../../shared/middleware/audit-trail.js';
import { familyResponse } from '../../../shared/middleware/family-response.js';
import { logger } from '../../../shared/observability.js';
import { ANSWER_RESERVE_MS } from '../../../shared/policy.js';
import { asHttp, chain, httpPost, NOW, RecordingAuditSink, type Middleware } from './support.js';

/** What the domain does with the request's audit while it runs: names the subject, adds facts. */
const namesItsSubject: Middleware = {
  before: async (request) => {
    const audit = request.internal.operation!.audit;
    audit.setSubject('hash-of-the-number', '+86181****2345');
    audit.addDetail({ channel: 'sms' });
  },
};

function audited(handler: () => Promise<unknown>, o: { family?: 'CBC' | 'USG'; sink?: RecordingAuditSink; more?: Middleware[] } = {}) {
  const sink = o.sink ?? new RecordingAuditSink();
  const family = o.family ?? 'USG';
  const c = chain([auditTrail({ family, sink: () => sink }), namesItsSubject, ...(o.more ?? [])], handler, {
    outer: [familyResponse({ family })],
  });
  return { ...c, sink };
}

afterEach(() => vi.restoreAllMocks());

describe('auditTrail', () => {
  it('leaves one record of a success: the family success code, 200, the subject and the facts gathered', async () => {
    const a = audited(async () => ({ expire: 180 }));
    await a.invoke(httpPost('{}', { 'X-Request-Id': 'client-1' }), { awsRequestId: 'lambda-1' });
    expect(a.sink.written).toHaveLength(1);
    expect(a.sink.written[0]).toMatchObject({
      requestId: 'lambda-1',
      clientRequestId: 'client-1',
      operation: 'sendVerificationCode',
      caller: 'anonymous',
      outcome: 'USG.000000000',
      status: 200,
      subjectHash: 'hash-of-the-number',
      subjectMasked: '+86181****2345',
      sourceIp: '203.0.113.10',
      at: NOW,
      detail: { channel: 'sms' },
    });
    expect(a.sink.written[0]!.latencyMs).toBeGreaterThanOrEqual(0);
    expect(a.sink.amended).toEqual([]);
  });

  it('uses the CBC success code for the CBC family', async () => {
    const a = audited(async () => ({}), { family: 'CBC' });
    await a.invoke(httpPost('{}'));
    expect(a.sink.written.map((r) => [r.outcome, r.status])).toEqual([['CBC.0000', 200]]);
  });

  it("leaves one record of a refusal with the code the caller is answered with, and the error's own audit facts", async () => {
    const a = audited(async () => {
      throw new ServiceError('USG.201050001', { fields: { remaining_attempts: 3 }, audit: { attempt: 2 } });
    });
    const result = asHttp(await a.invoke(httpPost('{}')));
    expect(result.statusCode).toBe(400);
    expect(a.sink.written).toHaveLength(1);
    expect(a.sink.written[0]).toMatchObject({ outcome: 'USG.201050001', status: 400, detail: { channel: 'sms', attempt: 2 } });
  });

  it('records an unexpected error as the family 500, without its message', async () => {
    const a = audited(async () => {
      throw new Error('ProvisionedThroughputExceeded on arn:aws:dynamodb:secret');
    });
    const result = asHttp(await a.invoke(httpPost('{}')));
    expect(result.statusCode).toBe(500);
    expect(a.sink.written.map((r) => [r.outcome, r.status])).toEqual([['USG.000000500', 500]]);
    expect(JSON.stringify(a.sink.written)).not.toContain('arn:aws');
  });

  it('records a direct invocation as caller direct, under the id it was given, failures included', async () => {
    const a = audited(async () => {
      throw new ServiceError('USG.000000001', { detail: 'bad' });
    });
    await expect(a.invoke({ user: 'x', headers: { 'x-request-id': 'sfn-exec-42' } }, { awsRequestId: 'lambda-2' })).rejects.toMatchObject({
      name: 'USG.000000001',
    });
    expect(a.sink.written).toHaveLength(1);
    expect(a.sink.written[0]).toMatchObject({
      requestId: 'lambda-2',
      clientRequestId: 'sfn-exec-42',
      caller: 'direct',
      outcome: 'USG.000000001',
      status: 400,
    });
  });

  it('writes nothing more when a store already committed the record with its state change', async () => {
    const commits: Middleware = {
      before: async (request) => request.internal.operation!.audit.pending('USG.000000000', 200).committed(),
    };
    const a = audited(async () => ({}), { more: [commits] });
    await a.invoke(httpPost('{}'));
    expect(a.sink.written).toEqual([]);
    expect(a.sink.amended).toEqual([]);
  });

  it('amends the committed record, once, when the answer changed after the commit', async () => {
    let committedId = '';
    const commits: Middleware = {
      before: async (request) => {
        const pending = request.internal.operation!.audit.pending('USG.000000000', 200);
        committedId = pending.record.id;
        pending.committed();
      },
    };
    const a = audited(
      async () => {
        throw new Error('the answer was lost after the commit');
      },
      { more: [commits] },
    );
    expect(asHttp(await a.invoke(httpPost('{}'))).statusCode).toBe(500);
    expect(a.sink.written).toEqual([]);
    expect(a.sink.amended).toHaveLength(1);
    expect(a.sink.amended[0]).toMatchObject({
      outcome: 'USG.000000500',
      status: 500,
      record: { id: committedId, outcome: 'USG.000000000' },
    });
  });

  it('logs the record instead when the sink fails on a refusal, and the caller still gets the refusal', async () => {
    const errors = vi.spyOn(logger, 'error');
    const sink = new RecordingAuditSink();
    sink.failNext = 1;
    const a = audited(
      async () => {
        throw new ServiceError('USG.000000006', { detail: 'captcha' });
      },
      { sink },
    );
    const result = asHttp(await a.invoke(httpPost('{}'), { awsRequestId: 'lambda-3' }));
    expect(result.statusCode).toBe(403);
    expect(sink.written).toEqual([]);
    expect(errors).toHaveBeenCalledTimes(1);
    expect(errors).toHaveBeenCalledWith('audit record not stored; logged instead', {
      audit: expect.objectContaining({ requestId: 'lambda-3', outcome: 'USG.000000006', status: 403, subjectMasked: '+86181****2345' }),
      error: 'audit record not stored: TimeoutError',
    });
  });

  it('acknowledges no success whose record was not stored: the caller gets the 500, the record says so', async () => {
    const sink = new RecordingAuditSink();
    sink.failNext = 1;
    const a = audited(async () => ({ expire: 180 }), { sink });
    const result = asHttp(await a.invoke(httpPost('{}')));
    expect(result.statusCode).toBe(500);
    expect(sink.written.map((r) => [r.outcome, r.status])).toEqual([['USG.000000500', 500]]);
  });

  it('fails a direct invocation whose success could not be recorded, with the family 500 code', async () => {
    const errors = vi.spyOn(logger, 'error');
    const sink = new RecordingAuditSink();
    sink.failNext = 2;
    const a = audited(async () => ({ expire: 180 }), { sink });
    await expect(a.invoke({ user: 'x' })).rejects.toMatchObject({ name: 'USG.000000500' });
    expect(sink.written).toEqual([]);
    expect(errors).toHaveBeenCalledWith(
      'audit record not stored; logged instead',
      expect.objectContaining({ audit: expect.objectContaining({ outcome: 'USG.000000500' }) }),
    );
  });

  it("writes in the answer phase: a request whose work budget is spent still gets its record's time", async () => {
    const seen: Array<{ phase: string; aborted: boolean | undefined }> = [];
    const sink = new RecordingAuditSink();
    sink.onWrite = () => seen.push({ phase: 'audit', aborted: budgetSignal()?.aborted });
    const a = audited(
      async () => {
        await sleep(120);
        seen.push({ phase: 'work', aborted: budgetSignal()?.aborted });
        throw Object.assign(new Error('the table did not answer in time'), { name: 'TimeoutError' });
      },
      { sink },
    );
    const result = asHttp(await withinRequestBudget(ANSWER_RESERVE_MS + 50, () => a.invoke(httpPost('{}'))));
    expect(seen).toEqual([
      { phase: 'work', aborted: true },
      { phase: 'audit', aborted: false },
    ]);
    // A call that got no answer is capacity (SPEC §2): the family's 503, not a 500.
    expect(result.statusCode).toBe(503);
    expect(sink.written.map((r) => r.outcome)).toEqual(['USG.000000503']);
  });

  it('does nothing for a request that never started (no state to record)', async () => {
    const sink = new RecordingAuditSink();
    const c = chain([auditTrail({ family: 'USG', sink: () => sink })], async () => ({}), { withRequestContext: false });
    await c.invoke(httpPost('{}'));
    expect(c.states).toEqual([]);
    expect(sink.written).toEqual([]);
  });
});
