// Contention as DynamoDB produces it (issue 17): DynamoDB Local runs transactions one after another, so
// every test here goes through dev/support/conflict-proxy.ts, which cancels a transaction that meets
// another in flight on one of its items (TransactionConflict), as DynamoDB does, and can answer DynamoDB's
// throttling errors. Shown: the proxy really cancels overlapping transactions; SMS sends to one country
// and one partner's check-identity calls never contend (no item unrelated requests share is in a
// transaction) and are held exactly to their limits; contention on one destination and throttling are
// answered 503 with Retry-After (capacity), never 429 nor 500.
import { randomUUID } from 'node:crypto';
import { GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, inject } from 'vitest';
import { createCheckIdentityHandler } from '../../functions/check-identity.js';
import { createSendVerificationCodeHandler } from '../../functions/send-verification-code.js';
import { createVerifyVerificationCodeHandler } from '../../functions/verify-verification-code.js';
import { startConflictProxy, THROTTLING_ERRORS, type ConflictProxy, type ThrottlingError } from '../../dev/support/conflict-proxy.js';
import { httpEvent, type LambdaHttpResult } from '../../dev/support/events.js';
import { uniqueMobile, uniqueName } from '../../dev/support/identities.js';
import { createLocalRuntime, type LocalRuntime } from '../../dev/support/runtime.js';
import { mintAppToken, mintCaptchaToken, mintPartnerToken } from '../../scripts/tokens.js';
import { OPERATIONS } from '../../shared/operations.js';
import { cancellationReasons, createDb, type Db } from '../../shared/store/client.js';
import { testClock, type TestClock } from '../support/runtime.js';
import { tally } from './send-code.harness.js';

const HOUR_MS = 3_600_000;
/** The country's hourly budget in the send tests. */
const BUDGET = 100;
/** One partner's check-identity calls a second in the partner test: 20 shards, holding 2 or 1 each. */
const PARTNER_RATE = 30;
/** Its concurrent calls each second. */
const PARTNER_CALLS = 100;

let proxy: ConflictProxy;
/** The test's own client, straight to DynamoDB Local. */
let direct: Db;

beforeAll(async () => {
  // Held long enough that concurrent transactions overlap in flight, as they do in DynamoDB.
  proxy = await startConflictProxy(inject('dynamodbEndpoint'), { holdMs: 20 });
  // Hundreds of calls at once share a client's sockets: waiting for one counts against the connect timeout.
  direct = createDb({ region: 'local', endpoint: inject('dynamodbEndpoint'), requestTimeoutMs: 20_000, connectTimeoutMs: 10_000 });
});
afterAll(() => proxy.close());
afterEach(() => proxy.throttle(undefined));

/** The service on a fresh table behind the proxy, its clock 10 minutes into the current hour. */
async function service(env: Record<string, string> = {}): Promise<{ local: LocalRuntime; clock: TestClock }> {
  const clock = testClock(Math.floor(Date.now() / HOUR_MS) * HOUR_MS + 10 * 60_000);
  const local = await createLocalRuntime({
    endpoint: proxy.endpoint,
    workDir: inject('scratchDir'),
    clock: clock.now,
    // In one process hundreds of requests share one client's sockets (in Lambda each has its own).
    env: { DDB_CONNECT_TIMEOUT_MS: '10000', ...env },
  });
  return { local, clock };
}

interface Reply {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string>;
  requestId: string;
}
const reply = (res: LambdaHttpResult): Reply => ({
  status: res.statusCode,
  headers: res.headers,
  body: res.body === '' ? {} : (JSON.parse(res.body) as Record<string, unknown>),
  requestId: res.headers['x-request-id'] ?? '',
});

/** The i-th of distinct loopback source addresses (127.0.0.0/8), each with its own per-address window. */
const loopback = (i: number) => `127.${(i >> 16) & 255}.${(i >> 8) & 255}.${(i & 255) + 1}`;

/**
 * Hundreds of requests at once in one process, on two shared cores, take longer than a request's budget
 * (in Lambda each has an instance of its own): the tests that make them stretch it, since what they show
 * is who is admitted, not how fast. A Lambda context with that much time left.
 */
