// From measurements to the report: requests, capacity and cost per operation, the targets, and the
// printed table.
import type { OperationName } from '../shared/operations.js';
import type { Billed, Usage } from '../dev/support/meter.js';
import type { BundleResult, ImportFloor } from './bundles.js';
import { PARTS, type Cut, type OutsideUsage, type Edge, type Part, type ProductCost, type ScenarioCost } from './cost.js';
import type { Floors } from './floors.js';
import { bytesOverKbBoundary, type KindSize } from './item-sizes.js';
import { round, type Stats } from './measure.js';
import type { MixedLoadResult } from './mixed-load.js';
import { MONTHLY_API_REQUESTS, OUT_OF_SCOPE_NOTE, PRICES } from './prices.js';

const TARGET_RATIO = 1.3;
const TARGET_BUNDLE_KIB = 450;
const TARGET_IMPORT_RATIO = 1.6;
/**
 * DynamoDB requests per call at most, by scenario (docs/architecture.md, DynamoDB requests per operation).
 * check-identity: the partner's flow-control ADD, the lookup and the audit record. send: the suppression's
 * read, the country budget's shard and the transaction. deliverCode: the claim, the settling transaction and
 * the destination's message id (what a receipt is matched by).
 */
const MAX_REQUESTS: Record<string, number> = { 'check-identity': 3, send: 3, 'verify-wrong': 2, 'verify-right': 2, deliverCode: 3 };
const READ_OPERATIONS = new Set(['GetItem', 'Query', 'BatchGetItem']);

export interface ScenarioMeasurement {
  name: string;
  operation: OperationName;
  /** DynamoDB usage of the measured calls at concurrency 1. */
  usage: Usage;
  /** Latency by concurrency, `c1`, `c16`. */
  latency: Record<string, Stats>;
  /** CPU time of the bench process per call at concurrency 1, ms. */
  cpuMsPerCall: number;
  /** The billing pass: its calls, and what AWS would bill for them (dev/support/meter.ts). */
  billingCalls: number;
  /** Lambda invocations one call is (recordReceipt: the receipts of one delivery). */
  invocationsPerCall: number;
  /** What one call of the billing pass billed outside DynamoDB, if the scenario counts it. */
  outsidePerCall?: OutsideUsage;
  billed: Billed;
}

export interface OperationResult {
  name: string;
  requests: number;
  requestsByOperation: Record<string, number>;
  /** Request units per call as AWS bills them: reads, table writes, index writes. */
  readUnits: number;
  writeUnits: number;
  indexWriteUnits: number;
  latency: Record<string, Stats>;
  floorMs: number;
  /** p50 ÷ the floor; absent for a scenario that makes no DynamoDB request (publishLifecycleEvents): it has none. */
  ratioToFloor?: number;
  /** send only: p50 ÷ a bare transaction of send's shape (5 items), and ÷ the same with its 30-slot IP window. */
  ratioToBareTransaction?: number;
  ratioToBareTransactionWithIpWindow?: number;
  /** Dollars per million calls, all parts (bench/cost.ts). */
  costPerMillionUsd: number;
}

/** Per-call figures of one scenario: requests and capacity, its floor, and its cost per million calls. */
export function operationResult(m: ScenarioMeasurement, floor: Floors, iterations: number, cost: ScenarioCost): OperationResult {
  const perOp = Object.fromEntries(Object.entries(m.usage.byOperation).map(([k, v]) => [k, round(v / iterations, 2)]));
  const requests = m.usage.requests / iterations;
  const reads = Object.entries(perOp)
    .filter(([k]) => READ_OPERATIONS.has(k))
    .reduce((a, [, v]) => a + v, 0);
  const transactions = perOp.TransactWriteItems ?? 0;
  const writes = requests - reads - transactions;
  // Each request priced at the floor of its shape: reads at GetItem's p50, single-item writes at the
  // conditional UpdateItem's, transactions at the bare 4-item transaction's (verify's hold 3 items,
  // register's 2–4; send's own 6-item shape is read separately below).
  const floorMs = reads * floor.getItem.p50 + writes * floor.conditionalUpdate.p50 + transactions * floor.transaction4.p50;
  const c1 = m.latency.c1!;
  return {
    name: m.name,
    requests: round(requests, 2),
    requestsByOperation: perOp,
    readUnits: cost.perCall.readUnits,
    writeUnits: cost.perCall.writeUnits,
    indexWriteUnits: cost.perCall.indexWriteUnits,
    latency: m.latency,
    floorMs: round(floorMs, 3),
    ...(floorMs > 0 ? { ratioToFloor: round(c1.p50 / floorMs, 2) } : {}),
    // send: its transaction at the bare transaction of its own shape, its other requests (the suppression's
    // read, the country budget's shard) at their floors.
    ...(m.name === 'send'
      ? {
          ratioToBareTransaction: round(c1.p50 / (floorMs - transactions * floor.transaction4.p50 + transactions * floor.sendShape.p50), 2),
          ratioToBareTransactionWithIpWindow: round(
            c1.p50 / (floorMs - transactions * floor.transaction4.p50 + transactions * floor.sendShapeIpWindow.p50),
            2,
          ),
        }
      : {}),
    costPerMillionUsd: cost.usdPerMillion.total,
  };
}

