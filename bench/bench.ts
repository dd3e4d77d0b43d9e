// npm run bench — latency, DynamoDB requests and capacity, cost per million, bundle size and cold start of
// every operation, measured against DynamoDB Local started here; imports and cold starts on the Node
// the functions deploy to. Prints a table and writes the same figures
// to .bench/latest.json (git-ignored). Iterations: BENCH_ITERATIONS (default 1000), warm-up BENCH_WARMUP (200),
// cold-start runs per bundle: BENCH_COLD_RUNS (15).
// BENCH_ONLY=operations measures the floors and the operations only (no packaging, imports or cold starts;
// the report's bundle table is empty) and writes .bench/operations.json instead, so a full run's figures
// stay; BENCH_SCENARIOS=send,verify-right narrows it to those scenarios. For quick loops while tuning a
// request path, e.g. `BENCH_ONLY=operations BENCH_SCENARIOS=send BENCH_ITERATIONS=300 BENCH_WARMUP=100 npm run bench`.
import './quiet.js';

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { ensureLambdaNode } from '../dev/node-runtime.js';
import { repoRoot } from '../dev/paths.js';
import { attachMeter, type Meter, type Usage } from '../dev/support/meter.js';
import type { LocalRuntime } from '../dev/support/runtime.js';
import { runBench } from './run.js';
import { measureBundles, measureImportFloors, packageService } from './bundles.js';
import { coldEnvironment, coldRequestsOf, startAwsPath } from './cold-start.js';
import { measureFloors } from './floors.js';
import { measure, type Stats } from './measure.js';
import { PRICES, PRICES_READ_ON } from './prices.js';
import { operationResult, render, targetsOf, type Report, type ScenarioMeasurement } from './report.js';
import { scenariosOf } from './scenarios.js';

const settings = {
  iterations: Number(process.env.BENCH_ITERATIONS ?? 1000),
  warmup: Number(process.env.BENCH_WARMUP ?? 200),
  concurrencies: [1, 16],
  lambdaMemoryMb: 512, // serverless.yml provider.memorySize
  coldStartRuns: Number(process.env.BENCH_COLD_RUNS ?? 15),
};
const only = process.env.BENCH_ONLY;
if (only !== undefined && only !== 'operations') throw new Error(`BENCH_ONLY: only "operations" is known, got "${only}"`);
const operationsOnly = only === 'operations';
const scenarioFilter = process.env.BENCH_SCENARIOS?.split(',')
  .map((s) => s.trim())
  .filter(Boolean);

/** Each scenario at each concurrency, on fresh events; DynamoDB usage is read at concurrency 1. */
async function measureScenarios(local: LocalRuntime, meter: Meter): Promise<ScenarioMeasurement[]> {
  const results: ScenarioMeasurement[] = [];
  const all = await scenariosOf(local);
  const unknown = scenarioFilter?.filter((n) => !all.some((s) => s.name === n)) ?? [];
  if (unknown.length > 0)
    throw new Error(`BENCH_SCENARIOS: no scenario ${unknown.join(', ')} (known: ${all.map((s) => s.name).join(', ')})`);
  for (const s of all.filter((x) => !scenarioFilter || scenarioFilter.includes(x.name))) {
    const latency: Record<string, Stats> = {};
    let usage: Usage | undefined;
    for (const c of settings.concurrencies) {
      const events = await s.prepare(settings.warmup + settings.iterations);
      latency[`c${c}`] = await measure(events, settings.warmup, c, s.run, () => meter.reset());
      if (c === 1) usage = structuredClone(meter.usage); // a snapshot: the next warm-up adds to the live object
      process.stderr.write(`${s.name} c${c}: p50 ${latency[`c${c}`]!.p50} ms, ${latency[`c${c}`]!.throughput}/s\n`);
    }
    results.push({ name: s.name, operation: s.operation, usage: usage!, latency });
  }
  return results;
}

function writeReport(report: Report): void {
  const file = operationsOnly ? 'operations.json' : 'latest.json';
  mkdirSync(path.join(repoRoot, '.bench'), { recursive: true });
  writeFileSync(path.join(repoRoot, '.bench', file), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(render(report));
  process.stdout.write(`\nwritten: .bench/${file}\n`);
}

/** Packaged bundles: size, import and cold start on the Node the functions deploy to. */
async function measurePackaged(local: LocalRuntime, workDir: string) {
  const lambdaNode = await ensureLambdaNode();
  const localRequests = coldRequestsOf(local.config);
  const aws = await startAwsPath(local);
  const awsRequests = coldRequestsOf(aws.config);
  try {
    const packageDir = packageService(workDir);
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

// Everything the run writes (outbox, package, unzipped bundles, esbuild's temp folders) goes in its work folder.
runBench('bench', async (local, workDir) => {
  // Attached before the floors, so they and the operations alike ask for ReturnConsumedCapacity.
  const meter = attachMeter(local.rt.db);
  const floor = await measureFloors(local.rt.db, local.config.tableName, settings);
  const operations = (await measureScenarios(local, meter)).map((m) =>
    operationResult(m, floor, settings.iterations, settings.lambdaMemoryMb),
  );
  // Imports and cold starts run on the Node the functions deploy to, not on the one running the bench.
  const packaged = operationsOnly
    ? { lambdaNode: 'not measured (BENCH_ONLY=operations)', bundles: [], importFloors: [] }
    : await measurePackaged(local, workDir);
  writeReport({
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version, lambdaNode: packaged.lambdaNode },
    settings,
    prices: { readOn: PRICES_READ_ON, ...PRICES },
    floor,
    operations,
    bundles: packaged.bundles,
    importFloors: packaged.importFloors,
    targets: targetsOf(operations, packaged.bundles),
  });
});
