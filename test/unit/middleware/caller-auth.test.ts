import { describe, expect, it } from 'vitest';
import { ServiceError } from '../../../shared/errors.js';
import { callerAuth } from '../../../shared/middleware/caller-auth.js';
import { jsonBody } from '../../../shared/middleware/json-body.js';
import type { IncomingRequest } from '../../../shared/request/incoming.js';
import type { AuthenticatedCaller, Authenticator } from '../../../shared/request/operation-context.js';
import { chain, httpPost, NOW, RecordingAuditSink } from './support.js';

/** The authenticator port in memory: a table of tokens, and every request it was asked about. */
function tokenTable(tokens: Record<string, AuthenticatedCaller>) {
  const asked: Array<{ request: IncomingRequest; ctx: { now: Date; requestId: string } }> = [];
  const authenticate: Authenticator = async (request, ctx) => {
    asked.push({ request, ctx });
    const token = request.headers['x-auth-token'];
    const caller = token === undefined ? undefined : tokens[token];
    if (!caller) throw new ServiceError(token === undefined ? 'CBC.0151' : 'CBC.0154', { detail: 'unknown token' });
    return caller;
  };
  return { authenticate, asked };
}

const PARTNER: AuthenticatedCaller = { kind: 'partner-token', subject: 'partner-7' };

describe('callerAuth', () => {
  it('names the caller for the rest of the request and for its audit record', async () => {
    const auth = tokenTable({ 'good-token': PARTNER });
    const c = chain([callerAuth(auth.authenticate)]);
    await c.invoke(httpPost('{}', { 'X-Auth-Token': 'good-token', 'X-Request-Id': 'req-auth-1' }));
    const state = c.states[0]!;
    expect(state.caller).toEqual(PARTNER);
    expect(auth.asked).toHaveLength(1);
    expect(auth.asked[0]!.ctx).toEqual({ now: NOW, requestId: 'req-auth-1' });
    expect(auth.asked[0]!.request.headers['x-auth-token']).toBe('good-token');
    const sink = new RecordingAuditSink();
    await state.audit.finish(sink, 'CBC.0000', 200);
    expect(sink.written[0]!.caller).toBe('partner-token:partner-7');
  });

  it('lets the authenticator’s refusal through unchanged, and nothing after it runs', async () => {
    const auth = tokenTable({ 'good-token': PARTNER });
    const c = chain([callerAuth(auth.authenticate)]);
    await expect(c.invoke(httpPost('{}'))).rejects.toMatchObject({ code: 'CBC.0151' });
    await expect(c.invoke(httpPost('{}', { 'X-Auth-Token': 'forged' }))).rejects.toMatchObject({ code: 'CBC.0154' });
    expect(c.states).toEqual([]);
  });

  it('runs before the body is read: a hostile body without credentials learns only that it has none', async () => {
    const auth = tokenTable({ 'good-token': PARTNER });
    const c = chain([callerAuth(auth.authenticate), jsonBody({ family: 'CBC' })]);
    await expect(c.invoke(httpPost('{"search_value":', { 'content-type': 'text/plain' }))).rejects.toMatchObject({ code: 'CBC.0151' });
    await expect(c.invoke(httpPost('{"search_value":', { 'X-Auth-Token': 'good-token' }))).rejects.toMatchObject({ code: 'CBC.0100' });
  });

  it('trusts a direct invocation (IAM authenticated it): no authenticator call, no caller, audited as direct', async () => {
    const auth = tokenTable({});
    const c = chain([callerAuth(auth.authenticate)]);
    await c.invoke({ search_type: 'name', search_value: 'x', headers: { 'X-Auth-Token': 'anything' } });
    expect(auth.asked).toEqual([]);
    const state = c.states[0]!;
    expect(state.caller).toBeUndefined();
    const sink = new RecordingAuditSink();
    await state.audit.finish(sink, 'CBC.0000', 200);
    expect(sink.written[0]!.caller).toBe('direct');
  });
});
