import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServiceError } from '../../../shared/errors.js';
import { requestLog } from '../../../shared/middleware/request-log.js';
import { logger, metrics } from '../../../shared/observability.js';
import { chain, httpPost, type Middleware } from './support.js';

const RAW_NUMBER = '+8618112342345';

const namesItsSubject: Middleware = {
  before: async (request) => request.internal.operation!.audit.setSubject('hash', '+86181****2345'),
};

function logged(handler: () => Promise<unknown>, family: 'CBC' | 'USG' = 'USG') {
  const info = vi.spyOn(logger, 'info');
  const error = vi.spyOn(logger, 'error');
  const metric = vi.spyOn(metrics, 'addMetric');
  const c = chain([namesItsSubject], handler, { outer: [requestLog({ family })] });
  const lines = () => [...info.mock.calls, ...error.mock.calls];
  return { invoke: c.invoke, info, error, metric, lines };
}

afterEach(() => vi.restoreAllMocks());

describe('requestLog', () => {
  it('logs one line per success: status, family code, caller, masked subject and latency', async () => {
    const l = logged(async () => ({}));
    await l.invoke(httpPost(JSON.stringify({ user: RAW_NUMBER })));
    expect(l.info).toHaveBeenCalledTimes(1);
    expect(l.info).toHaveBeenCalledWith('request done', {
      status: 200,
      code: 'USG.000000000',
      caller: 'anonymous',
      subject: '+86181****2345',
      latencyMs: expect.any(Number),
    });
    expect(l.error).not.toHaveBeenCalled();
  });

  it('logs a refusal with its internal reason, then the line of the request', async () => {
    const l = logged(async () => {
      throw new ServiceError('CBC.0154', { detail: 'token expired 5 s ago' });
    }, 'CBC');
    await expect(l.invoke(httpPost('{}'))).rejects.toBeInstanceOf(ServiceError);
    expect(l.info.mock.calls).toEqual([
      ['request refused', { code: 'CBC.0154', detail: 'token expired 5 s ago' }],
      ['request done', expect.objectContaining({ status: 403, code: 'CBC.0154' })],
    ]);
    expect(l.error).not.toHaveBeenCalled();
  });

  it('logs only the line of the request for a refusal that carries no reason', async () => {
    const l = logged(async () => {
      throw new ServiceError('USG.000000006');
    });
    await expect(l.invoke(httpPost('{}'))).rejects.toBeInstanceOf(ServiceError);
    expect(l.info.mock.calls.map((c) => c[0])).toEqual(['request done']);
  });

  it('logs an unexpected error in full for operators, and counts it in ServerErrors', async () => {
    const l = logged(async () => {
      throw new RangeError('the store broke');
    });
    await expect(l.invoke(httpPost('{}'))).rejects.toThrow('the store broke');
    expect(l.error).toHaveBeenCalledWith('unhandled error', {
      error: { name: 'RangeError', message: 'the store broke', stack: expect.stringContaining('request-log.test.ts') },
    });
    expect(l.metric).toHaveBeenCalledWith('ServerErrors', 'Count', 1);
    expect(l.info).toHaveBeenCalledWith('request done', expect.objectContaining({ status: 500, code: 'USG.000000500' }));
  });

  it('logs a thrown value that is not an Error as text', async () => {
    const l = logged(async () => {
      throw 42;
    });
    await expect(l.invoke(httpPost('{}'))).rejects.toBe(42);
    expect(l.error).toHaveBeenCalledWith('unhandled error', { error: '42' });
  });

  it('never logs the raw contact from the body, only its masked form', async () => {
    const l = logged(async () => {
      throw new ServiceError('USG.201050001');
    });
    await expect(l.invoke(httpPost(JSON.stringify({ contact: RAW_NUMBER, verificationCode: '123456' })))).rejects.toBeInstanceOf(
      ServiceError,
    );
    const text = JSON.stringify(l.lines());
    expect(text).toContain('+86181****2345');
    expect(text).not.toContain(RAW_NUMBER);
    expect(text).not.toContain('123456');
  });

  it('still logs the line of a request that failed before it started', async () => {
    const info = vi.spyOn(logger, 'info');
    const c = chain(
      [],
      async () => {
        throw new ServiceError('USG.000000001');
      },
      { withRequestContext: false, outer: [requestLog({ family: 'USG' })] },
    );
    await expect(c.invoke(httpPost('{}'))).rejects.toBeInstanceOf(ServiceError);
    expect(info).toHaveBeenCalledWith('request done', {
      status: 400,
      code: 'USG.000000001',
      caller: undefined,
      subject: undefined,
      latencyMs: undefined,
    });
  });
});
