// What the bench measures: the real handlers in process on a local runtime (dev/support/runtime.ts),
// one scenario per operation and outcome, each preparing its events outside the measurement.
import { startLocalDelivery } from '../dev/support/delivery.js';
import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SNSEvent } from 'aws-lambda';
import { createCheckIdentityHandler } from '../functions/check-identity.js';
import { createDeliverCodeHandler } from '../functions/deliver-code.js';
import { startStreamPoller } from '../dev/stream-poller.js';
import { createRegisterCustomerHandler } from '../functions/register-customer.js';
import { createSendVerificationCodeHandler } from '../functions/send-verification-code.js';
import { createVerifyVerificationCodeHandler } from '../functions/verify-verification-code.js';
import { httpEvent } from '../dev/support/events.js';
import { uniqueEmail, uniqueIp, uniqueMobile, uniqueName } from '../dev/support/identities.js';
import type { LocalRuntime } from '../dev/support/runtime.js';
import { mintAppToken, mintCaptchaToken, mintPartnerToken } from '../scripts/tokens.js';
import type { CodeMessage, Notifier } from '../shared/notify/notifier.js';
import { OPERATIONS, type OperationName } from '../shared/operations.js';
import { createRecordReceiptHandler } from '../functions/record-receipt.js';
import { localReceiptsTopicArn, snsEvent } from '../dev/receipts-poller.js';
import { compileMessages } from '../shared/messages/catalog.js';
import { RECEIPT_CONTEXT_KEY } from '../shared/policy.js';
import { outboxNotifier, receiptsFileOf } from '../shared/notify/outbox.js';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

export interface Scenario {
  name: string;
  operation: OperationName;
  /** `n` events, prepared (and any state they need created) outside the measurement. */
  prepare(n: number): Promise<unknown[]>;
  /** One call (with the Lambda context given, else none); throws unless the answer is the scenario's, else returns it. */
  run(event: unknown, context?: unknown): Promise<unknown>;
  /** Lambda invocations one call is (1 unless said): recordReceipt's call is every receipt of one delivery. */
  invocationsOf?(event: unknown): number;
}

const expectStatus = async (handler: Handler, event: unknown, want: number, context: unknown = {}): Promise<unknown> => {
  const res = (await handler(event, context)) as { statusCode?: number };
  if (res.statusCode !== want) throw new Error(`expected ${want}, got ${res.statusCode}: ${JSON.stringify(res)}`);
  return res;
};