const STRETCHED_BUDGET_MS = 120_000;
const stretched = { REQUEST_BUDGET_MS: String(STRETCHED_BUDGET_MS), DDB_REQUEST_TIMEOUT_MS: '30000' };
const lambdaContext = () => {
  const end = Date.now() + STRETCHED_BUDGET_MS;
  return { awsRequestId: randomUUID(), getRemainingTimeInMillis: () => end - Date.now() } as unknown as Context;
};
const invoke = async (handler: unknown, event: unknown): Promise<Reply> =>
  reply((await (handler as (e: unknown, c: Context) => Promise<LambdaHttpResult>)(event, lambdaContext())) as LambdaHttpResult);

/** Sends a code to `user` from `ip` with a CAPTCHA pass of its own, issued at the clock's time. */
async function send(local: LocalRuntime, clock: TestClock, handler: unknown, user: string, ip: string): Promise<Reply> {
  const token = await mintCaptchaToken(local.config, user, { issuedAt: Math.floor(clock.now().getTime() / 1000) });
  return invoke(handler, httpEvent(OPERATIONS.sendVerificationCode.route.path, { user, token }, { 'x-request-id': randomUUID() }, ip));
}

/** The sum of a period counter's shards (`COUNTRYBUDGET#CN#<hour>#<i>`). */
async function counted(local: LocalRuntime, prefix: string): Promise<number> {
  const items = await local.scan();
  return items.filter((i) => String(i.pk).startsWith(prefix)).reduce((sum, i) => sum + Number(i.n), 0);
}

/** The audit records of these replies, by the X-Request-Id each was sent with (one scan). */
async function auditRecordsOf(local: LocalRuntime, replies: Reply[]): Promise<Array<Record<string, unknown>[]>> {
  const audit = (await local.scan()).filter((i) => String(i.pk).startsWith('AUDIT#'));
  return replies.map((r) => audit.filter((a) => a.clientRequestId === r.requestId));
}

describe('the conflict proxy', () => {
  let table: string;
  let viaProxy: Db;

  beforeAll(async () => {
    table = (await service()).local.config.tableName;
    viaProxy = createDb({ region: 'local', endpoint: proxy.endpoint, requestTimeoutMs: 20_000, connectTimeoutMs: 10_000 });
  });

  const put = (pk: string) => ({ Put: { TableName: table, Item: { pk, sk: 'T' } } });
  const update = (pk: string) => ({
    Update: { TableName: table, Key: { pk, sk: 'T' }, UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': 1 } },
  });

  it('cancels a transaction that meets another in flight on one of its items, naming that item TransactionConflict, as DynamoDB does', async () => {
    const shared = `SHARED#${randomUUID()}`;
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () =>
        viaProxy.doc.send(new TransactWriteCommand({ TransactItems: [put(`OWN#${randomUUID()}`), update(shared)] })).then(
          () => 'committed',
          (err: unknown) => err,
        ),
      ),
    );
    const cancelled = outcomes.filter((o) => o !== 'committed');
    expect(cancelled.length).toBeGreaterThanOrEqual(1);
    for (const err of cancelled) {
      expect(err).toMatchObject({ name: 'TransactionCanceledException', $metadata: { httpStatusCode: 400 } });
      expect(cancellationReasons(err)?.map((r) => r.Code)).toEqual(['None', 'TransactionConflict']);
    }
    // What committed, and only that, was applied.
    const { Item } = await direct.doc.send(new GetCommand({ TableName: table, Key: { pk: shared, sk: 'T' }, ConsistentRead: true }));
    expect(Item?.n).toBe(outcomes.length - cancelled.length);
  });

  it('refuses a single write of an item a transaction in flight holds (TransactionConflictException)', async () => {
    const shared = `SHARED#${randomUUID()}`;
    const [transaction, write] = await Promise.allSettled([
      viaProxy.doc.send(new TransactWriteCommand({ TransactItems: [update(shared)] })),
      new Promise((resolve) => setTimeout(resolve, 5)).then(() => viaProxy.doc.send(new UpdateCommand(update(shared).Update))),
    ]);
    expect(transaction.status).toBe('fulfilled');
    expect(write).toMatchObject({ status: 'rejected', reason: { name: 'TransactionConflictException' } });
  });

  it('lets transactions on different items overlap without a conflict', async () => {
    const before = proxy.conflicts();
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () =>
        viaProxy.doc.send(new TransactWriteCommand({ TransactItems: [put(`OWN#${randomUUID()}`), update(`OWN#${randomUUID()}`)] })),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(results.map(() => 'fulfilled'));
    expect(proxy.conflicts()).toEqual(before);
  });
});

