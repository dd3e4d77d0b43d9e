// Faults are part of correctness: a stalled or dead dependency ends in the family's error envelope
// within the request's budget, with its audit record, and nothing half-written is acknowledged. This
// file runs its own DynamoDB Local (so it can freeze it with SIGSTOP) behind a stand-in network that
// can hold requests or answers, and a stand-in End User Messaging endpoint that accepts and never answers
// (deliverCode's provider: send itself calls none).
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, inject, vi } from 'vitest';
import { createCheckIdentityHandler } from '../../functions/check-identity.js';
import { createRegisterCustomerHandler } from '../../functions/register-customer.js';
import { createSendVerificationCodeHandler } from '../../functions/send-verification-code.js';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../dev/emulator.js';
import { httpEvent } from '../../dev/support/events.js';
import { startFaultProxy, type FaultProxy } from '../../dev/support/fault-proxy.js';
import { uniqueIp, uniqueMobile, uniqueName } from '../../dev/support/identities.js';
import { startLocalDelivery, type LocalDelivery } from '../../dev/support/delivery.js';
import { createLocalRuntime, type LocalRuntime } from '../../dev/support/runtime.js';
import { mintCaptchaToken, mintPartnerToken } from '../../scripts/tokens.js';
import { backgroundSettled } from '../../shared/background.js';
import { subjectHash } from '../../shared/identity/hash.js';
import { readProviderSettings } from '../../shared/config.js';
import { compileMessages } from '../../shared/messages/catalog.js';
import { awsNotifier } from '../../shared/notify/aws.js';
import { OPERATIONS } from '../../shared/operations.js';
import { DELIVER_FUNCTION_TIMEOUT_MS } from '../../shared/policy.js';

const FUNCTION_TIMEOUT_MS = 5000;

let dynamo: DynamoDbLocal;
let proxy: FaultProxy;
let local: LocalRuntime;
/** deliverCode through the outbox, fed by the table's stream (behind the same stand-in network). */
let delivery: LocalDelivery;

beforeAll(async () => {
  dynamo = await startDynamoDbLocal();
  proxy = await startFaultProxy(dynamo.endpoint);
  local = await createLocalRuntime({ endpoint: proxy.endpoint, workDir: inject('scratchDir') });
  delivery = startLocalDelivery(local);
}, 60_000);

afterAll(async () => {
  proxy?.release();
  await delivery?.stop();
  await backgroundSettled();
  await proxy?.close();
  await dynamo?.stop();
});

beforeEach(() => proxy.set('pass'));

/** A Lambda context with `ms` left before the function's timeout, as AWS hands it over. */
function lambdaContext(ms = FUNCTION_TIMEOUT_MS): Context {
  const end = Date.now() + ms;
  return { awsRequestId: randomUUID(), functionName: 'test', getRemainingTimeInMillis: () => end - Date.now() } as unknown as Context;
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
  elapsedMs: number;
}

async function call(handler: (e: unknown, c?: Context) => Promise<unknown>, event: unknown, context = lambdaContext()): Promise<Answer> {
  const started = Date.now();
  const res = (await handler(event, context)) as { statusCode: number; body: string };
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : {}, elapsedMs: Date.now() - started };
}

const sendEvent = (user: string, token: string, requestId: string, ip: string) =>
  httpEvent(OPERATIONS.sendVerificationCode.route.path, { user, token }, { 'x-request-id': requestId }, ip);

const sendHandler = () => createSendVerificationCodeHandler(local.rt);

/** The records of a request, by the X-Request-Id it was sent with. */
const auditOf = (requestId: string) => local.auditRecords(requestId);

/** Waits for DynamoDB Local to take up what reached it while it was frozen or held, and for deliverCode to handle what it committed. */
async function settle(): Promise<void> {
  await backgroundSettled();
  await new Promise((r) => setTimeout(r, 300));
  await delivery.drain();
}

