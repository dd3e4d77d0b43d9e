// From measurements to the report: requests, capacity and cost per operation, the targets, and the
// printed table.
import { OPERATIONS, type OperationName } from '../shared/operations.js';
import type { Usage } from '../dev/support/meter.js';
import type { BundleResult, ImportFloor } from './bundles.js';
import type { Floors } from './floors.js';
import { round, type Stats } from './measure.js';
import { PRICES } from './prices.js';

const TARGET_RATIO = 1.3;
const TARGET_BUNDLE_KIB = 450;
const TARGET_IMPORT_RATIO = 1.6;
/**
 * DynamoDB requests per call at most, by scenario. check-identity: the partner's flow-control ADD
 * (CBC.0250, issue 9), the lookup and the audit record. deliverCode: the claim and the settling transaction.
 */
const MAX_REQUESTS: Record<string, number> = { 'check-identity': 3, send: 3, 'verify-wrong': 2, 'verify-right': 2, deliverCode: 2 };
const READ_OPERATIONS = new Set(['GetItem', 'Query']);

export interface ScenarioMeasurement {
  name: string;
  operation: OperationName;
  /** DynamoDB usage of the measured calls at concurrency 1. */
  usage: Usage;
  /** Latency by concurrency, `c1`, `c16`. */
  latency: Record<string, Stats>;
}

export interface OperationResult {
  name: string;
  requests: number;
  requestsByOperation: Record<string, number>;
  readUnits: number;
  writeUnits: number;
  estimatedWriteUnits: number;
  latency: Record<string, Stats>;
  floorMs: number;
  ratioToFloor: number;
  /** send only: p50 ÷ a bare transaction of send's shape (5 items), and ÷ the same with its 30-slot IP window. */
  ratioToBareTransaction?: number;
  ratioToBareTransactionWithIpWindow?: number;
  costPerMillionUsd: { lambda: number; apiGateway: number; dynamodb: number; total: number };
}

/** Per-call figures of one scenario: requests and capacity, its floor, and its cost per million calls. */
export function operationResult(m: ScenarioMeasurement, floor: Floors, iterations: number, lambdaMemoryMb: number): OperationResult {
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
  const rru = m.usage.readUnits / iterations;
  const wru = (m.usage.writeUnits + m.usage.estimatedWriteUnits) / iterations;
  const c1 = m.latency.c1!;
  const billedMs = Math.ceil(c1.mean);
  const lambda = (lambdaMemoryMb / 1024) * (billedMs / 1000) * PRICES.lambdaArmPerGbSecond + PRICES.lambdaPerRequest;
  const api = OPERATIONS[m.operation].trigger === 'http' ? PRICES.restApiPerRequest + PRICES.wafPerRequest : 0;
  const dynamo = rru * PRICES.dynamoPerReadUnit + wru * PRICES.dynamoPerWriteUnit;
  return {
    name: m.name,
    requests: round(requests, 2),
    requestsByOperation: perOp,
    readUnits: round(rru, 2),
    writeUnits: round(wru, 2),
    estimatedWriteUnits: round(m.usage.estimatedWriteUnits / iterations, 2),
    latency: m.latency,
    floorMs: round(floorMs, 3),
    ratioToFloor: round(c1.p50 / floorMs, 2),
    ...(m.name === 'send'
      ? {
          ratioToBareTransaction: round(c1.p50 / floor.sendShape.p50, 2),
          ratioToBareTransactionWithIpWindow: round(c1.p50 / floor.sendShapeIpWindow.p50, 2),
        }
      : {}),
    costPerMillionUsd: {
      lambda: round(lambda * 1e6, 3),
      apiGateway: round(api * 1e6, 3),
      dynamodb: round(dynamo * 1e6, 3),
      total: round((lambda + api + dynamo) * 1e6, 3),
    },
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
        misses.push(`${o.name}: p50 is ${o.ratioToBareTransaction}× the bare transaction of its shape (target ${TARGET_RATIO}×)`);
    } else if (o.ratioToFloor > TARGET_RATIO) misses.push(`${o.name}: p50 is ${o.ratioToFloor}× its floor (target ${TARGET_RATIO}×)`);
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

export interface Report {
  date: string;
  machine: { cpus: number; cpu: string | undefined; node: string; lambdaNode: string };
  settings: { iterations: number; warmup: number; concurrencies: number[]; lambdaMemoryMb: number; coldStartRuns: number };
  prices: Record<string, unknown>;
  floor: Floors;
  operations: OperationResult[];
  bundles: BundleResult[];
  importFloors: ImportFloor[];
  targets: { met: boolean; misses: string[]; notMeasured: string[] };
}

/** The report as printed: the floor, one row per scenario, one per bundle, and the targets. */
export function render(r: Report): string {
  const { iterations, warmup } = r.settings;
  const lines: string[] = [];
  lines.push(
    `verigate bench ${r.date} (${r.machine.cpus} cores, Node ${r.machine.node}, DynamoDB Local, ${iterations} iterations after ${warmup} warm-up)`,
  );
  lines.push(
    `floor: GetItem p50 ${r.floor.getItem.p50} ms, conditional UpdateItem p50 ${r.floor.conditionalUpdate.p50} ms, ` +
      `4-item conditional TransactWriteItems p50 ${r.floor.transaction4.p50} ms, ` +
      `send's 6-item transaction bare p50 ${r.floor.sendShape.p50} ms (with the 30-slot IP window: ${r.floor.sendShapeIpWindow.p50} ms)`,
  );
  lines.push('');
  lines.push(
    '| operation | DynamoDB requests | RRU | WRU | p50 c1 (ms) | p95 c1 | p99 c1 | ops/s c1 | p50 c16 | p99 c16 | ops/s c16 | p50 ÷ floor | $ per million |',
  );
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const o of r.operations) {
    const c1 = o.latency.c1!;
    const c16 = o.latency.c16!;
    const reqs = `${o.requests} (${Object.entries(o.requestsByOperation)
      .map(([k, v]) => `${v === 1 ? '' : `${v}×`}${k}`)
      .join(' + ')})`;
    lines.push(
      `| ${o.name} | ${reqs} | ${o.readUnits} | ${o.writeUnits} | ${c1.p50} | ${c1.p95} | ${c1.p99} | ${c1.throughput} | ${c16.p50} | ${c16.p99} | ${c16.throughput} | ${o.ratioToFloor}× | ${o.costPerMillionUsd.total} |`,
    );
  }
  const send = r.operations.find((o) => o.name === 'send');
  if (send?.ratioToBareTransaction !== undefined) {
    lines.push('');
    lines.push(
      `send p50 ÷ the bare 6-item transaction of its shape: ${send.ratioToBareTransaction}× ` +
        `(÷ the same with its 30-slot IP window: ${send.ratioToBareTransactionWithIpWindow}×)`,
    );
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
