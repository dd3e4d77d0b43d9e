// The prod package as it deploys: each function's zip, unpacked, run in a fresh process of the Node major
// its Lambda runtime names, with the events AWS delivers, against DynamoDB Local.
import { randomInt, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../../dev/paths.js';
import { freePort } from '../../dev/processes.js';
import { snsEvent } from '../../dev/receipts-poller.js';
import { startStreamPoller } from '../../dev/stream-poller.js';
import { createTable } from '../../dev/table.js';
import { mintAppToken, mintCaptchaToken, mintPartnerToken } from '../../scripts/tokens.js';
import { loadConfig } from '../../shared/config.js';
import { receiptsFileOf } from '../../shared/notify/outbox.js';
import { DEPLOYMENT, OPERATIONS, type OperationName } from '../../shared/operations.js';
import { createDb } from '../../shared/store/client.js';
import { keys, type Key } from '../../shared/store/keys.js';
import {
  eventBridgeEvent,
  restApiEvent,
  invokeOnce,
  invokePackaged,
  lambdaEnvironment,
  sqsBatch,
  type Invocation,
  type LocalBackends,
} from './packaged-function.js';

// The local stage's documented defaults: what the bundles run with (see lambdaEnvironment).
const localConfig = loadConfig({ STAGE: 'local' });

let local: LocalBackends;

async function createArtifactTable(endpoint: string): Promise<string> {
  const tableName = `verigate-artifact-${randomUUID().slice(0, 8)}`;
  await createTable({ endpoint, tableName });
  return tableName;
}
const env = (operation: OperationName) => lambdaEnvironment(operation, local);
const db = () => createDb({ region: 'local', endpoint: local.dynamodbEndpoint, requestTimeoutMs: 2_000, connectTimeoutMs: 1_000 });

beforeAll(async () => {
  const dynamodbEndpoint = inject('dynamodbEndpoint');
  local = {
    dynamodbEndpoint,
    tableName: await createArtifactTable(dynamodbEndpoint),
    outboxPath: path.join(mkdtempSync(path.join(tmpdir(), 'verigate-artifact-outbox-')), 'outbox.jsonl'),
  };
});
afterAll(() => rmSync(path.dirname(local.outboxPath), { recursive: true, force: true }));

const unique = () => randomUUID().replaceAll('-', '').slice(0, 12);
const uniqueName = () => `art${unique()}`;
const uniqueMobile = () => `+86138${String(randomInt(10 ** 8)).padStart(8, '0')}`;

async function item(key: Key): Promise<Record<string, unknown> | undefined> {
  return (await db().doc.send(new GetCommand({ TableName: local.tableName, Key: key, ConsistentRead: true }))).Item;
}
/** The audit records of a request: by the platform id that keys them, or by the X-Request-Id it was sent with. */
async function auditOf(requestId: string): Promise<Array<Record<string, unknown>>> {
  const { Items } = await db().doc.send(
    new ScanCommand({
      TableName: local.tableName,
      FilterExpression: 'begins_with(pk, :audit) AND (requestId = :id OR clientRequestId = :id)',
      ExpressionAttributeValues: { ':audit': keys.audit('').pk, ':id': requestId },
      ConsistentRead: true,
    }),
  );
  return Items ?? [];
}

interface HttpResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}
function httpResult(invocation: Invocation): HttpResult {
  if (!invocation.ok) throw new Error(`the function failed instead of answering: ${JSON.stringify(invocation.error)}`);
  return invocation.result as HttpResult;
}
const json = (r: HttpResult) => JSON.parse(r.body) as Record<string, unknown>;

/** The process ran on the deployed Node major, the function started, and Node printed no warning (deprecated or experimental APIs). */
function expectRanOnTargetNode(run: { node: string; stderr: string; initError?: unknown }) {
  expect(run.node).toMatch(new RegExp(`^v${inject('packaged').node.major}\\.`));
  expect(run.initError, run.stderr).toBeUndefined();
  expect(run.stderr).not.toMatch(/^\(node:\d+\) /m);
}