describe('a send whose transaction gets no answer', () => {
  it('answers 500 within the budget; the committed send is undone: the pass and the cooldown are free again, one record says 500', async () => {
    const mobile = uniqueMobile().e164;
    const ip = uniqueIp();
    const token = await mintCaptchaToken(local.config, mobile);
    const requestId = `fault-${randomUUID()}`;
    proxy.set('hold-response', 'TransactWriteItems'); // applied by DynamoDB, the answer never arrives

    const failed = await call(sendHandler(), sendEvent(mobile, token, requestId, ip));

    expect(failed.status).toBe(500);
    expect(failed.body).toMatchObject({ error_code: 'USG.000000500', request_id: requestId });
    expect(failed.elapsedMs).toBeLessThan(FUNCTION_TIMEOUT_MS);
    proxy.release();
    await settle();
    expect(local.outbox().filter((m) => m.to === mobile)).toHaveLength(0);
    expect((await auditOf(requestId)).map((r) => [r.outcome, r.status])).toEqual([['USG.000000500', 500]]);

    // The same pass, right away: neither the pass nor the 60 s cooldown was kept by the failed send.
    const retried = await call(sendHandler(), sendEvent(mobile, token, `retry-${randomUUID()}`, ip));
    expect(retried.status).toBe(200);
    await delivery.drain();
    expect(local.outbox().filter((m) => m.to === mobile)).toHaveLength(1);
  });

  it('answers 500 within the budget when the transaction is held on its way; arriving late, it can no longer commit', async () => {
    const mobile = uniqueMobile().e164;
    const ip = uniqueIp();
    const token = await mintCaptchaToken(local.config, mobile);
    const requestId = `fault-${randomUUID()}`;
    proxy.set('hold-request', 'TransactWriteItems');

    const failed = await call(sendHandler(), sendEvent(mobile, token, requestId, ip));
    expect(failed.status).toBe(500);
    expect(failed.elapsedMs).toBeLessThan(FUNCTION_TIMEOUT_MS);

    proxy.release(); // the held transaction reaches DynamoDB now, after its pass was voided
    await settle();
    const items = await local.scan();
    const destination = `DEST#${subjectHash(local.config.identityPepper, 'mobile', mobile)}`;
    expect(items.filter((i) => i.pk === destination)).toEqual([]);
    expect((await auditOf(requestId)).map((r) => r.outcome)).toEqual(['USG.000000500']);
    expect((await call(sendHandler(), sendEvent(mobile, token, `retry-${randomUUID()}`, ip))).status).toBe(200);
  });
});

describe('DynamoDB Local frozen (SIGSTOP) mid-request, then thawed (SIGCONT)', () => {
  it('answers a clean 500 within the budget, keeps nothing of the failed send, and the same process serves once it thaws', async () => {
    const mobile = uniqueMobile().e164;
    const ip = uniqueIp();
    const token = await mintCaptchaToken(local.config, mobile);
    const requestId = `frozen-${randomUUID()}`;

    dynamo.pause();
    let failed: Answer;
    try {
      failed = await call(sendHandler(), sendEvent(mobile, token, requestId, ip));
    } finally {
      dynamo.resume();
    }
    expect(failed.status).toBe(500);
    expect(failed.body).toMatchObject({ error_code: 'USG.000000500', request_id: requestId });
    expect(failed.elapsedMs).toBeLessThan(FUNCTION_TIMEOUT_MS);

    await settle();
    // Whatever reached the frozen emulator was taken up after the thaw; the undo ran after it.
    expect((await auditOf(requestId)).filter((r) => r.status === 200)).toEqual([]);
    expect(local.outbox().filter((m) => m.to === mobile)).toHaveLength(0);
    const retried = await call(sendHandler(), sendEvent(mobile, token, `retry-${randomUUID()}`, ip));
    expect(retried.status).toBe(200);
  });

  it('check-identity answers 500 CBC.0999 within the budget and its record is written once the table answers again', async () => {
    const check = createCheckIdentityHandler(local.rt);
    const headers = { 'x-auth-token': await mintPartnerToken(local.config), 'x-request-id': `frozen-${randomUUID()}` };
    const event = httpEvent(OPERATIONS.checkIdentity.route.path, { search_type: 'name', search_value: uniqueName() }, headers);

    proxy.set('hold-request', 'GetItem'); // the registry read stalls; the audit write goes through
    const failed = await call(check, event);
    expect(failed.status).toBe(500);
    expect(failed.body).toEqual({ error_code: 'CBC.0999', error_msg: 'Other errors.' });
    expect(failed.elapsedMs).toBeLessThan(FUNCTION_TIMEOUT_MS);
    expect((await auditOf(headers['x-request-id'])).map((r) => [r.outcome, r.status])).toEqual([['CBC.0999', 500]]);
  });

  it('a direct invocation of registerCustomer fails with an error named by a code, not the SDK error', async () => {
    const register = createRegisterCustomerHandler(local.rt);
    proxy.set('hold-request', 'TransactWriteItems');
    const started = Date.now();
    await expect(register({ customerId: `c-${randomUUID()}`, name: uniqueName() }, lambdaContext())).rejects.toMatchObject({ name: 'CUS.0999' });
    expect(Date.now() - started).toBeLessThan(FUNCTION_TIMEOUT_MS);
  });
});

