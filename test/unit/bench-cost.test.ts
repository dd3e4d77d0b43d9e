// The bench's cost model (bench/cost.ts): request units, Lambda's billed duration, the edge, storage and
// point-in-time recovery priced as AWS prices them (bench/prices.ts), and the cut list priced by the same model.
import { describe, expect, it } from 'vitest';
import {
  AUDIT_KIND,
  auditWithout,
  cutList,
  inAwsDuration,
  PRODUCTS,
  productCosts,
  scenarioCost,
  type Edge,
  type ScenarioBill,
} from '../../bench/cost.js';
import type { Deployment, FunctionFacts } from '../../bench/deployment.js';
import { LAMBDA_IN_AWS, PRICES } from '../../bench/prices.js';
import type { Billed, ItemWrite } from '../../dev/support/meter.js';
import { STORAGE_OVERHEAD_BYTES } from '../../dev/support/meter.js';
import { OPERATIONS, type OperationName } from '../../shared/operations.js';

const MONTH_S = (365.25 / 12) * 86_400;
const AT_MS = Date.UTC(2026, 0, 1);

const fn = (memoryMb = 512): FunctionFacts => ({
  memoryMb,
  architecture: 'arm64',
  logLevel: 'INFO',
  environment: {},
  logRetentionDays: 30,
});
const deployment = (over: Partial<Deployment> = {}): Deployment => ({
  functions: Object.fromEntries((Object.keys(OPERATIONS) as OperationName[]).map((op) => [op, fn()])) as Deployment['functions'],
  api: { kind: 'rest', accessLogFormat: undefined, accessLogRetentionDays: undefined },
  waf: undefined,
  table: { pointInTimeRecovery: false },
  auditRetentionDays: 180,
  ...over,
});
const noEdge: Edge = { api: 'http', wafRules: undefined, source: 'test' };

const write = (over: Partial<ItemWrite> = {}): ItemWrite => ({
  kind: 'DEST',
  action: 'Put',
  transactional: false,
  applied: true,
  atMs: AT_MS,
  beforeBytes: undefined,
  afterBytes: 1000 - STORAGE_OVERHEAD_BYTES,
  beforeTtl: undefined,
  afterTtl: undefined,
  beforeIndexEntries: 0,
  afterIndexEntries: 0,
  beforeIndexBytes: 0,
  afterIndexBytes: 0,
  writeUnits: 1,
  indexWriteUnits: 0,
  ...over,
});
const billed = (over: Partial<Billed> = {}): Billed => ({
  readUnits: 0,
  writeUnits: 0,
  indexWriteUnits: 0,
  writes: [],
  samples: {},
  overlapped: 0,
  ...over,
});
const bill = (over: Partial<ScenarioBill> = {}): ScenarioBill => ({
  name: 'check-identity',
  operation: 'checkIdentity',
  calls: 1,
  billed: billed(),
  requestsPerCall: {},
  cpuMsPerCall: 0,
  log: { scenario: 'check-identity', operation: 'checkIdentity', bytesPerCall: 0, linesPerCall: 0, responseBytes: 0, sample: [] },
  ...over,
});

