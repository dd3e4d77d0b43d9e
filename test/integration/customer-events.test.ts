// registerCustomer / deregisterCustomer as AWS delivers events to them (SQS batch, EventBridge, direct
// invocation), against a real DynamoDB Local: partial batch failures, one audit record per message, no raw PII.
import { vi, describe, it, expect, beforeEach } from 'vitest';

vi.hoisted(() => {
  // Read by shared/observability.ts when it is first imported: keep test output quiet.
  process.env.LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

import { createServer, type AddressInfo } from 'node:net';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createTestRuntime, type TestRuntime } from '../support/runtime.js';
import { createRegisterCustomerHandler } from '../../functions/register-customer.js';
import { createDeregisterCustomerHandler } from '../../functions/deregister-customer.js';
import { createRuntime, type Runtime } from '../../shared/runtime.js';
import { createDb } from '../../shared/store/client.js';
import { subjectHash } from '../../shared/identity/hash.js';
import { RequestAudit } from '../../shared/audit/request-audit.js';

type Item = Record<string, unknown>;

let t: TestRuntime;
beforeEach(async () => {
  t = await createTestRuntime();
});

const sqsRecord = (messageId: string, body: string) => ({
  messageId,
  receiptHandle: `rh-${messageId}`,
  body,
  attributes: {},
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:ap-southeast-1:000000000000:verigate-customers',
  awsRegion: 'ap-southeast-1',
});

const eventBridge = (id: string, detail: Record<string, unknown>) => ({
  version: '0',
  id,
  'detail-type': 'CustomerRegistered',
  source: 'verigate.customers',
  account: '000000000000',
  time: '2025-01-01T00:00:00Z',
  region: 'ap-southeast-1',
  resources: [],
  detail,
});

async function scanTable(rt: Runtime = t.rt): Promise<Item[]> {
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await rt.db.doc.send(new ScanCommand({ TableName: t.config.tableName, ConsistentRead: true, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}
const auditItems = async () => (await scanTable()).filter((i) => String(i.pk).startsWith('AUDIT#'));

/** Fails if any raw identity (in any spelling we were given or store) appears in any audit item. */
async function expectNoRawIdentityInAudit(raw: string[]): Promise<void> {
  const dump = JSON.stringify(await auditItems()).toLowerCase();
  for (const value of raw) expect(dump, `audit leaks ${value}`).not.toContain(value.toLowerCase());
}

/** A local port with nothing listening on it: connecting there fails with ECONNREFUSED. */
async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A runtime on the same table whose DynamoDB client cannot reach the database for the registry
 * transaction of one customer: that request really goes out on the wire, to a port where nothing listens,
 * and fails with a network error after the SDK's own retries. Every other request (and that message's
 * audit write) reaches DynamoDB Local normally. No SDK mock is involved.
 */
async function runtimeWithUnreachableTransactionFor(customerId: string): Promise<Runtime> {
  const deadPort = await unusedPort();
  const db = createDb({
    region: t.config.region,
    endpoint: t.config.dynamodbEndpoint,
    requestTimeoutMs: t.config.ddbRequestTimeoutMs,
    connectTimeoutMs: t.config.ddbConnectTimeoutMs,
  });
  db.raw.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as { body?: unknown; port?: number };
      const body =
        request.body instanceof Uint8Array ? new TextDecoder().decode(request.body) : typeof request.body === 'string' ? request.body : '';
      if (context.commandName === 'TransactWriteItemsCommand' && body.includes(customerId)) {
        request.port = deadPort;
      }
      return next(args);
    },
    { step: 'build', name: 'unreachableTransactionForOneCustomer' },
  );
  return createRuntime(t.config, { db, clock: t.clock.now });
}

describe('registerCustomer from an SQS batch', () => {
  it('reports only the transiently failed message in batchItemFailures and audits every message once', async () => {
    const register = createRegisterCustomerHandler(t.rt);
    await register({ customerId: 'cust-owner', name: 'TakenName01' });

    const flakyRuntime = await runtimeWithUnreachableTransactionFor('cust-transient');
    // The failure is a real network error, not an answer from the database.
    const probeAudit = new RequestAudit({ requestId: 'probe', operation: 'registerCustomer', caller: 'test', at: new Date() });
    await expect(
      flakyRuntime.registry.claim({ customerId: 'cust-transient', name: 'probeonly' }, new Date(), probeAudit.pending('CUS.0000', 200)),
    ).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    const flaky = createRegisterCustomerHandler(flakyRuntime);
    const batch = {
      Records: [
        sqsRecord(
          'msg-good',
          JSON.stringify({
            customerId: 'cust-good',
            name: 'GoodCustomer01',
            email: 'Good.Customer@Example.com',
            mobile: '0086-13612345678',
          }),
        ),
        sqsRecord('msg-conflict', JSON.stringify({ customerId: 'cust-conflict', name: 'takenname01', email: 'conflict.user@example.com' })),
        sqsRecord('msg-malformed', '{"customerId": "cust-malformed", "name": "MalformedUser'),
        sqsRecord('msg-transient', JSON.stringify({ customerId: 'cust-transient', name: 'TransientUser', mobile: '+8613812345678' })),
      ],
    };

    expect(await flaky(batch)).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-transient' }] });

    // Registry: only the good message claimed anything.
    const items = await scanTable();
    const customers = items.filter((i) => String(i.pk).startsWith('CUSTOMER#')).map((i) => i.customerId);
    expect(customers.sort()).toEqual(['cust-good', 'cust-owner']);
    expect(
      items
        .filter((i) => String(i.pk).startsWith('NAME#'))
        .map((i) => i.pk)
        .sort(),
    ).toEqual(['NAME#goodcustomer01', 'NAME#takenname01']);
    expect(items.filter((i) => String(i.pk).startsWith('EMAIL#')).map((i) => i.pk)).toEqual(['EMAIL#good.customer@example.com']);
    expect(items.filter((i) => String(i.pk).startsWith('MOBILE#')).map((i) => i.pk)).toEqual(['MOBILE#+8613612345678']);

    // Exactly one audit record per message, with the outcome the message got.
    const one = async (messageId: string) => {
      const records = await t.rt.audit.byRequestId(messageId);
      expect(records, messageId).toHaveLength(1);
      return records[0]!;
    };
    const good = await one('msg-good');
    // The masked name is the only trace of the customer's identities (besides the keyed hash).
    expect(Object.keys(good).sort()).toEqual(
      [
        'at',
        'caller',
        'gsi1pk',
        'gsi1sk',
        'latencyMs',
        'operation',
        'outcome',
        'pk',
        'requestId',
        'sk',
        'status',
        'subjectHash',
        'subjectMasked',
        'ttl',
      ].sort(),
    );
    expect(good).toMatchObject({
      requestId: 'msg-good',
      operation: 'registerCustomer',
      caller: 'event:sqs',
      outcome: 'CUS.0000',
      status: 200,
      subjectMasked: 'goo****01',
      subjectHash: subjectHash(t.config.identityPepper, 'name', 'goodcustomer01'),
    });
    // A refused or failed message is still findable by its (valid) account name.
    expect(await one('msg-conflict')).toMatchObject({
      caller: 'event:sqs',
      outcome: 'CUS.0409',
      status: 400,
      detail: { reason: 'identity already claimed: name' },
      subjectHash: subjectHash(t.config.identityPepper, 'name', 'takenname01'),
      subjectMasked: 'tak****01',
    });
    expect(await one('msg-malformed')).toMatchObject({ caller: 'event:sqs', outcome: 'CUS.0100', status: 400 });
    expect(await one('msg-transient')).toMatchObject({ caller: 'event:sqs', outcome: 'CUS.0999', status: 500, subjectMasked: 'tra****er' });
    // 4 messages + the setup registration (a direct invocation).
    expect(await auditItems()).toHaveLength(5);

    // SQS redelivers the failed message; with the database reachable it is registered and audited again.
    expect(await register({ Records: [batch.Records[3]!] })).toEqual({ batchItemFailures: [] });
    expect((await t.rt.audit.byRequestId('msg-transient')).map((r) => r.outcome).sort()).toEqual(['CUS.0000', 'CUS.0999']);

    await expectNoRawIdentityInAudit([
      'GoodCustomer01',
      'Good.Customer@Example.com',
      '13612345678',
      'TakenName01',
      'conflict.user@example.com',
      'MalformedUser',
      'TransientUser',
      '13812345678',
    ]);
  });
});

describe('registerCustomer from EventBridge and direct invocation', () => {
  it('registers from an EventBridge envelope, audited once under the event id', async () => {
    const register = createRegisterCustomerHandler(t.rt);
    const detail = { customerId: 'cust-eb', name: 'EventBridgeUser', email: 'event.bridge@example.com', mobile: '0086-13912345678' };

    expect(await register(eventBridge('eb-1', detail))).toEqual({ customerId: 'cust-eb', status: 'registered' });
    expect((await scanTable()).some((i) => i.pk === 'NAME#eventbridgeuser' && i.customerId === 'cust-eb')).toBe(true);

    const records = await t.rt.audit.byRequestId('eb-1');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ caller: 'event:eventbridge', outcome: 'CUS.0000', status: 200, subjectMasked: 'eve****er' });

    // A permanent refusal is answered (not thrown, so EventBridge does not retry it) and audited.
    expect(await register(eventBridge('eb-2', { customerId: 'cust-eb-2', name: 'eventbridgeuser' }))).toEqual({
      error: 'IdentityConflict',
      message: 'identity already claimed: name',
    });
    expect(await t.rt.audit.byRequestId('eb-2')).toMatchObject([{ caller: 'event:eventbridge', outcome: 'CUS.0409', status: 400 }]);

    await expectNoRawIdentityInAudit(['EventBridgeUser', 'event.bridge@example.com', '13912345678']);
  });

  it('returns {customerId, status} to a direct invocation and audits each invocation once', async () => {
    const register = createRegisterCustomerHandler(t.rt);
    const event = { customerId: 'cust-direct', name: 'DirectUser01', email: 'direct.user@example.com', mobile: '+8613712345678' };
    const byName = () => t.rt.audit.bySubject(subjectHash(t.config.identityPepper, 'name', 'directuser01'));

    expect(await register(event)).toEqual({ customerId: 'cust-direct', status: 'registered' });
    expect(await byName()).toMatchObject([{ caller: 'direct', outcome: 'CUS.0000', status: 200, subjectMasked: 'dir****01' }]);

    expect(await register(event)).toEqual({ customerId: 'cust-direct', status: 'already_registered' });
    expect((await byName()).map((r) => r.outcome).sort()).toEqual(['CUS.0000', 'CUS.0001']);

    // A refused direct invocation throws an error named by its code (a state machine can Catch on it).
    await expect(register({ customerId: 'cust-direct-2', name: 'directuser01' })).rejects.toMatchObject({ name: 'IdentityConflict' });
    await expect(register({ customerId: 'cust-direct-3', name: 'op_reserved' })).rejects.toMatchObject({ name: 'InvalidCustomerEvent' });
    expect(await auditItems()).toHaveLength(4);

    await expectNoRawIdentityInAudit(['DirectUser01', 'direct.user@example.com', '13712345678', 'op_reserved']);
  });
});