describe('the SMS provider accepts and never answers', () => {
  let provider: Server;
  let calls = 0;

  beforeAll(async () => {
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'stand-in');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'stand-in');
    provider = createServer(() => void calls++); // never answers
    await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    provider.closeAllConnections();
    await new Promise<void>((resolve) => provider.close(() => resolve()));
  });

  it('send answers 200 without calling it; deliverCode calls it once, never again when the stream redelivers, and refunds the send', async () => {
    const endpoint = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
    const providers = readProviderSettings(
      { SMS_VOICE_CONFIGURATION_SET: 'verigate-test', SES_CONFIGURATION_SET: 'verigate-test', VOICE_ORIGINATION_IDENTITIES: '*=pool-voice' },
      local.config.sms,
    );
    const notifier = awsNotifier({
      region: 'ap-southeast-1',
      emailFrom: 'no-reply@verigate.example',
      providers,
      endpoints: { smsVoice: endpoint },
      messages: compileMessages(local.config),
    });
    await delivery.drain(); // the earlier tests' sends, delivered through the outbox: this stand-in sees only its own
    const stalled = startLocalDelivery(local, { notifier });
    try {
      const mobile = uniqueMobile().e164;
      const ip = uniqueIp();
      const token = await mintCaptchaToken(local.config, mobile);
      const requestId = `sms-${randomUUID()}`;

      const answered = await call(sendHandler(), sendEvent(mobile, token, requestId, ip));
      expect(answered.status).toBe(200);
      expect(calls).toBe(0); // nothing on the request path waits for the provider

      const started = Date.now();
      await stalled.drain(); // SendTextMessage times out: End User Messaging may have taken it, so it is not repeated
      expect(Date.now() - started).toBeLessThan(DELIVER_FUNCTION_TIMEOUT_MS);
      expect(calls).toBe(1);
      const records = stalled.poller.records().filter((r) => r.dynamodb?.NewImage?.requestId?.S === requestId);
      expect(records).toHaveLength(1);
      await stalled.handler({ Records: records }); // the stream hands the record over again
      expect(calls).toBe(1);

      // The send's own record says what it was answered; the delivery's record says it was refunded.
      expect((await auditOf(requestId)).map((r) => [r.operation, r.outcome, r.status])).toEqual([['sendVerificationCode', 'USG.000000000', 200]]);
      const sendRecord = (await auditOf(requestId))[0]!;
      const deliveryRecords = (await local.scan()).filter((i) => i.operation === 'deliverCode' && (i.detail as Record<string, unknown>)?.sendRequestId === sendRecord.requestId);
      expect(deliveryRecords.map((r) => [r.outcome, r.status, (r.detail as Record<string, unknown>).error])).toEqual([['DLV.0502', 502, 'TimeoutError']]);

      // Refunded: the pass and the cooldown are free again, and the resend goes out (through the outbox, which answers).
      const retryId = `retry-${randomUUID()}`;
      const retried = await call(sendHandler(), sendEvent(mobile, token, retryId, ip));
      expect(retried.status).toBe(200);
      await delivery.drain();
      expect(local.outbox().filter((m) => m.to === mobile).map((m) => m.requestId)).toEqual([retryId]);
      expect(calls).toBe(1);
    } finally {
      await stalled.stop();
    }
  });
});
