// npm run bench — latency, DynamoDB requests, the cost per million as AWS would bill it, a mixed load at
// concurrency, bundle size and cold start of every operation, measured against DynamoDB Local started
// here; imports and cold starts on the Node the functions deploy to. Prints the tables and writes the same
// figures to .bench/latest.json (git-ignored). Exits non-zero when an invariant of the mixed load fails.
//
// Quick mode (`npm run bench -- --quick` or BENCH_QUICK=1): smaller samples and a 10 s mixed load, written
// to .bench/quick.json. Sizes: BENCH_ITERATIONS (1000; quick 200), BENCH_WARMUP (200; 50), BENCH_COLD_RUNS
// (15; 3), BENCH_BILLING_CALLS (calls billed per scenario, 100; 20), BENCH_LOG_CALLS (calls whose log
// bytes are counted, 50; 10), BENCH_MIXED_SECONDS (60; 10), BENCH_MIXED_CONCURRENCY (64).
// BENCH_ONLY=operations: the floors, the operations and their cost only (no mixed load, bundles or cold
// starts), written to .bench/operations.json; BENCH_ONLY=mixed: the mixed load only (.bench/mixed.json).
// BENCH_SCENARIOS=send,verify-right narrows the operations to those scenarios, e.g.
// `BENCH_ONLY=operations BENCH_SCENARIOS=send BENCH_ITERATIONS=300 BENCH_WARMUP=100 npm run bench`.
import './quiet.js';

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { startDynamoDbLocal } from '../dev/emulator.js';
import { ensureLambdaNode } from '../dev/node-runtime.js';
import { repoRoot } from '../dev/paths.js';
import { attachMeter, type Meter, type Usage } from '../dev/support/meter.js';
import type { LocalRuntime } from '../dev/support/runtime.js';
import { runBench } from './run.js';
import { measureBundles, measureImportFloors, packageService } from './bundles.js';
import { coldEnvironment, coldRequestsOf, startAwsPath } from './cold-start.js';
import {
  comparedEdge,
  cutList,
  lambdaSensitivity,
  packagedEdge,
  productCosts,
  scenarioCost,
  type OutsideUsage,
  type ScenarioBill,
} from './cost.js';
import { readDeployment, type Deployment } from './deployment.js';
import { measureFloors } from './floors.js';
import { itemSizes } from './item-sizes.js';
import { measureFunctionLogs } from './log-bytes.js';
import { measure, round, type Stats } from './measure.js';
import { failedMixedLoad, runMixedLoad, type MixedLoadResult } from './mixed-load.js';
import { LAMBDA_IN_AWS, MONTHLY_API_REQUESTS, PRICES, PRICES_READ_ON } from './prices.js';
import { operationResult, render, targetsOf, type CostReport, type Report, type ScenarioMeasurement } from './report.js';
import { scenariosOf } from './scenarios.js';

const quick = process.env.BENCH_QUICK === '1' || process.argv.includes('--quick');
const size = (name: string, full: number, short: number) => Number(process.env[name] ?? (quick ? short : full));
const settings = {
  quick,
  iterations: size('BENCH_ITERATIONS', 1000, 200),
  warmup: size('BENCH_WARMUP', 200, 50),
  concurrencies: [1, 16],
  coldStartRuns: size('BENCH_COLD_RUNS', 15, 3),
  billingCalls: size('BENCH_BILLING_CALLS', 100, 20),
  logCalls: size('BENCH_LOG_CALLS', 50, 10),
  mixed: {
    seconds: size('BENCH_MIXED_SECONDS', 60, 10),
    concurrency: size('BENCH_MIXED_CONCURRENCY', 64, 64),
    partners: 4,
    // The first partner makes half the check-identity calls: over this rate, the others under it.
    partnerRate: 20,
    // Binds within the run (a full run sends a few hundred SMS on this machine).
    countryBudget: size('BENCH_MIXED_COUNTRY_BUDGET', 100, 25),
    dynamodbAttemptMs: size('BENCH_MIXED_DYNAMODB_ATTEMPT_MS', 5000, 5000),
  },
};
const only = process.env.BENCH_ONLY;
if (only !== undefined && only !== 'operations' && only !== 'mixed') throw new Error(`BENCH_ONLY: "operations" or "mixed", got "${only}"`);
const scenarioFilter = process.env.BENCH_SCENARIOS?.split(',')
  .map((s) => s.trim())
  .filter(Boolean);

/** What the calls between two readings of a scenario's outside counts billed, per call. */
const perCallSince = (before: OutsideUsage, after: OutsideUsage, calls: number): OutsideUsage => ({
  busEvents: (after.busEvents - before.busEvents) / calls,
  requests: Object.fromEntries(Object.entries(after.requests).map(([k, v]) => [k, (v - (before.requests[k] ?? 0)) / calls])),
});