describe('SMS sends to one country', () => {
  it(`300 concurrent sends (distinct destinations, source addresses and passes) at a budget of ${BUDGET}: exactly ${BUDGET} accepted, the rest 429 for the budget, no conflict, no 5xx`, async () => {
    const { local, clock } = await service({ SMS_HOURLY_BUDGET_PER_COUNTRY: String(BUDGET), ...stretched });
    const handler = createSendVerificationCodeHandler(local.rt);
    const conflictsBefore = proxy.conflicts();
    const transactionsBefore = proxy.seen('TransactWriteItems');

    const replies = await Promise.all(Array.from({ length: 300 }, (_, i) => send(local, clock, handler, uniqueMobile().e164, loopback(i))));

    expect(tally(replies)).toEqual({ '200': BUDGET, '429 USG.201050004': 300 - BUDGET });
    // Every send's transaction met others in flight, and none shared an item with another.
    expect(proxy.seen('TransactWriteItems') - transactionsBefore).toBeGreaterThanOrEqual(BUDGET);
    expect(proxy.conflicts()).toEqual(conflictsBefore);
    // The refusals are the budget's: until the hour ends (50 minutes from the clock), so recorded.
    for (const r of replies.filter((x) => x.status === 429)) expect([r.headers['retry-after'], r.body.retry_after]).toEqual(['3000', 3000]);
    const records = await auditRecordsOf(local, replies);
    expect(records.map((list) => list.length)).toEqual(replies.map(() => 1));
    expect(
      records.filter(([record]) => record!.status === 429).map(([record]) => (record!.detail as Record<string, unknown>).limit),
    ).toEqual(Array.from({ length: 300 - BUDGET }, () => 'country_budget'));
    // The budget's shards hold exactly the accepted sends.
    expect(await counted(local, `COUNTRYBUDGET#CN#${Math.floor(clock.now().getTime() / HOUR_MS) * HOUR_MS}#`)).toBe(BUDGET);
  });

  it('contention on one destination is capacity: one accepted, the others 429 for its cooldown or 503 with Retry-After, never 500; their budget units given back', async () => {
    const { local, clock } = await service();
    const handler = createSendVerificationCodeHandler(local.rt);
    const mobile = uniqueMobile().e164;
    const before = proxy.conflicts().transactions;

    const replies = await Promise.all(Array.from({ length: 12 }, (_, i) => send(local, clock, handler, mobile, loopback(1000 + i))));

    const t = tally(replies);
    expect(t['200']).toBe(1);
    expect(Object.keys(t).filter((k) => k !== '200' && k !== '429 USG.201050004' && k !== '503 USG.000000503')).toEqual([]);
    expect(proxy.conflicts().transactions).toBeGreaterThan(before);
    for (const r of replies.filter((x) => x.status === 503)) expect([r.headers['retry-after'], r.body.retry_after]).toEqual(['1', 1]);
    const records = await auditRecordsOf(local, replies);
    for (const [i, r] of replies.entries()) {
      expect(records[i]!.map((a) => a.outcome)).toEqual([r.status === 200 ? 'USG.000000000' : r.body.error_code]);
      if (r.status === 503) expect(records[i]![0]!.detail).toMatchObject({ capacity: 'contended', error: 'TransactionCanceledException' });
    }
    expect(await counted(local, 'COUNTRYBUDGET#CN#')).toBe(1);
  });
});