describe('deregisterCustomer from an SQS batch', () => {
  it('deregisters, treats a malformed message as permanent, and audits each message once', async () => {
    await createRegisterCustomerHandler(t.rt)({ customerId: 'cust-leaving', name: 'LeavingUser', email: 'leaving.user@example.com' });
    const deregister = createDeregisterCustomerHandler(t.rt);

    const result = await deregister({
      Records: [
        sqsRecord('d-good', JSON.stringify({ customerId: 'cust-leaving' })),
        sqsRecord('d-unknown', JSON.stringify({ customerId: 'cust-never-registered' })),
        sqsRecord('d-malformed', 'not json'),
      ],
    });

    expect(result).toEqual({ batchItemFailures: [] });
    expect((await scanTable()).filter((i) => !String(i.pk).startsWith('AUDIT#'))).toEqual([]);
    expect(await t.rt.audit.byRequestId('d-good')).toMatchObject([
      { operation: 'deregisterCustomer', outcome: 'CUS.0002', status: 200 },
    ]);
    expect(await t.rt.audit.byRequestId('d-unknown')).toMatchObject([{ outcome: 'CUS.0003', status: 200 }]);
    expect(await t.rt.audit.byRequestId('d-malformed')).toMatchObject([{ outcome: 'CUS.0100', status: 400 }]);
    await expectNoRawIdentityInAudit(['LeavingUser', 'leaving.user@example.com']);
  });
});
