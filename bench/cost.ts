// Dollars per million, part by part, from what the bench measured: DynamoDB request units billed from the
// items each call touched (dev/support/meter.ts), Lambda at an in-AWS duration derived from the call's
// CPU and DynamoDB requests (bench/prices.ts LAMBDA_IN_AWS), API Gateway and WAF per request as the
// packaged template fronts the functions, CloudWatch Logs from the bytes each call writes, and the storage
// and point-in-time recovery of the items each call leaves, for as long as their TTL keeps them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Billed, ItemWrite } from '../dev/support/meter.js';
import { STORAGE_OVERHEAD_BYTES, valueBytes, writeUnits } from '../dev/support/meter.js';
import { repoRoot } from '../dev/paths.js';
import { keyPrefix, OPERATIONS, type OperationName } from '../shared/operations.js';
import type { Deployment, FunctionFacts } from './deployment.js';
import { accessLogLine, platformLines, type LogMeasurement } from './log-bytes.js';
import { round } from './measure.js';
import { LAMBDA_IN_AWS, MONTHLY_API_REQUESTS, PRICES } from './prices.js';

const GB = 2 ** 30;
const MONTH_S = (365.25 / 12) * 86_400;
/** The audit record's kind: its partition key's prefix (shared/store/keys.ts). */
export const AUDIT_KIND = keyPrefix('audit').replace(/#$/, '');

/** What the bench measured of one scenario, per call. */
export interface ScenarioBill {
  name: string;
  operation: OperationName;
  /** Calls in the billing pass, and what DynamoDB would bill for them together. */
  calls: number;
  billed: Billed;
  /** DynamoDB requests per call, by operation (from the latency pass). */
  requestsPerCall: Record<string, number>;
  /** CPU time of this process per call (user + system), at concurrency 1. */
  cpuMsPerCall: number;
  log: LogMeasurement;
  /** Lambda invocations one call is (1 unless said): recordReceipt's call is every receipt of one delivery. */
  invocationsPerCall?: number;
  /** What one call billed outside DynamoDB, counted as it ran (publishLifecycleEvents: events, PutEvents, feedback). */
  outsidePerCall?: OutsideUsage;
}

/** Events a call put on the bus (billed in 64 KB chunks) and its requests to AWS services other than DynamoDB, by action. */
export interface OutsideUsage {
  busEvents: number;
  requests: Record<string, number>;
}

/** Lambda invocations per call: deliverCode's are shared by the deliveries of one stream batch. */
export const invocationsOf = (s: ScenarioBill): number =>
  s.operation === 'deliverCode' ? 1 / LAMBDA_IN_AWS.deliveriesPerInvocation : (s.invocationsPerCall ?? 1);

export const PARTS = [
  'dynamoWrites',
  'dynamoReads',
  'lambda',
  'apiGateway',
  'waf',
  'receiptsTopic',
  'eventBus',
  'logs',
  'auditStorage',
  'itemStorage',
  'pitr',
] as const;
export type Part = (typeof PARTS)[number];
export type Parts = Record<Part, number>;

/** An edge in front of the HTTP functions: the API kind and the web ACL's rules, if any. */
export interface Edge {
  api: 'rest' | 'http';
  wafRules: readonly string[] | undefined;
  source: string;
}

export const packagedEdge = (d: Deployment): Edge => ({ api: d.api.kind, wafRules: d.waf?.rules, source: 'the packaged template' });
/**
 * The edge the cost is set beside: an HTTP API without a web ACL (the stage before issue 17) when the template
 * has one, else the REST API behind a web ACL of issue 17's rules (IP reputation, a per-address rate for all
 * routes and a stricter one for send, a per-token rate).
 */
export const comparedEdge = (packaged: Edge): Edge =>
  packaged.wafRules
    ? { api: 'http', wafRules: undefined, source: 'an HTTP API without WAF (the stage before issue 17)' }
    : { api: 'rest', wafRules: ['ip-reputation', 'ip-rate', 'send-ip-rate', 'token-rate'], source: 'issue 17\u2019s REST API + WAF' };

export interface ScenarioCost {
  name: string;
  operation: OperationName;
  perCall: {
    writeUnits: number;
    indexWriteUnits: number;
    readUnits: number;
    /** Lambda invocations, and their duration in AWS together. */
    invocations: number;
    inAwsMs: number;
    billedMs: number;
    logBytes: { function: number; platform: number; access: number };
    /** Bytes the call leaves in the table (items + overhead), held for their TTL: audit records and the rest. */
    auditGbMonths: number;
    itemGbMonths: number;
    tableGbMonths: number;
    /** Bytes left without a TTL (registry claims): they stay. */
    permanentBytes: number;
  };
  usdPerMillion: Parts & { total: number };
}

/** Lambda's duration in AWS for one call of the scenario (`latencyScale` scales the assumed round trips). */
export function inAwsDuration(s: ScenarioBill, fn: FunctionFacts, latencyScale = 1): { ms: number; billedMs: number } {
  const cpu = s.cpuMsPerCall * (LAMBDA_IN_AWS.fullVcpuAtMb / fn.memoryMb);
  const trips = Object.entries(s.requestsPerCall).reduce((sum, [op, n]) => {
    const ms = LAMBDA_IN_AWS.roundTripMs[op];
    if (ms === undefined) throw new Error(`no in-AWS round trip assumed for DynamoDB ${op} (bench/prices.ts)`);
    return sum + n * ms;
  }, 0);
  const provider = s.operation === 'deliverCode' ? LAMBDA_IN_AWS.providerCallMs : 0;
  const outside = Object.entries(s.outsidePerCall?.requests ?? {}).reduce((sum, [action, n]) => {
    const ms = LAMBDA_IN_AWS.awsCallMs[action];
    if (ms === undefined) throw new Error(`no in-AWS round trip assumed for ${action} (bench/prices.ts)`);
    return sum + n * ms;
  }, 0);
  const ms = cpu + (trips + provider + outside) * latencyScale;
  // Each invocation is billed to the next millisecond on its own.
  const invocations = s.invocationsPerCall ?? 1;
  return { ms, billedMs: Math.ceil(ms / invocations) * invocations };
}

const lambdaUsd = (fn: FunctionFacts, billedMs: number, invocations: number) =>
  (fn.memoryMb / 1024) * (billedMs / 1000) * (fn.architecture === 'arm64' ? PRICES.lambdaArmPerGbSecond : PRICES.lambdaX86PerGbSecond) +
  PRICES.lambdaPerRequest * invocations;

/** GB-months an item write adds to what the table (or its indexes) holds, until each image's TTL. */
function gbMonths(w: ItemWrite, bytes: (w: ItemWrite, side: 'before' | 'after') => number): number {
  const life = (ttl: number | undefined) => (ttl === undefined ? 0 : Math.max(0, ttl - w.atMs / 1000));
  const held = bytes(w, 'after') * life(w.afterTtl) - bytes(w, 'before') * life(w.beforeTtl);
  return held / GB / MONTH_S;
}
const tableBytes = (w: ItemWrite, side: 'before' | 'after') => {
  const b = side === 'before' ? w.beforeBytes : w.afterBytes;
  return b === undefined ? 0 : b + STORAGE_OVERHEAD_BYTES;
};
const indexBytes = (w: ItemWrite, side: 'before' | 'after') =>
  side === 'before'
    ? w.beforeIndexBytes + w.beforeIndexEntries * STORAGE_OVERHEAD_BYTES
    : w.afterIndexBytes + w.afterIndexEntries * STORAGE_OVERHEAD_BYTES;

export function scenarioCost(s: ScenarioBill, d: Deployment, edge: Edge): ScenarioCost {
  const fn = d.functions[s.operation];
  const http = OPERATIONS[s.operation].trigger === 'http';
  const n = s.calls;
  const writes = s.billed.writes.filter((w) => w.applied);
  const storage = (filter: (w: ItemWrite) => boolean) =>
    writes.filter(filter).reduce((sum, w) => sum + gbMonths(w, tableBytes) + gbMonths(w, indexBytes), 0) / n;
  const auditGbMonths = storage((w) => w.kind === AUDIT_KIND);
  const itemGbMonths = storage((w) => w.kind !== AUDIT_KIND);
  const tableGbMonths = writes.reduce((sum, w) => sum + gbMonths(w, tableBytes), 0) / n;
  const permanentBytes =
    writes.filter((w) => w.afterTtl === undefined).reduce((sum, w) => sum + tableBytes(w, 'after') - tableBytes(w, 'before'), 0) / n;

  const duration = inAwsDuration(s, fn);
  const invocations = invocationsOf(s);
  const perInvocation = s.invocationsPerCall ?? 1;
  const platform = platformLines(duration.ms / perInvocation, duration.billedMs / perInvocation, fn.memoryMb).reduce(
    (sum, l) => sum + Buffer.byteLength(l) + 1,
    0,
  );
  const format = d.api.accessLogFormat;
  const access =
    http && format
      ? Buffer.byteLength(
          accessLogLine(format, edge.api, {
            operation: s.operation,
            status: 200,
            responseBytes: s.log.responseBytes,
            latencyMs: duration.ms + 5,
            integrationMs: duration.ms + 2,
          }),
        )
      : 0;
  const retentionMonths = (days: number | undefined) => ((days ?? 3653) * 86_400) / MONTH_S;
  const logUsd = (bytes: number, retentionDays: number | undefined) =>
    (bytes / GB) * (PRICES.logsIngestedPerGb + PRICES.logsStoredPerGbMonth * retentionMonths(retentionDays));

  const perCallUsd: Parts = {
    dynamoWrites: ((s.billed.writeUnits + s.billed.indexWriteUnits) / n) * PRICES.dynamoPerWriteUnit,
    dynamoReads: (s.billed.readUnits / n) * PRICES.dynamoPerReadUnit,
    lambda: lambdaUsd(fn, duration.billedMs, invocations),
    apiGateway: http ? (edge.api === 'rest' ? PRICES.restApiPerRequest : PRICES.httpApiPerRequest) : 0,
    waf:
      http && edge.wafRules
        ? PRICES.wafPerRequest + (PRICES.wafWebAclPerMonth + PRICES.wafRulePerMonth * edge.wafRules.length) / MONTHLY_API_REQUESTS
        : 0,
    // Each receipt is one publish to the receipts topic (its delivery to the function is free).
    receiptsTopic: OPERATIONS[s.operation].trigger === 'topic' ? invocations * PRICES.snsPerPublish : 0,
    // The lifecycle events put on the bus, and End User Messaging told a verified code's message arrived.
    eventBus:
      (s.outsidePerCall?.busEvents ?? 0) * PRICES.eventBridgePerEvent +
      (s.outsidePerCall?.requests.PutMessageFeedback ?? 0) * PRICES.messageFeedbackPerRequest,
    logs: logUsd(s.log.bytesPerCall + platform * invocations, fn.logRetentionDays) + logUsd(access, d.api.accessLogRetentionDays),
    auditStorage: auditGbMonths * PRICES.dynamoStoragePerGbMonth,
    itemStorage: itemGbMonths * PRICES.dynamoStoragePerGbMonth,
    pitr: d.table.pointInTimeRecovery ? tableGbMonths * PRICES.pitrPerGbMonth : 0,
  };
  const usdPerMillion = Object.fromEntries(PARTS.map((p) => [p, round(perCallUsd[p] * 1e6, 4)])) as Parts;
  return {
    name: s.name,
    operation: s.operation,
    perCall: {
      writeUnits: round(s.billed.writeUnits / n, 3),
      indexWriteUnits: round(s.billed.indexWriteUnits / n, 3),
      readUnits: round(s.billed.readUnits / n, 3),
      invocations: round(invocations, 2),
      inAwsMs: round(duration.ms, 2),
      billedMs: duration.billedMs,
      logBytes: { function: round(s.log.bytesPerCall, 1), platform: platform * invocations, access },
      auditGbMonths,
      itemGbMonths,
      tableGbMonths,
      permanentBytes: round(permanentBytes, 1),
    },
    usdPerMillion: { ...usdPerMillion, total: round(PARTS.reduce((sum, p) => sum + perCallUsd[p], 0) * 1e6, 3) },
  };
}

/**
 * What the bench prices: a verification (send, its delivery and its receipts, a right verify, and the
 * lifecycle events they lead to) and a check-identity call.
 */
export const PRODUCTS: Record<string, string[]> = {
  'verification (send + delivery + receipts + right verify + lifecycle events)': [
    'send',
    'deliverCode',
    'recordReceipt',
    'verify-right',
    'publishLifecycleEvents',
  ],
  'check-identity call': ['check-identity'],
};

export interface ProductCost {
  name: string;
  scenarios: string[];
  usdPerMillion: Parts & { total: number };
}

/** Sums the scenarios' parts into each product; undefined when a scenario was not measured. */
export function productCosts(costs: ScenarioCost[]): ProductCost[] {
  return Object.entries(PRODUCTS).flatMap(([name, scenarios]) => {
    const parts = scenarios.map((s) => costs.find((c) => c.name === s));
    if (parts.some((p) => !p)) return [];
    const sum = (k: Part | 'total') =>
      round(
        parts.reduce((a, p) => a + p!.usdPerMillion[k], 0),
        3,
      );
    return [{ name, scenarios, usdPerMillion: { ...(Object.fromEntries(PARTS.map((p) => [p, sum(p)])) as Parts), total: sum('total') } }];
  });
}

/** The Lambda part of each product with every assumed round trip halved and doubled. */
export function lambdaSensitivity(
  bills: ScenarioBill[],
  d: Deployment,
): Array<{ name: string; half: number; assumed: number; double: number }> {
  return Object.entries(PRODUCTS).flatMap(([name, scenarios]) => {
    const picked = scenarios.map((s) => bills.find((b) => b.name === s));
    if (picked.some((b) => !b)) return [];
    const at = (scale: number) =>
      round(
        picked.reduce((sum, b) => {
          const fn = d.functions[b!.operation];
          return sum + lambdaUsd(fn, inAwsDuration(b!, fn, scale).billedMs, invocationsOf(b!)) * 1e6;
        }, 0),
        3,
      );
    return [{ name, half: at(0.5), assumed: at(1), double: at(2) }];
  });
}

/** A change that would lower the bill, and what it would save per million of each product. */
export interface Cut {
  name: string;
  /** What changes, and what it gives up. */
  change: string;
  savesUsdPerMillion: Record<string, number>;
}

/** Billed writes with the audit records' index entries gone: their index writes and index storage. */
function withoutAuditIndex(b: Billed): Billed {
  const audit = b.writes.filter((w) => w.kind === AUDIT_KIND);
  const indexUnits = audit.reduce((s, w) => s + w.indexWriteUnits, 0);
  return {
    ...b,
    indexWriteUnits: b.indexWriteUnits - indexUnits,
    writes: b.writes.map((w) =>
      w.kind === AUDIT_KIND
        ? { ...w, indexWriteUnits: 0, beforeIndexEntries: 0, afterIndexEntries: 0, beforeIndexBytes: 0, afterIndexBytes: 0 }
        : w,
    ),
  };
}

/** Billed writes with the audit records kept `factor` times as long. */
function auditKeptFor(b: Billed, factor: number): Billed {
  const scaled = (w: ItemWrite, ttl: number | undefined) =>
    ttl === undefined ? undefined : w.atMs / 1000 + (ttl - w.atMs / 1000) * factor;
  return {
    ...b,
    writes: b.writes.map((w) => (w.kind === AUDIT_KIND ? { ...w, beforeTtl: scaled(w, w.beforeTtl), afterTtl: scaled(w, w.afterTtl) } : w)),
  };
}

/**
 * The audit record's attributes whose value its keys already hold: `requestId` is the partition key's
 * (`AUDIT#<requestId>`), `subjectHash` the index key's (`AUDIT#<subjectHash>`), `at` the sort key's.
 */
export const AUDIT_ATTRIBUTES_IN_KEYS = ['requestId', 'subjectHash', 'at'];

/** The audit index's projected attributes (infra/table.json). */
function auditIndexProjection(): string[] {
  const table = JSON.parse(readFileSync(path.join(repoRoot, 'infra', 'table.json'), 'utf8')) as {
    GlobalSecondaryIndexes?: Array<{ Projection?: { NonKeyAttributes?: string[] } }>;
  };
  return table.GlobalSecondaryIndexes?.[0]?.Projection?.NonKeyAttributes ?? [];
}

/**
 * Billed writes with `names` gone from every audit record (sizes from the largest record seen: these
 * attributes have one length), from its index entry too where the index projects them; write units
 * recounted from the smaller sizes.
 */
export function auditWithout(b: Billed, names: string[], projected: string[] = auditIndexProjection()): Billed {
  const sample = b.samples[AUDIT_KIND];
  if (!sample) return b;
  const bytesOf = (list: string[]) =>
    list.filter((n) => sample[n] !== undefined).reduce((sum, n) => sum + Buffer.byteLength(n) + valueBytes(sample[n]!), 0);
  const item = bytesOf(names);
  const entry = bytesOf(names.filter((n) => projected.includes(n)));
  let units = 0;
  const writes = b.writes.map((w) => {
    if (w.kind !== AUDIT_KIND) return w;
    const less = (x: number | undefined) => (x === undefined ? undefined : x - item);
    const trimmed = {
      ...w,
      beforeBytes: less(w.beforeBytes),
      afterBytes: less(w.afterBytes),
      beforeIndexBytes: w.beforeIndexBytes - entry * w.beforeIndexEntries,
      afterIndexBytes: w.afterIndexBytes - entry * w.afterIndexEntries,
    };
    if (w.applied) {
      const largest = Math.max(trimmed.beforeBytes ?? 0, trimmed.afterBytes ?? 0);
      trimmed.writeUnits = writeUnits(largest, w.transactional);
      units += trimmed.writeUnits - w.writeUnits;
    }
    return trimmed;
  });
  return { ...b, writeUnits: b.writeUnits + units, writes };
}

/**
 * The candidates for cutting, each priced by running the same bills through the cost model with one thing
 * changed: point-in-time recovery, the access log, the web ACL, the REST API itself, the functions' memory,
 * the audit index, and the audit's retention. What is decided about each is the docs' (docs/performance.md).
 */
export function cutList(bills: ScenarioBill[], d: Deployment, edge: Edge): Cut[] {
  const total = (bs: ScenarioBill[], dep: Deployment, e: Edge) =>
    Object.fromEntries(productCosts(bs.map((b) => scenarioCost(b, dep, e))).map((p) => [p.name, p.usdPerMillion.total]));
  const now = total(bills, d, edge);
  const saves = (bs: ScenarioBill[], dep: Deployment, e: Edge) => {
    const then = total(bs, dep, e);
    return Object.fromEntries(Object.entries(now).map(([k, v]) => [k, round(v - (then[k] ?? v), 3)]));
  };
  const halfMemory = Object.fromEntries(
    Object.entries(d.functions).map(([k, f]) => [k, { ...f, memoryMb: Math.max(128, f.memoryMb / 2) }]),
  ) as Deployment['functions'];
  const memories = [...new Set(Object.values(d.functions).map((f) => f.memoryMb))].join('/');
  const cuts: Cut[] = [];
  if (d.table.pointInTimeRecovery)
    cuts.push({
      name: 'point-in-time recovery off',
      change: 'no restore of the table to a moment in the last 35 days (an overwritten or deleted audit record is gone)',
      savesUsdPerMillion: saves(bills, { ...d, table: { pointInTimeRecovery: false } }, edge),
    });
  if (d.api.accessLogFormat)
    cuts.push({
      name: 'API access log off',
      change: 'no line per request that reached the stage (status, latency, source address)',
      savesUsdPerMillion: saves(bills, { ...d, api: { ...d.api, accessLogFormat: undefined } }, edge),
    });
  if (edge.wafRules)
    cuts.push({
      name: 'WAF web ACL off (REST API stays)',
      change: 'no per-address or per-token rate rules and no IP reputation list in front of the functions',
      savesUsdPerMillion: saves(bills, d, { ...edge, wafRules: undefined }),
    });
  if (edge.api === 'rest')
    cuts.push({
      name: 'HTTP API instead of REST API + WAF',
      change: 'WAF cannot attach to an HTTP API: the edge admission of issue 17 goes with it',
      savesUsdPerMillion: saves(bills, d, { api: 'http', wafRules: undefined, source: 'an HTTP API' }),
    });
  cuts.push({
    name: `functions at half their memory (${memories} MB → half)`,
    change: 'half the CPU share: the CPU part of each call takes twice as long, the DynamoDB waits cost half',
    savesUsdPerMillion: saves(bills, { ...d, functions: halfMemory }, edge),
  });
  cuts.push({
    name: 'no audit index (gsi1 on audit records)',
    change: 'no query of a destination\u2019s audit trail by time; a record is found only by its request id',
    savesUsdPerMillion: saves(
      bills.map((b) => ({ ...b, billed: withoutAuditIndex(b.billed) })),
      d,
      edge,
    ),
  });
  cuts.push({
    name: `audit records without what their keys hold (${AUDIT_ATTRIBUTES_IN_KEYS.join(', ')})`,
    change: 'readers take the request id, subject hash and time from the keys instead of plain attributes',
    savesUsdPerMillion: saves(
      bills.map((b) => ({ ...b, billed: auditWithout(b.billed, AUDIT_ATTRIBUTES_IN_KEYS) })),
      d,
      edge,
    ),
  });
  cuts.push({
    name: `audit kept half as long (${d.auditRetentionDays} → ${d.auditRetentionDays / 2} days)`,
    change: 'a question about a verification older than that has no answer',
    savesUsdPerMillion: saves(
      bills.map((b) => ({ ...b, billed: auditKeptFor(b.billed, 0.5) })),
      d,
      edge,
    ),
  });
  return cuts;
}