/**
 * Each scenario at each concurrency, on fresh events (DynamoDB requests and CPU read at concurrency 1),
 * then a billing pass: calls one at a time with the meter reading every item they touch.
 */
async function measureScenarios(local: LocalRuntime, meter: Meter): Promise<ScenarioMeasurement[]> {
  const results: ScenarioMeasurement[] = [];
  const all = await scenariosOf(local);
  const unknown = scenarioFilter?.filter((n) => !all.some((s) => s.name === n)) ?? [];
  if (unknown.length > 0)
    throw new Error(`BENCH_SCENARIOS: no scenario ${unknown.join(', ')} (known: ${all.map((s) => s.name).join(', ')})`);
  for (const s of all.filter((x) => !scenarioFilter || scenarioFilter.includes(x.name))) {
    const latency: Record<string, Stats> = {};
    let usage: Usage | undefined;
    let cpuMsPerCall = 0;
    for (const c of settings.concurrencies) {
      const events = await s.prepare(settings.warmup + settings.iterations);
      let cpu0 = process.cpuUsage();
      latency[`c${c}`] = await measure(events, settings.warmup, c, s.run, () => {
        meter.reset();
        cpu0 = process.cpuUsage();
      });
      if (c === 1) {
        const cpu = process.cpuUsage(cpu0);
        cpuMsPerCall = (cpu.user + cpu.system) / 1000 / settings.iterations;
        usage = structuredClone(meter.usage); // a snapshot: the next warm-up adds to the live object
      }
      process.stderr.write(`${s.name} c${c}: p50 ${latency[`c${c}`]!.p50} ms, ${latency[`c${c}`]!.throughput}/s\n`);
    }
    const events = await s.prepare(settings.billingCalls);
    meter.reset();
    meter.billing = true;
    const outsideBefore = s.billedOutside?.();
    for (const e of events) await s.run(e);
    meter.billing = false;
    const outsidePerCall = outsideBefore && perCallSince(outsideBefore, s.billedOutside!(), events.length);
    const billed = structuredClone(meter.usage.billed);
    const invocationsPerCall = events.reduce<number>((sum, e) => sum + (s.invocationsOf?.(e) ?? 1), 0) / events.length;
    if (billed.overlapped > 0)
      throw new Error(`${s.name}: ${billed.overlapped} billed calls overlapped another: their images are not theirs alone`);
    results.push({
      name: s.name,
      operation: s.operation,
      usage: usage!,
      latency,
      cpuMsPerCall,
      billingCalls: events.length,
      invocationsPerCall,
      ...(outsidePerCall ? { outsidePerCall } : {}),
      billed,
    });
  }
  return results;
}

