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
import { PUT_EVENTS_MAX_ENTRIES, RECEIPT_CONTEXT_KEY } from '../shared/policy.js';
import { outboxNotifier, receiptsFileOf } from '../shared/notify/outbox.js';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { DynamoDBRecord } from 'aws-lambda';
import { createPublishLifecycleEventsHandler } from '../functions/publish-lifecycle-events.js';
import { LIFECYCLE_STREAM_FILTER_PATTERNS } from '../shared/events/lifecycle-stream.js';
import { LIFECYCLE_EVENT_SOURCE, type LifecycleEvent } from '../shared/events/lifecycle.js';
import { eventFilePublisher, eventsFileOf, type EventPublisher } from '../shared/events/publisher.js';
import { feedbackFile, feedbackFileOf, type MessageFeedback } from '../shared/notify/feedback.js';
import type { OutsideUsage } from './cost.js';

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
  /** What its calls billed outside DynamoDB so far (bus events, other AWS requests), if it has such calls. */
  billedOutside?(): OutsideUsage;
}

/** The lifecycle events one verification leads to, sorted. */
const VERIFICATION_EVENTS = ['CodeDelivered', 'CodeSent', 'CodeVerified'].join(', ');

/** EventBridge bills each 64 KB chunk of an entry as one event. */
const BUS_EVENT_CHUNK_BYTES = 64 * 1024;
/** A PutEvents entry's size as EventBridge counts it (Time 14 bytes, Source, DetailType and Detail in UTF-8). */
const putEventsEntryBytes = (e: LifecycleEvent): number =>
  14 + Buffer.byteLength(LIFECYCLE_EVENT_SOURCE) + Buffer.byteLength(e.detailType) + Buffer.byteLength(JSON.stringify(e.detail));

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
  /** The SNS events of the receipts written to `file` since its first `seen` lines, by delivery request. */
  async function receiptEvents(file: string, seen: number): Promise<Map<string, SNSEvent[]>> {
    const lines = await readFile(file, 'utf8').then(
      (t) => t.split('\n').filter(Boolean).slice(seen),
      () => [],
    );
    const byRequest = new Map<string, SNSEvent[]>();
    for (const line of lines) {
      const id = (JSON.parse(line) as { context?: Record<string, string> }).context?.[RECEIPT_CONTEXT_KEY];
      if (!id) throw new Error(`a receipt without its delivery request: ${line}`);
      byRequest.set(id, [...(byRequest.get(id) ?? []), snsEvent(line, topicArn)]);
    }
    return byRequest;
  }
  const lineCount = (file: string) =>
    readFile(file, 'utf8').then(
      (t) => t.split('\n').filter(Boolean).length,
      () => 0,
    );

  // publishLifecycleEvents: whole verifications, their stream records read by a reader with the consumer's
  // filter (starting at the stream's end when first drained), its ports the local ones in a folder of their
  // own, counted as PutEvents and PutMessageFeedback would be billed; each call's events kept apart by
  // AsyncLocalStorage, so calls at concurrency 16 are checked too.
  const lifecycleOutbox = path.join(path.dirname(local.outboxPath), 'bench-lifecycle', 'outbox.jsonl');
  await mkdir(path.dirname(lifecycleOutbox), { recursive: true });
  const lifecycleDelivery = outboxNotifier(lifecycleOutbox, compileMessages(config), () => {});
  const deliverForLifecycle = createDeliverCodeHandler(rt, {
    deliver: async (m) => {
      const sent = await lifecycleDelivery.deliver(m);
      codes.set(m.to, m.code);
      return sent;
    },
  }) as Handler;
  const lifecycleRecords = startStreamPoller({
    endpoint: config.dynamodbEndpoint!,
    tableName: config.tableName,
    invoke: async () => undefined,
    filterPatterns: LIFECYCLE_STREAM_FILTER_PATTERNS,
    intervalMs: 0,
    startingPosition: 'LATEST',
  });
  const outside: OutsideUsage = { busEvents: 0, requests: { PutEvents: 0, PutMessageFeedback: 0 } };
  const lifecycleCall = new AsyncLocalStorage<{ detailTypes: string[]; feedback: number }>();
  const eventFile = eventFilePublisher(eventsFileOf(lifecycleOutbox), () => {});
  const countedPublisher: EventPublisher = {
    publish: async (events) => {
      if (events.length > 0) {
        outside.requests.PutEvents! += Math.ceil(events.length / PUT_EVENTS_MAX_ENTRIES);
        for (const e of events) outside.busEvents += Math.ceil(putEventsEntryBytes(e) / BUS_EVENT_CHUNK_BYTES);
        lifecycleCall.getStore()?.detailTypes.push(...events.map((e) => e.detailType));
      }
      return eventFile.publish(events);
    },
  };
  const feedbackToFile = feedbackFile(feedbackFileOf(lifecycleOutbox));
  const countedFeedback: MessageFeedback = {
    received: async (messageId) => {
      outside.requests.PutMessageFeedback! += 1;
      const store = lifecycleCall.getStore();
      if (store) store.feedback++;
      return feedbackToFile.received(messageId);
    },
  };
  const publishLifecycle = createPublishLifecycleEventsHandler({ publisher: countedPublisher, feedback: countedFeedback }) as Handler;
  const partnerToken = await mintPartnerToken(config);
  const appToken = await mintAppToken(config);

  /** The stream records of n fresh sends' delivery requests, read by the bench's own reader. */
  async function newDeliveryRequests(n: number) {
    await deliveryRequests.drain();
    const before = deliveryRequests.records().length;
    for (let i = 0; i < n; i++) await send({ user: uniqueMobile().e164 }, {});
    await deliveryRequests.drain();
    const records = deliveryRequests.records().slice(before);
    if (records.length !== n) throw new Error(`expected ${n} delivery requests on the stream, read ${records.length}`);
    return records;
  }

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
        const records = await newDeliveryRequests(n);
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
        const records = await newDeliveryRequests(n);
        const file = receiptsFileOf(receiptsOutbox);
        const seen = await lineCount(file);
        for (const record of records) {
          const r = (await deliverWithReceipts({ Records: [record] }, {})) as { batchItemFailures?: unknown[] };
          if (r.batchItemFailures?.length !== 0) throw new Error(`expected a delivery, got ${JSON.stringify(r)}`);
        }
        const byRequest = await receiptEvents(file, seen);
        if (byRequest.size !== n) throw new Error(`expected the receipts of ${n} deliveries, read ${byRequest.size}`);
        return [...byRequest.values()];
      },
      run: async (e, c = {}) => {
        for (const event of e as SNSEvent[]) await recordReceipt(event, c);
        return undefined;
      },
      invocationsOf: (e) => (e as SNSEvent[]).length,
    },
    {
      // The lifecycle events of one verification: the records its send, delivery receipt and right verify
      // leave on the stream that the consumer's filter passes, each its own invocation. The event source
      // mapping has no batching window, so Lambda invokes as soon as a record is there; a verification's
      // records are seconds to minutes apart (the delivery, the person typing the code), so they share an
      // invocation only with other verifications' records under load: one invocation per record is the upper bound.
      name: 'publishLifecycleEvents',
      operation: 'publishLifecycleEvents',
      prepare: async (n) => {
        await deliveryRequests.drain();
        await lifecycleRecords.drain();
        const receiptsFile = receiptsFileOf(lifecycleOutbox);
        const verifications: DynamoDBRecord[][] = [];
        for (let i = 0; i < n; i++) {
          const to = uniqueMobile().e164;
          const requestsBefore = deliveryRequests.records().length;
          const recordsBefore = lifecycleRecords.records().length;
          await send({ user: to }, {});
          await deliveryRequests.drain();
          const requests = deliveryRequests.records().slice(requestsBefore);
          if (requests.length !== 1) throw new Error(`expected one delivery request on the stream, read ${requests.length}`);
          const seen = await lineCount(receiptsFile);
          const r = (await deliverForLifecycle({ Records: requests }, {})) as { batchItemFailures?: unknown[] };
          if (r.batchItemFailures?.length !== 0) throw new Error(`expected a delivery, got ${JSON.stringify(r)}`);
          const receipts = [...(await receiptEvents(receiptsFile, seen)).values()];
          if (receipts.length !== 1) throw new Error(`expected the receipts of one delivery, read ${receipts.length}`);
          for (const event of receipts[0]!) await recordReceipt(event, {});
          const body = { contact: to, verificationCode: codes.get(to)! };
          await expectStatus(
            verify,
            httpEvent(OPERATIONS.verifyVerificationCode.route.path, body, { 'x-access-token': appToken }, uniqueIp()),
            200,
          );
          await lifecycleRecords.drain();
          verifications.push(lifecycleRecords.records().slice(recordsBefore));
        }
        return verifications;
      },
      run: async (e, c = {}) => {
        const call = { detailTypes: [] as string[], feedback: 0 };
        await lifecycleCall.run(call, async () => {
          for (const record of e as DynamoDBRecord[]) {
            const r = (await publishLifecycle({ Records: [record] }, c)) as { batchItemFailures?: unknown[] };
            if (r.batchItemFailures?.length !== 0) throw new Error(`expected no failed record, got ${JSON.stringify(r)}`);
          }
        });
        const published = [...call.detailTypes].sort().join(', ');
        if (published !== VERIFICATION_EVENTS || call.feedback !== 1)
          throw new Error(`expected ${VERIFICATION_EVENTS} and one message feedback, got ${published || 'none'} and ${call.feedback}`);
        return undefined;
      },
      invocationsOf: (e) => (e as DynamoDBRecord[]).length,
      billedOutside: () => structuredClone(outside),
    },
  ];
}