export function targetsOf(
  operations: OperationResult[],
  bundles: BundleResult[],
): { met: boolean; misses: string[]; notMeasured: string[] } {
  const misses: string[] = [];
  // A partial run (BENCH_ONLY, BENCH_SCENARIOS) says which targets it did not look at, rather than "all met".
  const notMeasured = [
    ...(bundles.length === 0 ? ['bundle sizes and imports (BENCH_ONLY=operations)'] : []),
    ...Object.keys(MAX_REQUESTS)
      .filter((name) => !operations.some((o) => o.name === name))
      .map((name) => `${name} (not among BENCH_SCENARIOS)`),
  ];
  for (const o of operations) {
    // send is one atomic transaction of several items: its floor is that transaction, bare (issue 12).
    if (o.ratioToBareTransaction !== undefined) {
      if (o.ratioToBareTransaction > TARGET_RATIO)
        misses.push(
          `${o.name}: p50 is ${o.ratioToBareTransaction}× its floor with the bare transaction of its shape (target ${TARGET_RATIO}×)`,
        );
    } else if (o.ratioToFloor !== undefined && o.ratioToFloor > TARGET_RATIO)
      misses.push(`${o.name}: p50 is ${o.ratioToFloor}× its floor (target ${TARGET_RATIO}×)`);
    const max = MAX_REQUESTS[o.name];
    if (max !== undefined && o.requests > max) misses.push(`${o.name}: ${o.requests} requests (target ${max})`);
  }
  for (const b of bundles) {
    if (b.bundleKiB > TARGET_BUNDLE_KIB) misses.push(`${b.function}: bundle ${b.bundleKiB} KiB (target ${TARGET_BUNDLE_KIB})`);
    if (b.importRatio > TARGET_IMPORT_RATIO)
      misses.push(`${b.function}: import ×${b.importRatio} of bare Node (target ${TARGET_IMPORT_RATIO}×)`);
  }
  return { met: misses.length === 0 && notMeasured.length === 0, misses, notMeasured };
}

export interface CostReport {
  edge: Edge;
  scenarios: ScenarioCost[];
  products: ProductCost[];
  /** The same behind another edge (bench/cost.ts comparedEdge), to read what the edge costs. */
  compared: { edge: Edge; products: ProductCost[] };
  lambdaSensitivity: Array<{ name: string; half: number; assumed: number; double: number }>;
  /** What could be cut, and what each would save per million of each product. */
  cuts: Cut[];
  bills: Array<{ name: string; cpuMsPerCall: number; requestsPerCall: Record<string, number>; logSample: string[] }>;
  itemSizes: KindSize[];
  deployment: {
    api: 'rest' | 'http';
    accessLogFormat: boolean;
    waf: string[] | undefined;
    pointInTimeRecovery: boolean;
    auditRetentionDays: number;
    localAuditRetentionDays: number;
    functions: Record<string, { memoryMb: number; architecture: string; logLevel: string }>;
  };
  assumptions: Record<string, unknown>;
}

export interface Report {
  date: string;
  machine: { cpus: number; cpu: string | undefined; node: string; lambdaNode: string };
  /** The machine's load average (1, 5, 15 min) when the run started and ended: it is shared. */
  load: { start: number[]; end: number[] };
  settings: {
    quick: boolean;
    iterations: number;
    warmup: number;
    concurrencies: number[];
    coldStartRuns: number;
    billingCalls: number;
    logCalls: number;
    mixed: Record<string, number>;
  };
  prices: Record<string, unknown>;
  floor?: Floors;
  operations: OperationResult[];
  cost?: CostReport;
  mixed?: MixedLoadResult;
  bundles: BundleResult[];
  importFloors: ImportFloor[];
  targets: { met: boolean; misses: string[]; notMeasured: string[] };
}