describe('the prod package', () => {
  it('deploys every function of the operations table on the runtime whose Node runs these tests', () => {
    const { node, functions } = inject('packaged');
    expect(Object.keys(functions).sort()).toEqual(Object.keys(OPERATIONS).sort());
    for (const [operation, fn] of Object.entries(functions)) {
      expect(fn.runtime, operation).toBe(`nodejs${node.major}.x`);
      expect(fn.handler, operation).toBe(DEPLOYMENT[operation as OperationName].handler);
    }
    expect(node.version).toMatch(new RegExp(`^v${node.major}\\.`));
  });

  it('carries nothing of how the operations are deployed (shared/operations.ts DEPLOYMENT is for infra/ and the tests)', () => {
    const { functions } = inject('packaged');
    // Strings only the deployment table holds: the handlers and the customer events' detail-types.
    const deploymentOnly = Object.values(DEPLOYMENT).flatMap((d) => [d.handler, ...('detailType' in d ? [d.detailType] : [])]);
    for (const [operation, fn] of Object.entries(functions)) {
      const bundle = readFileSync(path.join(fn.taskRoot, fn.handler.replace(/\.handler$/, '.mjs')), 'utf8');
      for (const text of deploymentOnly) expect(bundle.includes(text), `${operation} carries ${text}`).toBe(false);
    }
  });

  it('takes Node built-ins through require, never as ES modules (whose namespace reads every lazy getter)', () => {
    const { functions } = inject('packaged');
    // The banner's own `import { createRequire } from 'module'` is the one ES import of a built-in.
    const builtins = builtinModules.filter((m) => m !== 'module').map((m) => m.replace(/[/]/g, '\\/'));
    const esImport = new RegExp(`(from\\s*|import\\s*\\(\\s*|import\\s*)["'](node:)?(${builtins.join('|')})["']`);
    for (const [operation, fn] of Object.entries(functions)) {
      const bundle = readFileSync(path.join(fn.taskRoot, fn.handler.replace(/\.handler$/, '.mjs')), 'utf8');
      expect(bundle.match(esImport)?.[0], operation).toBeUndefined();
    }
  });

  it('ships the phone metadata files with the functions that parse numbers, and with no other', () => {
    const { functions } = inject('packaged');
    const metadataDir = (operation: OperationName) => path.join(functions[operation].taskRoot, 'node_modules', 'libphonenumber-js');
    const parsesNumbers: OperationName[] = ['checkIdentity', 'sendVerificationCode', 'verifyVerificationCode', 'registerCustomer'];
    for (const operation of Object.keys(functions) as OperationName[]) {
      const dir = metadataDir(operation);
      if (!parsesNumbers.includes(operation)) {
        expect(existsSync(dir), operation).toBe(false);
        continue;
      }
      for (const file of ['metadata.min.json', 'metadata.mobile.json']) {
        expect(readFileSync(path.join(dir, file), 'utf8'), `${operation} ${file}`).toBe(
          readFileSync(path.join(repoRoot, 'node_modules', 'libphonenumber-js', file), 'utf8'),
        );
      }
      // The bundle itself carries none of it: the metadata is read on the first number parsed.
      const bundle = readFileSync(
        path.join(functions[operation].taskRoot, functions[operation].handler.replace(/\.handler$/, '.mjs')),
        'utf8',
      );
      // (metadata's first calling code's regions; the library's code names the keys, never these values)
      expect(bundle, operation).not.toContain('"US","AG","AI","AS","BB"');
    }
  });
});