describe("one partner's check-identity calls", () => {
  it(`${PARTNER_CALLS} concurrent calls a second at a rate of ${PARTNER_RATE}, two seconds running: exactly ${PARTNER_RATE} answered each second, the rest 429 CBC.0250, no 5xx`, async () => {
    const { local, clock } = await service({ PARTNER_REQUESTS_PER_SECOND: String(PARTNER_RATE), ...stretched });
    const handler = createCheckIdentityHandler(local.rt);
    const headers = { 'x-auth-token': await mintPartnerToken(local.config) };
    const call = () =>
      invoke(handler, httpEvent(OPERATIONS.checkIdentity.route.path, { search_type: 'name', search_value: uniqueName() }, headers));
    const conflictsBefore = proxy.conflicts();

    for (const second of [0, 1]) {
      clock.set(Math.floor(Date.now() / 1000) * 1000 + (second + 1) * 1000 + 200);
      const replies = await Promise.all(Array.from({ length: PARTNER_CALLS }, call));
      expect(tally(replies)).toEqual({ '200': PARTNER_RATE, '429 CBC.0250': PARTNER_CALLS - PARTNER_RATE });
      for (const r of replies.filter((x) => x.status === 429)) expect(r.body.retry_after).toBe(1);
    }
    expect(proxy.conflicts()).toEqual(conflictsBefore);
  });
});

describe('DynamoDB throttling', () => {
  it.each(Object.keys(THROTTLING_ERRORS) as ThrottlingError[])(
    '%s through the SDK retries → check-identity answers 503 CBC.0503 with Retry-After, recorded',
    async (error) => {
      const { local } = await service();
      const handler = createCheckIdentityHandler(local.rt);
      const headers = { 'x-auth-token': await mintPartnerToken(local.config), 'x-request-id': randomUUID() };
      proxy.throttle({ error, operation: 'UpdateItem' }); // the partner's count
      const r = await invoke(
        handler,
        httpEvent(OPERATIONS.checkIdentity.route.path, { search_type: 'name', search_value: uniqueName() }, headers),
      );
      proxy.throttle(undefined);

      expect([r.status, r.headers['retry-after'], r.body]).toEqual([
        503,
        '1',
        { error_code: 'CBC.0503', error_msg: 'The service is busy. Try again later.', retry_after: 1 },
      ]);
      expect(await local.auditRecords(headers['x-request-id'])).toMatchObject([
        { outcome: 'CBC.0503', status: 503, detail: { capacity: 'throttled', error } },
      ]);
    },
  );

  it("a send whose transaction is throttled answers 503 USG.000000503 and gives its country's budget unit back", async () => {
    const { local, clock } = await service();
    const handler = createSendVerificationCodeHandler(local.rt);
    proxy.throttle({ error: 'ProvisionedThroughputExceededException', operation: 'TransactWriteItems' });
    const r = await send(local, clock, handler, uniqueMobile().e164, loopback(5000));
    proxy.throttle(undefined);

    expect([r.status, r.body.error_code, r.headers['retry-after']]).toEqual([503, 'USG.000000503', '1']);
    expect(await counted(local, 'COUNTRYBUDGET#CN#')).toBe(0);
    expect((await send(local, clock, handler, uniqueMobile().e164, loopback(5001))).status).toBe(200);
    expect(await counted(local, 'COUNTRYBUDGET#CN#')).toBe(1);
  });

  it('a verify whose transaction is throttled answers 503 USG.000000503 and counts nothing against the destination', async () => {
    const { local, clock } = await service();
    const sendHandler = createSendVerificationCodeHandler(local.rt);
    const verify = createVerifyVerificationCodeHandler(local.rt);
    const mobile = uniqueMobile().e164;
    expect((await send(local, clock, sendHandler, mobile, loopback(6000))).status).toBe(200);
    const headers = { 'x-access-token': await mintAppToken(local.config) };
    const attempt = async (code: string) =>
      invoke(
        verify,
        httpEvent(OPERATIONS.verifyVerificationCode.route.path, { contact: mobile, verificationCode: code }, headers, loopback(6001)),
      );

    proxy.throttle({ error: 'ThrottlingException', operation: 'TransactWriteItems' });
    const throttled = await attempt('000000');
    proxy.throttle(undefined);
    expect([throttled.status, throttled.body.error_code, throttled.headers['retry-after']]).toEqual([503, 'USG.000000503', '1']);
    // Nothing was recorded against the destination: the same attempt now is judged as the first (the
    // code is one in a million, so it is the first wrong try).
    const again = await attempt('000000');
    if (again.status !== 200) expect(again.body).toMatchObject({ error_code: 'USG.201050001', remaining_attempts: 4 });
  });
});