const usd = (x: number) => (x >= 10 ? x.toFixed(2) : x >= 0.1 ? x.toFixed(3) : x.toFixed(4));
const PART_NAMES: Record<Part, string> = {
  dynamoWrites: 'DynamoDB writes',
  dynamoReads: 'DynamoDB reads',
  lambda: 'Lambda',
  apiGateway: 'API Gateway',
  waf: 'WAF',
  receiptsTopic: 'receipts topic (SNS)',
  eventBus: 'event bus (EventBridge)',
  logs: 'logs',
  auditStorage: 'audit storage',
  itemStorage: 'other items\u2019 storage',
  pitr: 'PITR',
};

const edgeText = (e: Edge) =>
  `${e.source}: ${e.api === 'rest' ? 'REST API' : 'HTTP API'}, ${e.wafRules ? `WAF web ACL with ${e.wafRules.length} rules` : 'no WAF'}`;

function productTable(products: ProductCost[]): string[] {
  return [
    `| $ per million | ${PARTS.map((p) => PART_NAMES[p]).join(' | ')} | total |`,
    `| --- | ${PARTS.map(() => '---').join(' | ')} | --- |`,
    ...products.map((p) => `| ${p.name} | ${PARTS.map((k) => usd(p.usdPerMillion[k])).join(' | ')} | **${usd(p.usdPerMillion.total)}** |`),
  ];
}

/** The cost section: products part by part, each scenario per call, the assumptions' weight, item sizes. */
export function renderCost(c: CostReport, pricesReadOn: string): string[] {
  const lines: string[] = [];
  const spread = (e: Edge) =>
    e.wafRules
      ? ` (the web ACL's $${PRICES.wafWebAclPerMonth + PRICES.wafRulePerMonth * e.wafRules.length} a month spread over ${MONTHLY_API_REQUESTS.toLocaleString('en-US')} API requests a month)`
      : '';
  lines.push(`cost as AWS bills it, us-east-1 prices read ${pricesReadOn}, DynamoDB on demand; ${edgeText(c.edge)}${spread(c.edge)}:`);
  lines.push(...productTable(c.products));
  lines.push('', `the same with ${edgeText(c.compared.edge)}${spread(c.compared.edge)}:`);
  lines.push(...productTable(c.compared.products));
  lines.push('');
  lines.push(
    'per call, by scenario (request units as AWS bills them, from the items each call touched; Lambda in AWS from the CPU measured here and the DynamoDB requests made):',
  );
  lines.push(
    '| scenario | WRU table | WRU index | RRU | CPU here ms | DynamoDB requests | Lambda in AWS ms (billed) | log bytes: function + Lambda + access | stays in the table: audit / other, byte-months | $ per million calls |',
  );
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const s of c.scenarios) {
    const b = c.bills.find((x) => x.name === s.name)!;
    const reqs = Object.entries(b.requestsPerCall)
      .map(([k, v]) => `${round(v, 2) === 1 ? '' : `${round(v, 2)}×`}${k}`)
      .join(' + ');
    const l = s.perCall.logBytes;
    const byteMonths = (gb: number) => Math.round(gb * 2 ** 30).toLocaleString('en-US');
    lines.push(
      `| ${s.name} | ${s.perCall.writeUnits} | ${s.perCall.indexWriteUnits} | ${s.perCall.readUnits} | ${b.cpuMsPerCall} | ${reqs} | ${s.perCall.inAwsMs} (${s.perCall.billedMs})${s.perCall.invocations === 1 ? '' : `, ${s.perCall.invocations} invocations`} | ${Math.round(l.function)} + ${l.platform} + ${l.access} | ${byteMonths(s.perCall.auditGbMonths)} / ${byteMonths(s.perCall.itemGbMonths)} | ${usd(s.usdPerMillion.total)} |`,
    );
  }
  if (c.lambdaSensitivity.length) {
    lines.push('');
    lines.push(
      `Lambda part with every assumed round trip halved / as assumed / doubled: ${c.lambdaSensitivity.map((x) => `${x.name} $${usd(x.half)} / $${usd(x.assumed)} / $${usd(x.double)}`).join('; ')}.`,
    );
  }
  if (c.cuts.length) {
    const products = c.products.map((p) => p.name);
    lines.push('', 'what could be cut, and what it would save ($ per million):');
    lines.push(`| cut | gives up | ${products.join(' | ')} |`);
    lines.push(`| --- | --- | ${products.map(() => '---').join(' | ')} |`);
    for (const cut of c.cuts)
      lines.push(`| ${cut.name} | ${cut.change} | ${products.map((p) => usd(cut.savesUsdPerMillion[p] ?? 0)).join(' | ')} |`);
  }
  const d = c.deployment;
  const fns = [...new Set(Object.values(d.functions).map((f) => `${f.memoryMb} MB ${f.architecture}, LOG_LEVEL ${f.logLevel}`))].join('; ');
  lines.push(
    `read from the packaged template: functions ${fns}; point-in-time recovery ${d.pointInTimeRecovery ? 'on' : 'off'}; audit retention ${d.auditRetentionDays} days` +
      `${d.auditRetentionDays === d.localAuditRetentionDays ? '' : ` (the measured items live ${d.localAuditRetentionDays}: their storage is off by that ratio)`}; access log ${d.accessLogFormat ? 'on' : 'off'}.`,
  );
  lines.push(
    'DynamoDB Streams reads by Lambda (deliverCode\u2019s and publishLifecycleEvents\u2019 triggers) are free. ' + OUT_OF_SCOPE_NOTE,
  );
  lines.push('');
  lines.push('item sizes, by kind (the largest seen after a write; every write of an item under 1 KB costs the same units):');
  lines.push(
    '| item (key prefix) | bytes | of which names | bytes over the last KB boundary | index entry bytes | lives | written per call | heaviest attributes (name + value bytes) |',
  );
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const k of c.itemSizes) {
    const life =
      k.lifetimeSeconds === undefined
        ? 'no TTL'
        : k.lifetimeSeconds >= 86_400
          ? `${round(k.lifetimeSeconds / 86_400, 1)} d`
          : k.lifetimeSeconds >= 3600
            ? `${round(k.lifetimeSeconds / 3600, 1)} h`
            : `${k.lifetimeSeconds} s`;
    lines.push(
      `| ${k.kind} | ${k.bytes} | ${k.nameBytes} | ${bytesOverKbBoundary(k.bytes)} | ${k.indexEntryBytes || '—'} | ${life} | ${k.writtenBy.join('; ')} | ${k.attributes
        .slice(0, 6)
        .map((a) => `${a.name} ${a.bytes}`)
        .join(', ')} |`,
    );
  }
  return lines;
}