describe('REST API functions (payload 1.0)', () => {
  it('checkIdentity answers a partner with the claim state, and a malformed body with a 400 of its family', async () => {
    const token = await mintPartnerToken(localConfig);
    const requestId = `artifact-${unique()}`;
    const report = await invokePackaged(
      'checkIdentity',
      [
        restApiEvent(
          'checkIdentity',
          { search_type: 'name', search_value: uniqueName() },
          { 'X-Auth-Token': token, 'X-Request-Id': requestId },
        ),
        restApiEvent('checkIdentity', '{"search_type": "name", "search_value": ', { 'X-Auth-Token': token }),
      ],
      env('checkIdentity'),
    );
    expectRanOnTargetNode(report);
    const [available, malformed] = report.invocations.map(httpResult);

    expect(available!.statusCode).toBe(200);
    expect(json(available!)).toEqual({ error_code: 'CBC.0000', error_msg: 'success', check_result: 'available' });
    expect(Object.fromEntries(Object.entries(available!.headers).map(([k, v]) => [k.toLowerCase(), v]))).toMatchObject({
      'x-request-id': requestId,
    });
    expect(await auditOf(requestId)).toMatchObject([{ operation: 'checkIdentity', outcome: 'CBC.0000', status: 200 }]);

    expect(malformed!.statusCode).toBe(400);
    expect(json(malformed!)).toMatchObject({ error_code: 'CBC.0100' });
  });

  it('send answers at once; deliverCode, invoked with the stream records, delivers to the outbox once; verify accepts the code once', async () => {
    const mobile = uniqueMobile();
    const sendId = `artifact-${unique()}`;
    const send = await invokeOnce(
      'sendVerificationCode',
      restApiEvent(
        'sendVerificationCode',
        { user: mobile, token: await mintCaptchaToken(localConfig, mobile) },
        { 'X-Request-Id': sendId },
      ),
      env('sendVerificationCode'),
    );
    expectRanOnTargetNode(send);
    const sent = httpResult(send);
    expect(sent.statusCode, sent.body).toBe(200);
    expect(json(sent)).toEqual({ expire: 180, bindPhone: `+86${mobile.slice(3, 6)}****${mobile.slice(-4)}`, bindEmail: null });

    // The table's stream, read as Lambda reads it, handed to the packaged deliverCode in a process of its own.
    const poller = startStreamPoller({
      endpoint: local.dynamodbEndpoint,
      tableName: local.tableName,
      intervalMs: 0,
      invoke: async (event) => {
        const run = await invokeOnce('deliverCode', event, env('deliverCode'));
        expectRanOnTargetNode(run);
        if (!run.ok) throw new Error(`deliverCode failed: ${JSON.stringify(run.error)}`);
        return run.result;
      },
    });
    try {
      await poller.drain();
    } finally {
      await poller.stop();
    }
    const mine = poller.records().filter((r) => r.dynamodb?.NewImage?.requestId?.S === sendId);
    expect(mine).toHaveLength(1);
    // Redelivered to a fresh process: nothing is sent again.
    const again = await invokeOnce('deliverCode', { Records: mine }, env('deliverCode'));
    expect(again).toMatchObject({ ok: true, result: { batchItemFailures: [] } });

    const delivered = existsSync(local.outboxPath)
      ? readFileSync(local.outboxPath, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as { requestId: string; channel: string; to: string; code: string })
          .filter((m) => m.requestId === sendId)
      : [];
    expect(delivered).toHaveLength(1);
    expect(delivered[0]).toMatchObject({ channel: 'sms', to: mobile });
    const code = delivered[0]!.code;
    expect(code).toMatch(/^\d{6}$/);

    // The port's receipts, as the receipts topic hands them to the packaged recordReceipt: one process, each a warm invocation.
    const request = (await db().doc.send(new ScanCommand({ TableName: local.tableName, ConsistentRead: true }))).Items!.find(
      (i) => String(i.pk).startsWith('DELIVERY#') && i.requestId === sendId,
    )!;
    const receipts = readFileSync(receiptsFileOf(local.outboxPath), 'utf8')
      .split('\n')
      .filter((l) => l.includes(String(request.pk).replace('DELIVERY#', '')))
      .map((l) => snsEvent(l, 'arn:aws:sns:ap-southeast-1:123456789012:verigate-prod-delivery-receipts'));
    expect(receipts).toHaveLength(2); // TEXT_SUCCESSFUL, TEXT_DELIVERED
    const recorded = await invokePackaged('recordReceipt', receipts, env('recordReceipt'));
    expectRanOnTargetNode(recorded);
    expect(recorded.invocations.map((i) => i.ok)).toEqual([true, true]);
    expect(await item({ pk: String(request.pk), sk: String(request.sk) })).toMatchObject({
      outcome: 'accepted',
      receipt: 'delivered',
      receiptReason: 'TEXT_SUCCESSFUL',
    });

    const app = { 'X-Access-Token': await mintAppToken(localConfig) };
    const verify = () => restApiEvent('verifyVerificationCode', { contact: mobile, country: 'chinaPR', verificationCode: code }, app);
    const report = await invokePackaged('verifyVerificationCode', [verify(), verify()], env('verifyVerificationCode'));
    expectRanOnTargetNode(report);
    const [accepted, spent] = report.invocations.map(httpResult);
    expect(accepted!.statusCode, accepted!.body).toBe(200);
    expect(accepted!.body).toBe('');
    expect(spent!.statusCode).toBe(400);
    expect(json(spent!)).toMatchObject({ error_code: 'USG.201050002' });
  });
});