describe('the DynamoDB part', () => {
  it('prices table and index write units at the on-demand write price, read units at the read price, per call', () => {
    const c = scenarioCost(bill({ calls: 2, billed: billed({ writeUnits: 8, indexWriteUnits: 2, readUnits: 3 }) }), deployment(), noEdge);
    expect(c.perCall).toMatchObject({ writeUnits: 4, indexWriteUnits: 1, readUnits: 1.5 });
    expect(c.usdPerMillion.dynamoWrites).toBeCloseTo(5 * 0.625, 4);
    expect(c.usdPerMillion.dynamoReads).toBeCloseTo(1.5 * 0.125, 4);
  });

  it('holds an item for its TTL: 1,000 bytes with overhead for a month is 1,000 byte-months of storage, and of PITR when on', () => {
    const w = write({ afterTtl: AT_MS / 1000 + MONTH_S });
    const gbMonth = 1000 / 2 ** 30;
    const off = scenarioCost(bill({ billed: billed({ writes: [w] }) }), deployment(), noEdge);
    expect(off.perCall.itemGbMonths).toBeCloseTo(gbMonth, 15);
    expect(off.usdPerMillion.itemStorage).toBeCloseTo(gbMonth * PRICES.dynamoStoragePerGbMonth * 1e6, 4);
    expect(off.usdPerMillion.pitr).toBe(0);
    const on = scenarioCost(bill({ billed: billed({ writes: [w] }) }), deployment({ table: { pointInTimeRecovery: true } }), noEdge);
    expect(on.usdPerMillion.pitr).toBeCloseTo(gbMonth * PRICES.pitrPerGbMonth * 1e6, 4);
  });

  it('counts an audit record apart from other items, and a write whose condition failed as holding nothing', () => {
    const ttl = AT_MS / 1000 + MONTH_S;
    const c = scenarioCost(
      bill({ billed: billed({ writes: [write({ kind: AUDIT_KIND, afterTtl: ttl }), write({ afterTtl: ttl, applied: false })] }) }),
      deployment(),
      noEdge,
    );
    expect(c.perCall.auditGbMonths).toBeCloseTo(1000 / 2 ** 30, 15);
    expect(c.perCall.itemGbMonths).toBe(0);
  });
});

describe('the Lambda part', () => {
  it('scales the CPU measured here by the vCPU share of the memory and adds the assumed round trips, billed to the next ms', () => {
    const b = bill({ cpuMsPerCall: 1, requestsPerCall: { TransactWriteItems: 1, GetItem: 1 } });
    const d = inAwsDuration(b, fn(512));
    expect(d.ms).toBeCloseTo(1769 / 512 + 12 + 4, 6);
    expect(d.billedMs).toBe(20);
    const c = scenarioCost(b, deployment(), noEdge);
    expect(c.usdPerMillion.lambda).toBeCloseTo((0.5 * 0.02 * PRICES.lambdaArmPerGbSecond + PRICES.lambdaPerRequest) * 1e6, 4);
  });

  it('bills a call of several invocations each to its own next ms, and a request and a topic publish for each', () => {
    const b = bill({
      name: 'recordReceipt',
      operation: 'recordReceipt',
      invocationsPerCall: 2,
      requestsPerCall: { GetItem: 1, TransactWriteItems: 1 },
    });
    expect(inAwsDuration(b, fn()).billedMs).toBe(2 * 8); // 16 ms in two invocations: 8 each
    const c = scenarioCost(b, deployment(), noEdge);
    expect(c.perCall.invocations).toBe(2);
    expect(c.usdPerMillion.lambda).toBeCloseTo((0.5 * 0.016 * PRICES.lambdaArmPerGbSecond + 2 * PRICES.lambdaPerRequest) * 1e6, 4);
    expect(c.usdPerMillion.receiptsTopic).toBeCloseTo(2 * 0.5, 4);
    expect(c.usdPerMillion.apiGateway).toBe(0);
  });

  it('refuses a DynamoDB request it has no round trip for, rather than pricing it at nothing', () => {
    expect(() => inAwsDuration(bill({ requestsPerCall: { ExecuteStatement: 1 } }), fn())).toThrow(/ExecuteStatement/);
  });
});