/** The mixed load's figures and its invariants. */
export function renderMixed(m: MixedLoadResult): string[] {
  const s = m.settings;
  const lines: string[] = [];
  lines.push(
    `mixed load: concurrency ${s.concurrency} for ${m.wallSeconds} s, ${m.requests} requests, ${m.throughput}/s, p50 ${m.overall.p50} ms, p99 ${m.overall.p99} ms; ` +
      `${m.deliveries} codes delivered; ${s.partners} partners at ${s.partnerRate}/s, country budget ${s.countryBudget} an hour`,
  );
  lines.push('| request | count | answers (status: count) | p50 ms | p99 ms |');
  lines.push('| --- | --- | --- | --- | --- |');
  for (const k of m.byKind)
    lines.push(
      `| ${k.kind} | ${k.requests} | ${Object.entries(k.statuses)
        .map(([st, n]) => `${st}: ${n}`)
        .join(', ')} | ${k.stats.p50} | ${k.stats.p99} |`,
    );
  lines.push('invariants:');
  for (const i of m.invariants) lines.push(`- ${i.ok ? 'ok' : 'FAILED'}: ${i.name}: ${i.detail}`);
  if (m.errors.length) lines.push('errors the functions logged:', ...m.errors.slice(0, 10).map((e) => `- ${e}`));
  return lines;
}