export async function scenariosOf(local: LocalRuntime): Promise<Scenario[]> {
  const { rt, config } = local;
  // Codes are captured in memory: the outbox file would add a write to every measured send.
  const codes = new Map<string, string>();
  let delivered = 0;
  const capture: Notifier = {
    deliver: async (m: CodeMessage) => {
      codes.set(m.to, m.code);
      delivered++;
      return { messageId: `bench-${delivered}` };
    },
  };
  const check = createCheckIdentityHandler(rt) as Handler;
  // deliverCode from the table's stream, in this process, drained after each send that needs its code.
  const delivery = startLocalDelivery(local, { notifier: capture });
  const send = createSendVerificationCodeHandler(rt) as Handler;
  const verify = createVerifyVerificationCodeHandler(rt) as Handler;
  const register = createRegisterCustomerHandler(rt) as Handler;
  // deliverCode measured on its own: the delivery requests sends commit, read from the stream by a second
  // reader that hands them to no one, then each given to deliverCode on the bench's (metered) runtime. It
  // starts at the stream's end when first drained, so it reads only the sends made for it.
  const deliver = createDeliverCodeHandler(rt, capture) as Handler;
  const deliveryRequests = startStreamPoller({
    endpoint: config.dynamodbEndpoint!,
    tableName: config.tableName,
    invoke: async () => undefined,
    intervalMs: 0,
    startingPosition: 'LATEST',
  });
  // recordReceipt: deliveries through the local delivery port, which writes the receipts AWS would publish.
  const receiptsOutbox = path.join(path.dirname(local.outboxPath), 'bench-receipts', 'outbox.jsonl');
  await mkdir(path.dirname(receiptsOutbox), { recursive: true });
  const deliverWithReceipts = createDeliverCodeHandler(
    rt,
    outboxNotifier(receiptsOutbox, compileMessages(config), () => {}),
  ) as Handler;
  const recordReceipt = createRecordReceiptHandler(rt) as Handler;
  const topicArn = localReceiptsTopicArn(config.stage);
  const partnerToken = await mintPartnerToken(config);
  const appToken = await mintAppToken(config);

  /** Verify requests for n fresh destinations, each with a pending code (sent by trusted direct invocation). */
  async function verifyEvents(n: number, submit: (code: string) => string): Promise<unknown[]> {
    const events: unknown[] = [];
    for (let i = 0; i < n; i++) {
      const to = uniqueMobile().e164;
      await send({ user: to }, {});
      await delivery.drain();
      const body = { contact: to, verificationCode: submit(codes.get(to)!) };
      events.push(httpEvent(OPERATIONS.verifyVerificationCode.route.path, body, { 'x-access-token': appToken }, uniqueIp()));
    }
    return events;
  }

  return [
    {
      name: 'check-identity',
      operation: 'checkIdentity',
      prepare: async (n) =>
        Array.from({ length: n }, () =>
          httpEvent(
            OPERATIONS.checkIdentity.route.path,
            { search_type: 'name', search_value: uniqueName() },
            { 'x-auth-token': partnerToken },
            uniqueIp(),
          ),
        ),
      run: (e, c) => expectStatus(check, e, 200, c),
    },
    {
      name: 'send',
      operation: 'sendVerificationCode',
      prepare: async (n) =>
        Promise.all(
          Array.from({ length: n }, async () => {
            const user = uniqueMobile().e164;
            // One source IP per send: the per-IP limit is not what this measures.
            return httpEvent(
              OPERATIONS.sendVerificationCode.route.path,
              { user, token: await mintCaptchaToken(config, user) },
              {},
              uniqueIp(),
            );
          }),
        ),
      run: (e, c) => expectStatus(send, e, 200, c),
    },
    {
      name: 'verify-wrong',
      operation: 'verifyVerificationCode',
      prepare: (n) => verifyEvents(n, (code) => (code === '000000' ? '000001' : '000000')),
      run: (e, c) => expectStatus(verify, e, 400, c),
    },
    {
      name: 'verify-right',
      operation: 'verifyVerificationCode',
      prepare: (n) => verifyEvents(n, (code) => code),
      run: (e, c) => expectStatus(verify, e, 200, c),
    },
    {
      name: 'registerCustomer',
      operation: 'registerCustomer',
      prepare: async (n) =>
        Array.from({ length: n }, () => ({
          customerId: `bench-${randomUUID()}`,
          name: uniqueName(),
          email: uniqueEmail(),
          mobile: uniqueMobile().e164,
        })),
      run: async (e, c = {}) => {
        const r = (await register(e, c)) as { status?: string };
        if (r.status !== 'registered') throw new Error(`expected registered, got ${JSON.stringify(r)}`);
        return r;
      },
    },
    {
      // Last: the scenarios before drain deliverCode's own reader only while preparing verify.
      name: 'deliverCode',
      operation: 'deliverCode',
      prepare: async (n) => {
        await deliveryRequests.drain();
        const before = deliveryRequests.records().length;
        for (let i = 0; i < n; i++) await send({ user: uniqueMobile().e164 }, {});
        await deliveryRequests.drain();
        const records = deliveryRequests.records().slice(before);
        if (records.length !== n) throw new Error(`expected ${n} delivery requests on the stream, read ${records.length}`);
        return records.map((record) => ({ Records: [record] }));
      },
      run: async (e, c = {}) => {
        const before = delivered;
        const r = (await deliver(e, c)) as { batchItemFailures?: unknown[] };
        // Exact at concurrency 1; at 16, another call's delivery may be the one counted.
        if (r.batchItemFailures?.length !== 0 || delivered <= before)
          throw new Error(`expected one delivery and no failure, got ${JSON.stringify(r)}`);
        return r;
      },
    },
    {
      // The receipts of one SMS delivery, as End User Messaging's simulator destinations publish them to the
      // receipts topic (the local delivery port writes the same records), each its own invocation.
      name: 'recordReceipt',
      operation: 'recordReceipt',
      prepare: async (n) => {
        await deliveryRequests.drain();
        const before = deliveryRequests.records().length;
        for (let i = 0; i < n; i++) await send({ user: uniqueMobile().e164 }, {});
        await deliveryRequests.drain();
        const records = deliveryRequests.records().slice(before);
        if (records.length !== n) throw new Error(`expected ${n} delivery requests on the stream, read ${records.length}`);
        const file = receiptsFileOf(receiptsOutbox);
        const seen = await readFile(file, 'utf8').then(
          (t) => t.split('\n').filter(Boolean).length,
          () => 0,
        );
        for (const record of records) {
          const r = (await deliverWithReceipts({ Records: [record] }, {})) as { batchItemFailures?: unknown[] };
          if (r.batchItemFailures?.length !== 0) throw new Error(`expected a delivery, got ${JSON.stringify(r)}`);
        }
        const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean).slice(seen);
        const byRequest = new Map<string, SNSEvent[]>();
        for (const line of lines) {
          const id = (JSON.parse(line) as { context?: Record<string, string> }).context?.[RECEIPT_CONTEXT_KEY];
          if (!id) throw new Error(`a receipt without its delivery request: ${line}`);
          byRequest.set(id, [...(byRequest.get(id) ?? []), snsEvent(line, topicArn)]);
        }
        if (byRequest.size !== n) throw new Error(`expected the receipts of ${n} deliveries, read ${byRequest.size}`);
        return [...byRequest.values()];
      },
      run: async (e, c = {}) => {
        for (const event of e as SNSEvent[]) await recordReceipt(event, c);
        return undefined;
      },
      invocationsOf: (e) => (e as SNSEvent[]).length,
    },
  ];
}