describe('the lifecycle events', () => {
  const lifecycle = (outsidePerCall: ScenarioBill['outsidePerCall']) =>
    bill({ name: 'publishLifecycleEvents', operation: 'publishLifecycleEvents', invocationsPerCall: 3, outsidePerCall });

  it('prices each event put on the bus at EventBridge\u2019s $1.00 per million custom events, and message feedback at nothing', () => {
    const c = scenarioCost(lifecycle({ busEvents: 3, requests: { PutEvents: 3, PutMessageFeedback: 1 } }), deployment(), noEdge);
    expect(c.usdPerMillion.eventBus).toBeCloseTo(3, 6);
    expect(c.usdPerMillion.apiGateway).toBe(0);
    expect(c.usdPerMillion.receiptsTopic).toBe(0);
  });

  it('counts an event over 64 KB as the chunks the scenario measured, not as one', () => {
    const c = scenarioCost(lifecycle({ busEvents: 5, requests: { PutEvents: 3 } }), deployment(), noEdge);
    expect(c.usdPerMillion.eventBus).toBeCloseTo(5, 6);
  });

  it('adds each PutEvents and PutMessageFeedback call\u2019s assumed round trip to the duration of its invocations', () => {
    const b = lifecycle({ busEvents: 3, requests: { PutEvents: 3, PutMessageFeedback: 1 } });
    const d = inAwsDuration(b, fn(512));
    expect(d.ms).toBeCloseTo(3 * LAMBDA_IN_AWS.awsCallMs.PutEvents! + LAMBDA_IN_AWS.awsCallMs.PutMessageFeedback!, 6);
    expect(scenarioCost(b, deployment(), noEdge).perCall.invocations).toBe(3);
  });

  it('refuses an AWS call it has no round trip for, rather than pricing it at nothing', () => {
    expect(() => inAwsDuration(lifecycle({ busEvents: 0, requests: { PutRecords: 1 } }), fn())).toThrow(/PutRecords/);
  });
});

describe('the edge', () => {
  it('charges an HTTP call the REST API request, WAF inspection and the web ACL spread over the month', () => {
    const c = scenarioCost(bill(), deployment(), { api: 'rest', wafRules: ['a', 'b'], source: 'test' });
    expect(c.usdPerMillion.apiGateway).toBeCloseTo(3.5, 4);
    expect(c.usdPerMillion.waf).toBeCloseTo(0.6 + ((5 + 2) / 10_000_000) * 1e6, 4);
  });

  it('charges an event-driven function no API request', () => {
    const c = scenarioCost(bill({ name: 'deliverCode', operation: 'deliverCode' }), deployment(), {
      api: 'rest',
      wafRules: ['a'],
      source: 'test',
    });
    expect(c.usdPerMillion.apiGateway).toBe(0);
    expect(c.usdPerMillion.waf).toBe(0);
  });
});