/** The report as printed: the floor, one row per scenario, the cost, the mixed load, one row per bundle, and the targets. */
export function render(r: Report): string {
  const { iterations, warmup } = r.settings;
  const lines: string[] = [];
  lines.push(
    `verigate bench ${r.date} (${r.machine.cpus} cores${r.machine.cpu ? ` ${r.machine.cpu}` : ''}, load average ${r.load.start.join(' / ')} at the start, ${r.load.end.join(' / ')} at the end; ` +
      `Node ${r.machine.node}, DynamoDB Local${r.operations.length ? `, ${iterations} iterations after ${warmup} warm-up` : ''}${r.settings.quick ? ', quick mode' : ''})`,
  );
  if (r.floor)
    lines.push(
      `floor: GetItem p50 ${r.floor.getItem.p50} ms, conditional UpdateItem p50 ${r.floor.conditionalUpdate.p50} ms, ` +
        `4-item conditional TransactWriteItems p50 ${r.floor.transaction4.p50} ms, ` +
        `send's 6-item transaction bare p50 ${r.floor.sendShape.p50} ms (with the 30-slot IP window: ${r.floor.sendShapeIpWindow.p50} ms)`,
    );
  if (r.operations.length) {
    lines.push('');
    lines.push(
      '| operation | DynamoDB requests | RRU | WRU table + index | p50 c1 (ms) | p95 c1 | p99 c1 | ops/s c1 | p50 c16 | p99 c16 | ops/s c16 | p50 ÷ floor | $ per million |',
    );
    lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const o of r.operations) {
      const c1 = o.latency.c1!;
      const c16 = o.latency.c16!;
      const reqs = `${o.requests} (${Object.entries(o.requestsByOperation)
        .map(([k, v]) => `${v === 1 ? '' : `${v}×`}${k}`)
        .join(' + ')})`;
      lines.push(
        `| ${o.name} | ${reqs} | ${o.readUnits} | ${o.writeUnits} + ${o.indexWriteUnits} | ${c1.p50} | ${c1.p95} | ${c1.p99} | ${c1.throughput} | ${c16.p50} | ${c16.p99} | ${c16.throughput} | ${o.ratioToFloor === undefined ? '—' : `${o.ratioToFloor}×`} | ${usd(o.costPerMillionUsd)} |`,
      );
    }
  }
  const send = r.operations.find((o) => o.name === 'send');
  if (send?.ratioToBareTransaction !== undefined) {
    lines.push('');
    lines.push(
      `send p50 ÷ its floor with the bare 6-item transaction of its shape: ${send.ratioToBareTransaction}× ` +
        `(÷ the same with its 30-slot IP window: ${send.ratioToBareTransactionWithIpWindow}×)`,
    );
  }
  if (r.cost) {
    lines.push('');
    lines.push(...renderCost(r.cost, String(r.prices.readOn)));
  }
  if (r.mixed) {
    lines.push('');
    lines.push(...renderMixed(r.mixed));
  }
  if (r.bundles.length > 0) {
    lines.push('');
    lines.push(
      `bundles on Node ${r.machine.lambdaNode} (the functions' runtime), medians of ${r.settings.coldStartRuns} fresh processes each:`,
    );
    lines.push(
      '| function | zip KiB | bundle KiB | bare Node ms | import ms | import ÷ bare | cold start, local stage: ms (import / first request) | ÷ bare | cold start, secrets from SSM: ms (import / first request) | ÷ bare |',
    );
    lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    const cold = (c: BundleResult['coldStart']['local']) =>
      `${c.processMedianMs} (${c.importMedianMs} / ${c.firstRequestMedianMs}) | ${c.ratioToBare}×`;
    for (const b of r.bundles)
      lines.push(
        `| ${b.function} | ${b.zipKiB} | ${b.bundleKiB} | ${b.bareNodeMedianMs} | ${b.importMedianMs} | ${b.importRatio}× | ${cold(b.coldStart.local)} | ${cold(b.coldStart.aws)} |`,
      );
  }
  if (r.importFloors.length > 0) {
    lines.push('');
    lines.push("what every function's import includes, timed the same way:");
    for (const f of r.importFloors)
      lines.push(
        `- ${f.name}${f.bundleKiB === undefined ? '' : ` (${f.bundleKiB} KiB)`}: ${f.importMedianMs} ms, ${f.importRatio}× a bare start (${f.bareNodeMedianMs} ms)`,
      );
  }
  lines.push('');
  const { misses, notMeasured } = r.targets;
  if (misses.length === 0 && notMeasured.length === 0) lines.push('targets: all met');
  if (misses.length > 0) lines.push(`targets missed:\n${misses.map((m) => `- ${m}`).join('\n')}`);
  if (notMeasured.length > 0) lines.push(`targets not measured in this run:\n${notMeasured.map((m) => `- ${m}`).join('\n')}`);
  return `${lines.join('\n')}\n`;
}