function writeReport(report: Report): void {
  const file = only ? `${only}.json` : quick ? 'quick.json' : 'latest.json';
  mkdirSync(path.join(repoRoot, '.bench'), { recursive: true });
  writeFileSync(path.join(repoRoot, '.bench', file), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(render(report));
  process.stdout.write(`\nwritten: .bench/${file}\n`);
}

/** Packaged bundles: size, import and cold start on the Node the functions deploy to. */
async function measurePackaged(local: LocalRuntime, packageDir: string, workDir: string) {
  const lambdaNode = await ensureLambdaNode();
  const localRequests = coldRequestsOf(local.config);
  const aws = await startAwsPath(local);
  const awsRequests = coldRequestsOf(aws.config);
  try {
    const importFloors = await measureImportFloors(packageDir, workDir, settings.coldStartRuns, lambdaNode);
    const bundles = await measureBundles(packageDir, settings.coldStartRuns, {
      node: lambdaNode,
      paths: {
        local: { request: (operation) => localRequests[operation](), env: (operation) => coldEnvironment(local, operation) },
        aws: { request: (operation) => awsRequests[operation](), env: (operation) => aws.env(operation) },
      },
    });
    return { lambdaNode: lambdaNode.version, bundles, importFloors };
  } finally {
    await aws.close();
  }
}

/** The cost per million, part by part, from the scenarios' measurements and the packaged deployment. */
async function costOf(local: LocalRuntime, measured: ScenarioMeasurement[], deployment: Deployment, workDir: string): Promise<CostReport> {
  const logs = await measureFunctionLogs(local.config.dynamodbEndpoint!, deployment, settings.logCalls, workDir);
  const bills: ScenarioBill[] = measured.map((m) => {
    const log = logs.find((l) => l.scenario === m.name);
    if (!log) throw new Error(`no log measurement of ${m.name}`);
    return {
      name: m.name,
      operation: m.operation,
      calls: m.billingCalls,
      billed: m.billed,
      requestsPerCall: Object.fromEntries(Object.entries(m.usage.byOperation).map(([k, v]) => [k, v / settings.iterations])),
      cpuMsPerCall: m.cpuMsPerCall,
      invocationsPerCall: m.invocationsPerCall,
      ...(m.outsidePerCall ? { outsidePerCall: m.outsidePerCall } : {}),
      log,
    };
  });
  const edge = packagedEdge(deployment);
  const scenarios = bills.map((b) => scenarioCost(b, deployment, edge));
  const alternative = comparedEdge(edge);
  return {
    edge,
    scenarios,
    products: productCosts(scenarios),
    compared: { edge: alternative, products: productCosts(bills.map((b) => scenarioCost(b, deployment, alternative))) },
    lambdaSensitivity: lambdaSensitivity(bills, deployment),
    cuts: cutList(bills, deployment, edge),
    bills: bills.map((b) => ({
      name: b.name,
      cpuMsPerCall: round(b.cpuMsPerCall, 3),
      requestsPerCall: b.requestsPerCall,
      logSample: b.log.sample,
    })),
    itemSizes: itemSizes(measured.map((m) => ({ scenario: m.name, calls: m.billingCalls, billed: m.billed }))),
    deployment: {
      api: deployment.api.kind,
      accessLogFormat: deployment.api.accessLogFormat !== undefined,
      waf: deployment.waf?.rules,
      pointInTimeRecovery: deployment.table.pointInTimeRecovery,
      auditRetentionDays: deployment.auditRetentionDays,
      localAuditRetentionDays: local.config.auditRetentionDays,
      functions: Object.fromEntries(
        Object.entries(deployment.functions).map(([k, f]) => [
          k,
          { memoryMb: f.memoryMb, architecture: f.architecture, logLevel: f.logLevel },
        ]),
      ),
    },
    assumptions: { lambda: LAMBDA_IN_AWS, monthlyApiRequests: MONTHLY_API_REQUESTS },
  };
}

/**
 * The mixed load, on a DynamoDB Local of its own: the emulator that served the operations holds their items
 * and stream records in its heap, and answers a burst of 64 callers seconds late. A failure to run or check
 * it is a failed invariant, so the rest of the report is still written.
 */
async function mixedLoad(workDir: string): Promise<MixedLoadResult> {
  const dynamo = await startDynamoDbLocal();
  try {
    return await runMixedLoad(dynamo.endpoint, workDir, settings.mixed);
  } catch (err) {
    process.stderr.write(`mixed load: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return failedMixedLoad(settings.mixed, err);
  } finally {
    await dynamo.stop();
  }
}

// Everything the run writes (outbox, package, unzipped bundles, esbuild's temp folders) goes in its work folder.
runBench('bench', async (local, workDir) => {
  const load = { start: loadavg().map((x) => round(x, 2)), end: [] as number[] };
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version };
  let mixed: MixedLoadResult | undefined;
  if (only === 'mixed') {
    mixed = await mixedLoad(workDir);
    load.end = loadavg().map((x) => round(x, 2));
    writeReport({
      date: new Date().toISOString(),
      machine: { ...machine, lambdaNode: 'not measured' },
      load,
      settings,
      prices: { readOn: PRICES_READ_ON, ...PRICES },
      operations: [],
      bundles: [],
      importFloors: [],
      mixed,
      targets: { met: true, misses: [], notMeasured: ['operations (BENCH_ONLY=mixed)'] },
    });
    if (mixed.invariants.some((i) => !i.ok)) process.exitCode = 1;
    return;
  }
  // The deployment as `osls deploy` would send it: what the cost reads about memory, logs, the API and WAF.
  const packageDir = packageService(workDir);
  const deployment = readDeployment(packageDir);
  // Attached before the floors, so they and the operations alike ask for ReturnConsumedCapacity.
  const meter = attachMeter(local.rt.db, { billing: { endpoint: local.config.dynamodbEndpoint!, region: local.config.region } });
  const floor = await measureFloors(local.rt.db, local.config.tableName, settings);
  const measured = await measureScenarios(local, meter);
  const cost = await costOf(local, measured, deployment, workDir);
  const operations = measured.map((m) =>
    operationResult(
      m,
      floor,
      settings.iterations,
      cost.scenarios.find((c) => c.name === m.name)!,
    ),
  );
  if (!only) mixed = await mixedLoad(workDir);
  // Imports and cold starts run on the Node the functions deploy to, not on the one running the bench.
  const packaged = only
    ? { lambdaNode: 'not measured (BENCH_ONLY=operations)', bundles: [], importFloors: [] }
    : await measurePackaged(local, packageDir, workDir);
  load.end = loadavg().map((x) => round(x, 2));
  writeReport({
    date: new Date().toISOString(),
    machine: { ...machine, lambdaNode: packaged.lambdaNode },
    load,
    settings,
    prices: { readOn: PRICES_READ_ON, ...PRICES },
    floor,
    operations,
    cost,
    ...(mixed ? { mixed } : {}),
    bundles: packaged.bundles,
    importFloors: packaged.importFloors,
    targets: targetsOf(operations, packaged.bundles),
  });
  if (mixed?.invariants.some((i) => !i.ok)) process.exitCode = 1;
});