describe('the products and the cut list', () => {
  const operations: Record<string, OperationName> = {
    send: 'sendVerificationCode',
    deliverCode: 'deliverCode',
    recordReceipt: 'recordReceipt',
    'verify-right': 'verifyVerificationCode',
    'check-identity': 'checkIdentity',
  };
  const bills = Object.entries(operations).map(([name, operation]) =>
    bill({
      name,
      operation,
      billed: billed({
        writeUnits: 2,
        indexWriteUnits: 1,
        writes: [
          write({ kind: AUDIT_KIND, afterTtl: AT_MS / 1000 + 6 * MONTH_S, afterIndexEntries: 1, afterIndexBytes: 200, indexWriteUnits: 1 }),
        ],
      }),
    }),
  );
  bills.push(
    bill({
      name: 'publishLifecycleEvents',
      operation: 'publishLifecycleEvents',
      invocationsPerCall: 3,
      outsidePerCall: { busEvents: 3, requests: { PutEvents: 3, PutMessageFeedback: 1 } },
    }),
  );
  const edge: Edge = { api: 'rest', wafRules: ['a', 'b', 'c'], source: 'test' };
  const d = deployment({ table: { pointInTimeRecovery: true } });
  const products = productCosts(bills.map((b) => scenarioCost(b, d, edge)));
  const cuts = cutList(bills, d, edge);
  const cut = (name: RegExp) => cuts.find((c) => name.test(c.name))!;
  const verification = 'verification (send + delivery + receipts + right verify + lifecycle events)';

  it('sums a verification from send, delivery, its receipts, a right verify and the lifecycle events they lead to', () => {
    expect(PRODUCTS[verification]).toEqual(['send', 'deliverCode', 'recordReceipt', 'verify-right', 'publishLifecycleEvents']);
    expect(products.map((p) => p.name)).toEqual([verification, 'check-identity call']);
    expect(products[0]!.usdPerMillion.apiGateway).toBeCloseTo(2 * 3.5, 4);
    expect(products[0]!.usdPerMillion.dynamoWrites).toBeCloseTo(4 * 3 * 0.625, 3);
    expect(products[0]!.usdPerMillion.receiptsTopic).toBeCloseTo(0.5, 4);
    expect(products[0]!.usdPerMillion.eventBus).toBeCloseTo(3, 4);
  });

  it('leaves a verification unpriced when its lifecycle events were not measured, rather than pricing it without them', () => {
    const without = productCosts(bills.filter((b) => b.name !== 'publishLifecycleEvents').map((b) => scenarioCost(b, d, edge)));
    expect(without.map((p) => p.name)).toEqual(['check-identity call']);
  });

  it('prices turning PITR off at exactly the PITR part, and the audit index at its index writes and index storage (PITR does not cover a GSI)', () => {
    expect(cut(/point-in-time/).savesUsdPerMillion[verification]).toBeCloseTo(products[0]!.usdPerMillion.pitr, 2);
    const index = cut(/audit index/).savesUsdPerMillion['check-identity call']!;
    const indexGbMonths = ((200 + STORAGE_OVERHEAD_BYTES) * 6) / 2 ** 30;
    expect(index).toBeCloseTo(0.625 + indexGbMonths * PRICES.dynamoStoragePerGbMonth * 1e6, 2);
  });

  it('saves the WAF part when the web ACL goes, and the REST API\u2019s premium too when an HTTP API replaces it', () => {
    const waf = cut(/WAF web ACL off/).savesUsdPerMillion['check-identity call']!;
    expect(waf).toBeCloseTo(products[1]!.usdPerMillion.waf, 3);
    expect(cut(/HTTP API/).savesUsdPerMillion['check-identity call']).toBeCloseTo(waf + 3.5 - 1.0, 3);
  });

  it('halves the audit storage and its PITR when the audit is kept half as long', () => {
    const { auditStorage, pitr } = products[1]!.usdPerMillion;
    expect(cut(/half as long/).savesUsdPerMillion['check-identity call']).toBeCloseTo((auditStorage + pitr) / 2, 2);
  });
});

describe('an audit record trimmed of attributes', () => {
  const sample = { pk: { S: 'AUDIT#r' }, requestId: { S: 'r'.repeat(36) }, at: { S: '2026-01-01T00:00:00.000Z' }, detail: { S: 'd' } };
  const record = (over: Partial<ItemWrite> = {}) =>
    write({ kind: AUDIT_KIND, transactional: true, afterBytes: 1100, writeUnits: 4, afterIndexEntries: 1, afterIndexBytes: 300, ...over });

  it('takes the attributes off the item, and off the index entry only where the index projects them', () => {
    const b = auditWithout(
      billed({ writeUnits: 4, writes: [record()], samples: { [AUDIT_KIND]: sample } }),
      ['requestId', 'at'],
      ['requestId'],
    );
    expect(b.writes[0]).toMatchObject({ afterBytes: 1100 - (9 + 36) - (2 + 24), afterIndexBytes: 300 - (9 + 36) });
  });

  it('recounts the write units: a transactional record brought under 1 KB costs 2 instead of 4', () => {
    const b = auditWithout(
      billed({ writeUnits: 4, writes: [record({ afterBytes: 1060 })], samples: { [AUDIT_KIND]: sample } }),
      ['requestId', 'at'],
      [],
    );
    expect(b.writes[0]!.afterBytes).toBe(989);
    expect(b.writes[0]!.writeUnits).toBe(2);
    expect(b.writeUnits).toBe(2);
  });

  it('leaves other kinds of item as they were', () => {
    const other = write({ afterBytes: 1100, writeUnits: 2 });
    const b = auditWithout(billed({ writeUnits: 2, writes: [other], samples: { [AUDIT_KIND]: sample } }), ['requestId'], []);
    expect(b.writes[0]).toEqual(other);
    expect(b.writeUnits).toBe(2);
  });
});
