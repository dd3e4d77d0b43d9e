// Helpers shared by the check-identity, partner-auth and audit integration tests: calling check-identity
// through the real HTTP pipeline with a partner token or an AK/SK signature from the official Huawei signer.
import { expect } from 'vitest';
import { httpEvent, invokeHandler } from '../../dev/support/events.js';
import { mintPartnerToken, type MintOptions } from '../../scripts/tokens.js';
import { LOCAL_PARTNER_DEFAULTS } from '../../shared/local-defaults.js';
import { OPERATIONS } from '../../shared/operations.js';
import { signWithHuaweiSdk } from '../../dev/support/huawei-sign.js';
import type { TestRuntime } from '../support/runtime.js';

const CHECK_IDENTITY_PATH = OPERATIONS.checkIdentity.route.path;
const CHECK_IDENTITY_URL = `http://127.0.0.1:3000${CHECK_IDENTITY_PATH}`;
export const PARTNER_AK = LOCAL_PARTNER_DEFAULTS.accessKey;
export const PARTNER_SK = LOCAL_PARTNER_DEFAULTS.secretKey;

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  requestId: string;
}

/** POSTs `body` to check-identity as API Gateway would deliver it (from `sourceIp`, default 203.0.113.10) and parses the answer. */
export async function post(handler: unknown, body: unknown, headers: Record<string, string> = {}, sourceIp?: string): Promise<Answer> {
  const res = await invokeHandler(handler, httpEvent(CHECK_IDENTITY_PATH, body, headers, sourceIp));
  return {
    status: res.statusCode,
    headers: res.headers,
    body: res.body === '' ? {} : (JSON.parse(res.body) as Record<string, unknown>),
    requestId: res.headers['x-request-id'] ?? '',
  };
}

export async function tokenHeaders(t: TestRuntime, role = 'solution_provider', o: MintOptions = {}): Promise<Record<string, string>> {
  return { 'X-Auth-Token': await mintPartnerToken(t.config, role, o) };
}

/** Headers the official SDK signer puts on this request, signed at the test clock's time unless told otherwise. */
export function akskHeaders(
  t: TestRuntime,
  body: Record<string, unknown>,
  o: { ak?: string; sk?: string; date?: Date } = {},
): Promise<Record<string, string>> {
  return signWithHuaweiSdk({
    ak: o.ak ?? PARTNER_AK,
    sk: o.sk ?? PARTNER_SK,
    method: 'POST',
    url: CHECK_IDENTITY_URL,
    body,
    date: o.date ?? t.clock.now(),
  });
}

/** The request's audit records, found by the X-Request-Id the response carries (the caller's, or the platform's id). */
export async function auditOf(t: TestRuntime, answer: Answer): Promise<Array<Record<string, unknown>>> {
  expect(answer.requestId).not.toBe('');
  return t.auditRecords(answer.requestId);
}

/** Exactly one audit record for the request, which must not contain any of `secrets` (raw values, tokens, SKs). */
export async function theAuditOf(t: TestRuntime, answer: Answer, secrets: string[] = []): Promise<Record<string, unknown>> {
  const records = await auditOf(t, answer);
  expect(records).toHaveLength(1);
  const dump = JSON.stringify(records).toLowerCase();
  for (const s of secrets) expect(dump, `audit record contains ${s}`).not.toContain(s.toLowerCase());
  return records[0]!;
}
