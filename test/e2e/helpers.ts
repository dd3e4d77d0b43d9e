// Shared helpers for the end-to-end suite: HTTP calls against serverless-offline, direct Lambda invocations
// through its invoke endpoint, the outbox file, audit records in DynamoDB Local, and unique test identities.
import { CLIENT_REQUEST_ID } from '../../shared/policy.js';
import { randomUUID } from 'node:crypto';
import { ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { expect, inject } from 'vitest';
import { localDynamoDbClient } from '../../dev/emulator.js';
import { OFFLINE_STAGE } from '../../dev/offline.js';
import { apiGatewayEvent } from '../../dev/support/events.js';
import { readOutbox as readOutboxFile, type OutboxMessage } from '../../dev/support/outbox.js';
import { mintAppToken, mintCaptchaToken, mintPartnerToken } from '../../scripts/tokens.js';
import { loadConfig } from '../../shared/config.js';
import { FAMILY_CODES } from '../../shared/errors.js';
import { functionName, OPERATIONS, type HttpOperationName, type OperationName } from '../../shared/operations.js';
import { keys } from '../../shared/store/keys.js';

/** The same local defaults the stack uses (no secret is configured in the test environment). */
export const config = loadConfig({ STAGE: OFFLINE_STAGE });

export const apiUrl = (): string => inject('apiUrl');
export const lambdaEndpoint = (): string => inject('lambdaEndpoint');

export const newRequestId = (): string => `e2e-${randomUUID()}`;

// ---------- tokens ----------

/**
 * A partner token of a partner of its own (a fresh subject) unless `o.subject` says otherwise: each
 * partner may make PARTNER_REQUESTS_PER_SECOND check-identity calls a second (CBC.0250), and the suite
 * calls faster than one partner may.
 */
export const partnerToken = (role = 'solution_provider', o: Parameters<typeof mintPartnerToken>[2] = {}): Promise<string> =>
  mintPartnerToken(config, role, { subject: `e2e-partner-${randomUUID()}`, ...o });
export const appToken = (o: Parameters<typeof mintAppToken>[1] = {}): Promise<string> => mintAppToken(config, o);
export const captchaToken = (user: string, o: Parameters<typeof mintCaptchaToken>[2] = {}): Promise<string> =>
  mintCaptchaToken(config, user, o);

// ---------- HTTP ----------

export interface CallOptions {
  headers?: Record<string, string>;
  /** X-Request-Id to send; default a fresh unique id; null sends none. */
  requestId?: string | null;
  /** Content-Type to send; default application/json; null sends none (the body goes as bytes). */
  contentType?: string | null;
  /** Body sent exactly as given instead of JSON.stringify(body). */
  raw?: string | Uint8Array;
}

export interface ApiResponse {
  op: HttpOperationName;
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body, or undefined when it is empty or not JSON. */
  json: Record<string, unknown> | undefined;
  /** The response's X-Request-Id. */
  requestId: string;
  /** The X-Request-Id this request carried, if any. */
  sentRequestId: string | undefined;
  /** Strings of the request that must never show up raw in an audit record. */
  sensitive: string[];
}

const SENSITIVE_FIELDS = new Set(['search_value', 'user', 'contact', 'verificationCode', 'token']);

function sensitiveValues(body: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown, key?: string): void => {
    if (typeof v === 'string' && key !== undefined && SENSITIVE_FIELDS.has(key) && v.trim().length >= 6) out.push(v.trim());
    else if (Array.isArray(v)) v.forEach((x) => walk(x, key));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(body);
  return out;
}

/** POSTs to an HTTP operation's route. */
export async function call(op: HttpOperationName, body: unknown, options: CallOptions = {}): Promise<ApiResponse> {
  const sentRequestId = options.requestId === null ? undefined : (options.requestId ?? newRequestId());
  const headers: Record<string, string> = {};
  const contentType = options.contentType === undefined ? 'application/json' : options.contentType;
  if (contentType !== null) headers['content-type'] = contentType;
  if (sentRequestId !== undefined) headers['x-request-id'] = sentRequestId;
  Object.assign(headers, options.headers);
  let payload: string | Uint8Array = options.raw ?? JSON.stringify(body);
  // fetch labels a string body text/plain; bytes go without any content type.
  if (contentType === null && typeof payload === 'string') payload = new TextEncoder().encode(payload);
  const { route } = OPERATIONS[op];
  const res = await fetch(`${apiUrl()}${route.path}`, { method: route.method, headers, body: payload });
  return toApiResponse(op, res, sentRequestId, sensitiveValues(body));
}

export async function toApiResponse(
  op: HttpOperationName,
  res: Response,
  sentRequestId: string | undefined,
  sensitive: string[] = [],
): Promise<ApiResponse> {
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return {
    op,
    status: res.status,
    headers: res.headers,
    text,
    json,
    requestId: res.headers.get('x-request-id') ?? '',
    sentRequestId,
    sensitive,
  };
}

/** No stack frame, error class dump or file path in a response body. */
export function expectNoInternals(text: string): void {
  expect(text).not.toMatch(/^\s*at\s/m);
  expect(text).not.toMatch(/\bat\s+\S+\s+\(?[^)\s]*:\d+:\d+\)?/);
  expect(text).not.toMatch(/\b\w*Error:/);
  expect(text).not.toMatch(/file:\/\/|node_modules|\/work\/|\/tmp\/|\.m?[jt]s:\d+|\\n\s+at /);
  expect(text).not.toMatch(/stack|trace/i);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
export const isUuid = (v: string): boolean => UUID.test(v);

/**
 * A refused request: the status, the family's envelope with `code`, JSON content type, the request id
 * (echoed or generated; also `request_id` in USG bodies), no internals; and exactly one audit record.
 */
export async function expectError(res: ApiResponse, status: number, code: string): Promise<void> {
  const context = `${res.op} ${res.status} ${res.text.slice(0, 300)}`;
  expect(res.status, context).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/json;charset=UTF-8');
  expectNoInternals(res.text);
  expect(res.json, context).toBeDefined();
  const body = res.json!;
  expect(body.error_code, context).toBe(code);
  expect(typeof body.error_msg).toBe('string');
  expect(String(body.error_msg).length).toBeGreaterThan(0);
  expectRequestIdHeader(res);
  if (OPERATIONS[res.op].family === 'USG') expect(body.request_id).toBe(res.requestId);
  else expect(body).not.toHaveProperty('request_id');
  await expectAudited(res);
}

/** A 200 with exactly one audit record whose outcome is the family's success code. */
export async function expectOk(res: ApiResponse): Promise<void> {
  expect(res.status, `${res.op} ${res.status} ${res.text.slice(0, 300)}`).toBe(200);
  expectRequestIdHeader(res);
  await expectAudited(res);
}

function expectRequestIdHeader(res: ApiResponse): void {
  if (res.sentRequestId !== undefined && CLIENT_REQUEST_ID.test(res.sentRequestId)) expect(res.requestId).toBe(res.sentRequestId);
  else expect(isUuid(res.requestId), `generated request id ${res.requestId}`).toBe(true);
}

// ---------- audit ----------

let db: DynamoDBClient | undefined;
const dynamo = (): DynamoDBClient => (db ??= localDynamoDbClient(inject('dynamodbEndpoint')));
const tableName = (): string => inject('tableName');

export type AuditRecord = Record<string, unknown>;

// Every audit record's partition key starts so (the key of the empty request id).
const AUDIT_PREFIX = keys.audit('').pk;

/**
 * Audit records of one request, by the X-Request-Id it was answered with: the caller's own (stored as
 * `clientRequestId`) or, when it sent none, the platform's request id that keys the record. A scan:
 * the e2e table is small, and a caller's id is deliberately not a key.
 */
export async function auditRecords(requestId: string): Promise<AuditRecord[]> {
  return scanAudit('(requestId = :id OR clientRequestId = :id)', { ':id': { S: requestId } });
}

/** Audit records of one operation written at or after `since` (for events, whose request id is not returned). */
export async function auditRecordsSince(operation: string, since: Date): Promise<AuditRecord[]> {
  return scanAudit('operation = :op AND #at >= :since', { ':op': { S: operation }, ':since': { S: since.toISOString() } }, { '#at': 'at' });
}

async function scanAudit(
  filter: string,
  values: Record<string, AttributeValue>,
  names?: Record<string, string>,
): Promise<AuditRecord[]> {
  const items: AuditRecord[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamo().send(
      new ScanCommand({
        TableName: tableName(),
        FilterExpression: `begins_with(pk, :audit) AND ${filter}`,
        ...(names ? { ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: { ':audit': { S: AUDIT_PREFIX }, ...values },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(page.Items ?? []).map((i) => unmarshall(i)));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Raw values that must never be stored in an audit record (contacts, codes, tokens). */
export function expectNoRawValues(record: AuditRecord, values: string[]): void {
  const stored = JSON.stringify(record);
  for (const v of values) if (v.length >= 5) expect(stored, `audit record holds raw "${v}"`).not.toContain(v);
}

/** Exactly one audit record for this request, with the outcome code and HTTP status of its answer. */
export async function expectAudited(res: ApiResponse, extraSensitive: string[] = []): Promise<AuditRecord> {
  const records = await auditRecords(res.requestId);
  expect(records, `audit records for ${res.requestId}`).toHaveLength(1);
  const record = records[0]!;
  const { name, family } = OPERATIONS[res.op];
  const outcome = typeof res.json?.error_code === 'string' && res.status !== 200 ? res.json.error_code : FAMILY_CODES[family].success;
  // The echoed id is the caller's own (kept as clientRequestId) or, when it sent none, the platform's id that keys the record.
  expect(record.clientRequestId ?? record.requestId).toBe(res.requestId);
  expect(record).toMatchObject({ operation: name, outcome, status: res.status });
  expect(typeof record.at).toBe('string');
  expect(typeof record.latencyMs).toBe('number');
  expectNoRawValues(record, [...res.sensitive, ...extraSensitive]);
  return record;
}

// ---------- direct invocation ----------

export interface InvokeResult {
  status: number;
  /** x-amz-function-error ("Unhandled" when the handler threw) */
  functionError: string | null;
  payload: unknown;
}

/** Invokes the operation's function (`verigate-local-<name>`) through serverless-offline's Lambda endpoint (RequestResponse). */
export async function invoke(operation: OperationName, event: unknown): Promise<InvokeResult> {
  const res = await fetch(`${lambdaEndpoint()}/2015-03-31/functions/${functionName(OFFLINE_STAGE, operation)}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(event),
  });
  const text = await res.text();
  let payload: unknown;
  try {
    payload = text === '' ? undefined : JSON.parse(text);
  } catch {
    payload = text;
  }
  return { status: res.status, functionError: res.headers.get('x-amz-function-error'), payload };
}

/**
 * The name of the error a failed invocation threw. AWS's Node.js runtime reports it as `errorType`;
 * serverless-offline always answers `errorType: "Error"`, but its `trace` starts with the error's
 * own `${name}: ${message}` line, so the name is read from there.
 */
export function thrownErrorName(result: InvokeResult): string | undefined {
  const p = result.payload as { errorType?: unknown; trace?: unknown } | undefined;
  if (!p || typeof p !== 'object') return undefined;
  if (typeof p.errorType === 'string' && p.errorType !== 'Error') return p.errorType;
  const first = Array.isArray(p.trace) ? p.trace[0] : undefined;
  return typeof first === 'string' ? /^([^:\s]+):/.exec(first)?.[1] : undefined;
}

/**
 * Sends a request to a route's function as API Gateway (REST API, payload 1.0) would deliver it, through the
 * Lambda invoke endpoint. For the few requests serverless-offline's HTTP emulation does not pass on faithfully
 * (it adds `content-type: application/json` when a request has none, and hands over a JSON string body
 * already parsed), this is how the function's own answer to them is checked.
 */
export async function callAsApiGateway(
  op: HttpOperationName,
  options: { headers?: Record<string, string>; body: string | null; requestId?: string },
): Promise<ApiResponse> {
  const requestId = options.requestId ?? newRequestId();
  // AWS hands the function lower-cased header names.
  const headers: Record<string, string> = { host: 'api.example.com', 'x-request-id': requestId, ...lowerKeys(options.headers ?? {}) };
  if (options.body !== null) headers['content-length'] = String(Buffer.byteLength(options.body));
  const event = apiGatewayEvent({ path: OPERATIONS[op].route.path, body: options.body, headers, sourceIp: '198.51.100.7' });
  const result = await invoke(op, event);
  expect(result.functionError, JSON.stringify(result.payload)).toBeNull();
  const response = result.payload as { statusCode: number; headers: Record<string, string>; body: string };
  const res = new Response(response.body === '' ? null : response.body, { status: response.statusCode, headers: response.headers });
  let sensitive: string[] = [];
  try {
    sensitive = options.body === null ? [] : sensitiveValues(JSON.parse(options.body));
  } catch {
    sensitive = [];
  }
  return toApiResponse(op, res, requestId, sensitive);
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

// ---------- outbox ----------

/** Every message the stack's outbox holds, oldest first. */
export async function readOutbox(): Promise<OutboxMessage[]> {
  return readOutboxFile(inject('outboxPath'));
}

/**
 * The outbox messages written for one request id, once there is one: delivery follows the send's answer
 * (deliverCode on the table's stream), typically within a second. [] if none came within `timeoutMs`.
 */
export async function outboxFor(requestId: string, o: { timeoutMs?: number } = {}): Promise<OutboxMessage[]> {
  const deadline = Date.now() + (o.timeoutMs ?? 10_000);
  for (;;) {
    const messages = (await readOutbox()).filter((m) => m.requestId === requestId);
    if (messages.length > 0 || Date.now() > deadline) return messages;
    await new Promise((r) => setTimeout(r, 50));
  }
}