describe('customer event functions', () => {
  const queue = 'verigate-prod-RegisterCustomerQueue';

  it('registerCustomer from a direct invocation stores the claims, and a conflicting one throws an error named by its code', async () => {
    const name = uniqueName();
    const customerId = `cust-${unique()}`;
    const email = `${name}@example.com`;
    const report = await invokePackaged(
      'registerCustomer',
      [
        { customerId, name, email },
        { customerId: `cust-${unique()}`, name: name.toUpperCase() },
      ],
      env('registerCustomer'),
    );
    expectRanOnTargetNode(report);
    const [registered, conflict] = report.invocations;
    expect(registered).toMatchObject({ ok: true, result: { customerId, status: 'registered' } });
    expect(conflict).toMatchObject({ ok: false, error: { name: 'IdentityConflict' } });
    expect(await item(keys.name(name))).toMatchObject({ customerId });
    expect(await item(keys.email(email))).toMatchObject({ customerId });

    // Another bundle reads the claim the way this one wrote it.
    const check = await invokeOnce(
      'checkIdentity',
      restApiEvent('checkIdentity', { search_type: 'name', search_value: name }, { 'X-Auth-Token': await mintPartnerToken(localConfig) }),
      env('checkIdentity'),
    );
    expect(json(httpResult(check))).toMatchObject({ error_code: 'CBC.0000', check_result: 'used_by_user' });
  });

  it('registerCustomer from an SQS batch registers the good message and answers the malformed one without asking for redelivery', async () => {
    const name = uniqueName();
    const [good, bad] = [`msg-${unique()}`, `msg-${unique()}`];
    const result = await invokeOnce(
      'registerCustomer',
      sqsBatch(queue, [
        { messageId: good, body: JSON.stringify({ customerId: `cust-${good}`, name }) },
        { messageId: bad, body: '{"customerId": "cust-malformed", "name": ' },
      ]),
      env('registerCustomer'),
    );
    expectRanOnTargetNode(result);
    expect(result).toMatchObject({ ok: true, result: { batchItemFailures: [] } });
    expect(await item(keys.name(name))).toMatchObject({ customerId: `cust-${good}` });
    expect(await auditOf(good)).toMatchObject([{ caller: 'event:sqs', outcome: 'CUS.0000', status: 200 }]);
    expect(await auditOf(bad)).toMatchObject([{ caller: 'event:sqs', outcome: 'CUS.0100', status: 400 }]);
  });

  it('registerCustomer from EventBridge registers the detail, audited under the event id', async () => {
    const name = uniqueName();
    const customerId = `cust-${unique()}`;
    const eventId = randomUUID();
    const result = await invokeOnce(
      'registerCustomer',
      eventBridgeEvent('CustomerRegistered', { customerId, name }, eventId),
      env('registerCustomer'),
    );
    expectRanOnTargetNode(result);
    expect(result).toMatchObject({ ok: true, result: { customerId, status: 'registered' } });
    expect(await item(keys.name(name))).toMatchObject({ customerId });
    expect(await auditOf(eventId)).toMatchObject([{ caller: 'event:eventbridge', outcome: 'CUS.0000', status: 200 }]);
  });

  it('deregisterCustomer from an SQS batch and from EventBridge releases the claims', async () => {
    const [a, b] = [
      { customerId: `cust-${unique()}`, name: uniqueName() },
      { customerId: `cust-${unique()}`, name: uniqueName() },
    ];
    const setup = await invokePackaged('registerCustomer', [a, b], env('registerCustomer'));
    expect(setup.invocations.map((i) => i.ok)).toEqual([true, true]);

    const [good, malformed] = [`msg-${unique()}`, `msg-${unique()}`];
    const report = await invokePackaged(
      'deregisterCustomer',
      [
        sqsBatch('verigate-prod-DeregisterCustomerQueue', [
          { messageId: good, body: JSON.stringify({ customerId: a.customerId }) },
          { messageId: malformed, body: 'not json' },
        ]),
        eventBridgeEvent('CustomerDeregistered', { customerId: b.customerId }),
      ],
      env('deregisterCustomer'),
    );
    expectRanOnTargetNode(report);
    expect(report.invocations).toMatchObject([
      { ok: true, result: { batchItemFailures: [] } },
      { ok: true, result: { customerId: b.customerId, status: 'deregistered' } },
    ]);
    expect(await item(keys.name(a.name))).toBeUndefined();
    expect(await item(keys.customer(a.customerId))).toBeUndefined();
    expect(await item(keys.name(b.name))).toBeUndefined();
    expect(await auditOf(good)).toMatchObject([{ operation: 'deregisterCustomer', outcome: 'CUS.0002', status: 200 }]);
    expect(await auditOf(malformed)).toMatchObject([{ outcome: 'CUS.0100', status: 400 }]);
  });

  it('while DynamoDB is unreachable, an SQS batch returns every message for redelivery (none acknowledged unrecorded)', async () => {
    const deadEndpoint = `http://127.0.0.1:${await freePort()}`;
    const [good, malformed] = [`msg-${unique()}`, `msg-${unique()}`];
    const result = await invokeOnce(
      'registerCustomer',
      sqsBatch(queue, [
        { messageId: good, body: JSON.stringify({ customerId: `cust-${good}`, name: uniqueName() }) },
        { messageId: malformed, body: 'not json' },
      ]),
      { ...env('registerCustomer'), DYNAMODB_ENDPOINT: deadEndpoint },
    );
    expectRanOnTargetNode(result);
    expect(result.ok).toBe(true);
    const failures = (result as { result: { batchItemFailures: Array<{ itemIdentifier: string }> } }).result.batchItemFailures;
    expect(failures.map((f) => f.itemIdentifier).sort()).toEqual([good, malformed].sort());
  });
});
