// npm run bench — latency, DynamoDB requests and capacity, cost per million, bundle size and cold start of
// every operation, measured against DynamoDB Local started here. Prints a table and writes the same figures
// to .bench/latest.json (git-ignored). Iterations: BENCH_ITERATIONS (default 1000), warm-up BENCH_WARMUP (200).
import './quiet.js';

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createCheckIdentityHandler } from '../functions/check-identity.js';
import { createRegisterCustomerHandler } from '../functions/register-customer.js';
import { createSendVerificationCodeHandler } from '../functions/send-verification-code.js';
import { createVerifyVerificationCodeHandler } from '../functions/verify-verification-code.js';
import { checkJava, createTable, ensureDynamoDbLocalJar, freePort, repoRoot, startDynamoDbLocal } from '../scripts/dynamodb-local.js';
import { mintAppToken, mintCaptchaToken, mintPartnerToken } from '../scripts/tokens.js';
import { loadConfig } from '../shared/config.js';
import type { CodeMessage, Notifier } from '../shared/notify/notifier.js';
import { createRuntime } from '../shared/runtime.js';
import { attachMeter, type Usage } from '../test/support/dynamodb-meter.js';
import { PRICES, PRICES_READ_ON } from './prices.js';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 1000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 200);
const CONCURRENCIES = [1, 16];
const COLD_START_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 15);
const LAMBDA_MEMORY_MB = 512; // serverless.yml provider.memorySize
const TARGET_RATIO = 1.3;
const TARGET_BUNDLE_KIB = 450;
const TARGET_IMPORT_RATIO = 1.6;

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

interface Stats {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  throughput: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

function stats(latencies: number[], wallMs: number): Stats {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    p50: round(percentile(sorted, 50), 3),
    p95: round(percentile(sorted, 95), 3),
    p99: round(percentile(sorted, 99), 3),
    mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length, 3),
    throughput: round((latencies.length / wallMs) * 1000, 1),
  };
}

/** Runs `run` over `inputs` with `concurrency` workers; returns each call's latency (ms) and the wall time. */
async function drive<T>(
  inputs: T[],
  concurrency: number,
  run: (input: T) => Promise<void>,
): Promise<{ latencies: number[]; wallMs: number }> {
  const latencies: number[] = new Array(inputs.length);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < inputs.length; i = next++) {
        const t0 = performance.now();
        await run(inputs[i]!);
        latencies[i] = performance.now() - t0;
      }
    }),
  );
  return { latencies, wallMs: performance.now() - started };
}

function httpEvent(route: string, body: unknown, headers: Record<string, string>, sourceIp: string) {
  return {
    version: '2.0',
    rawPath: route,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: { http: { method: 'POST', path: route, sourceIp } },
  };
}

const ipOf = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

async function main() {
  await checkJava();
  await ensureDynamoDbLocalJar();
  const dynamo = await startDynamoDbLocal({ port: await freePort() });
  try {
    const tableName = 'verigate-bench';
    await createTable({ endpoint: dynamo.endpoint, tableName });
    const config = loadConfig({
      STAGE: 'local',
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      TABLE_NAME: tableName,
      OUTBOX_PATH: path.join(mkdtempSync(path.join(tmpdir(), 'verigate-bench-')), 'outbox.jsonl'),
      // One partner and one country at full speed: the limits are still counted (their writes are
      // measured), only set above what the run sends.
      PARTNER_REQUESTS_PER_SECOND: '100000',
      SMS_HOURLY_BUDGET_PER_COUNTRY: '10000000',
    });
    const rt = createRuntime(config);
    const meter = attachMeter(rt.db);
    const codes = new Map<string, string>();
    const capture: Notifier = { deliver: async (m: CodeMessage) => void codes.set(m.to, m.code) };

    const check = createCheckIdentityHandler(rt) as Handler;
    const send = createSendVerificationCodeHandler(rt, capture) as Handler;
    const verify = createVerifyVerificationCodeHandler(rt) as Handler;
    const register = createRegisterCustomerHandler(rt) as Handler;
    const partnerToken = await mintPartnerToken(config);
    const appToken = await mintAppToken(config);

    let serial = 0; // unique identities across every batch of the run
    const mobile = () => `+86139${String(++serial).padStart(8, '0')}`;
    const expectStatus = (want: number) => async (h: Handler, event: unknown) => {
      const res = (await h(event, {})) as { statusCode?: number };
      if (res.statusCode !== want) throw new Error(`expected ${want}, got ${res.statusCode}: ${JSON.stringify(res)}`);
    };

    /** Destinations with a pending code (sent by trusted direct invocation, outside the measurement). */
    async function pendingCodes(n: number): Promise<Array<{ to: string; code: string }>> {
      const out: Array<{ to: string; code: string }> = [];
      for (let i = 0; i < n; i++) {
        const to = mobile();
        await send({ user: to }, {});
        out.push({ to, code: codes.get(to)! });
      }
      return out;
    }

    /** Verify requests for n fresh destinations, each submitting `submit(its code)`. */
    async function verifyEvents(n: number, submit: (code: string) => string): Promise<unknown[]> {
      return (await pendingCodes(n)).map(({ to, code }, i) =>
        httpEvent(
          '/v1/usg/dcs/member/verification-code/verify',
          { contact: to, verificationCode: submit(code) },
          { 'x-access-token': appToken },
          ipOf(i),
        ),
      );
    }

    interface Scenario {
      name: string;
      prepare(n: number): Promise<unknown[]>;
      run(event: unknown): Promise<void>;
    }
    const scenarios: Scenario[] = [
      {
        name: 'check-identity',
        prepare: async (n) =>
          Array.from({ length: n }, (_, i) =>
            httpEvent(
              '/v2/partners/sub-customers/users/check-identity',
              { search_type: 'name', search_value: `benchname${++serial}` },
              { 'x-auth-token': partnerToken },
              ipOf(i),
            ),
          ),
        run: (e) => expectStatus(200)(check, e),
      },
      {
        name: 'send',
        prepare: async (n) =>
          Promise.all(
            Array.from({ length: n }, async () => {
              const user = mobile();
              const ip = ipOf(serial); // one source IP per send: the per-IP limit is not what this measures
              return httpEvent('/v1/usg/acs/verifycode/send', { user, token: await mintCaptchaToken(config, user) }, {}, ip);
            }),
          ),
        run: (e) => expectStatus(200)(send, e),
      },
      {
        name: 'verify-wrong',
        prepare: (n) => verifyEvents(n, (code) => (code === '000000' ? '000001' : '000000')),
        run: (e) => expectStatus(400)(verify, e),
      },
      {
        name: 'verify-right',
        prepare: (n) => verifyEvents(n, (code) => code),
        run: (e) => expectStatus(200)(verify, e),
      },
      {
        name: 'registerCustomer',
        prepare: async (n) =>
          Array.from({ length: n }, () => {
            const id = ++serial;
            return { customerId: `bench-${id}`, name: `benchcustomer${id}`, email: `bench${id}@example.com`, mobile: mobile() };
          }),
        run: async (e) => {
          const r = (await register(e, {})) as { status?: string };
          if (r.status !== 'registered') throw new Error(`expected registered, got ${JSON.stringify(r)}`);
        },
      },
    ];

    // The floor: bare round trips of the two request shapes the operations are made of.
    await rt.db.doc.send(new PutCommand({ TableName: tableName, Item: { pk: 'FLOOR', sk: 'FLOOR', n: 0 } }));
    // The conditional update every write floor is made of.
    const floorUpdate = {
      TableName: tableName,
      Key: { pk: 'FLOOR', sk: 'FLOOR' },
      UpdateExpression: 'ADD n :one',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':one': 1 },
    };
    const floorOps = {
      getItem: () => rt.db.doc.send(new GetCommand({ TableName: tableName, Key: { pk: 'FLOOR', sk: 'FLOOR' } })).then(() => undefined),
      conditionalUpdate: () => rt.db.doc.send(new UpdateCommand(floorUpdate)).then(() => undefined),
      // Send's request shape (3 conditional puts and 1 conditional update, one transaction), bare: what a
      // transaction of four items costs on this engine, to read send's ratio against.
      transaction4: (i: number) =>
        rt.db.doc
          .send(
            new TransactWriteCommand({
              TransactItems: [
                ...['A', 'B', 'C'].map((x) => ({
                  Put: { TableName: tableName, Item: { pk: `FLOOR#${x}#${i}`, sk: 'T' }, ConditionExpression: 'attribute_not_exists(pk)' },
                })),
                { Update: floorUpdate },
              ],
            }),
          )
          .then(() => undefined),
    };
    const floor: Record<string, Stats> = {};
    for (const [name, op] of Object.entries(floorOps) as Array<[string, (i: number) => Promise<void>]>) {
      const inputs = Array.from({ length: WARMUP + ITERATIONS }, (_, i) => i);
      await drive(inputs.slice(0, WARMUP), 1, op);
      const { latencies, wallMs } = await drive(inputs.slice(WARMUP), 1, op);
      floor[name] = stats(latencies, wallMs);
      process.stderr.write(`floor ${name}: p50 ${floor[name]!.p50} ms\n`);
    }

    const results: Array<{ name: string; usage: Usage; perOp: Record<string, number>; latency: Record<string, Stats> }> = [];
    for (const s of scenarios) {
      const latency: Record<string, Stats> = {};
      let usage: Usage | undefined;
      for (const c of CONCURRENCIES) {
        const events = await s.prepare(WARMUP + ITERATIONS);
        await drive(events.slice(0, WARMUP), c, s.run);
        meter.reset();
        const { latencies, wallMs } = await drive(events.slice(WARMUP), c, s.run);
        latency[`c${c}`] = stats(latencies, wallMs);
        if (c === 1) usage = structuredClone(meter.usage); // a snapshot: the next warm-up adds to the live object
        process.stderr.write(`${s.name} c${c}: p50 ${latency[`c${c}`]!.p50} ms, ${latency[`c${c}`]!.throughput}/s\n`);
      }
      const u = usage!;
      const perOp = Object.fromEntries(Object.entries(u.byOperation).map(([k, v]) => [k, round(v / ITERATIONS, 2)]));
      results.push({ name: s.name, usage: u, perOp, latency });
    }

    const operations = results.map((r) => {
      const requests = r.usage.requests / ITERATIONS;
      const reads = Object.entries(r.perOp)
        .filter(([k]) => k === 'GetItem' || k === 'Query')
        .reduce((a, [, v]) => a + v, 0);
      const writes = requests - reads;
      // Each request priced at the floor of its shape: reads at GetItem's p50, writes at the conditional UpdateItem's.
      const floorMs = reads * floor.getItem!.p50 + writes * floor.conditionalUpdate!.p50;
      const rru = r.usage.readUnits / ITERATIONS;
      const wru = (r.usage.writeUnits + r.usage.estimatedWriteUnits) / ITERATIONS;
      const billedMs = Math.ceil(r.latency.c1!.mean);
      const lambda = (LAMBDA_MEMORY_MB / 1024) * (billedMs / 1000) * PRICES.lambdaArmPerGbSecond + PRICES.lambdaPerRequest;
      const api = r.name === 'registerCustomer' ? 0 : PRICES.httpApiPerRequest;
      const dynamo = rru * PRICES.dynamoPerReadUnit + wru * PRICES.dynamoPerWriteUnit;
      return {
        name: r.name,
        requests: round(requests, 2),
        requestsByOperation: r.perOp,
        readUnits: round(rru, 2),
        writeUnits: round(wru, 2),
        estimatedWriteUnits: round(r.usage.estimatedWriteUnits / ITERATIONS, 2),
        latency: r.latency,
        floorMs: round(floorMs, 3),
        ratioToFloor: round(r.latency.c1!.p50 / floorMs, 2),
        ...(r.name === 'send' ? { ratioToBareTransaction: round(r.latency.c1!.p50 / floor.transaction4!.p50, 2) } : {}),
        costPerMillionUsd: {
          lambda: round(lambda * 1e6, 3),
          apiGateway: round(api * 1e6, 3),
          dynamodb: round(dynamo * 1e6, 3),
          total: round((lambda + api + dynamo) * 1e6, 3),
        },
      };
    });

    const bundles = measureBundles();
    const report = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
      settings: {
        iterations: ITERATIONS,
        warmup: WARMUP,
        concurrencies: CONCURRENCIES,
        lambdaMemoryMb: LAMBDA_MEMORY_MB,
        coldStartRuns: COLD_START_RUNS,
      },
      prices: { readOn: PRICES_READ_ON, ...PRICES },
      floor,
      operations,
      bundles,
      targets: targetsOf(operations, bundles),
    };
    mkdirSync(path.join(repoRoot, '.bench'), { recursive: true });
    writeFileSync(path.join(repoRoot, '.bench', 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(render(report));
    process.stdout.write(`\nwritten: .bench/latest.json\n`);
  } finally {
    await dynamo.stop();
  }
}

interface BundleResult {
  function: string;
  zipKiB: number;
  bundleKiB: number;
  importMedianMs: number;
  bareNodeMedianMs: number;
  importRatio: number;
}

/** Packages with `osls package`, then times a fresh Node importing each bundle against a bare Node start. */
function measureBundles(): BundleResult[] {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'verigate-bench-pkg-')), 'package');
  const pkg = spawnSync(path.join(repoRoot, 'node_modules', '.bin', 'osls'), ['package', '--stage', 'prod', '--package', out], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, ESBUILD_WORK_FOLDER: path.relative(repoRoot, path.join(path.dirname(out), 'esbuild')) },
  });
  if (pkg.status !== 0) throw new Error(`osls package failed:\n${pkg.stdout}\n${pkg.stderr}`);
  const env = {
    PATH: process.env.PATH ?? '',
    STAGE: 'local',
    AWS_REGION: 'us-east-1',
    LOG_LEVEL: 'SILENT',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const timeNode = (code: string) => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`node failed: ${r.stderr}`);
    return performance.now() - t0;
  };
  const results: BundleResult[] = [];
  for (const zip of readdirSync(out).filter((f) => f.endsWith('.zip') && f !== 'verigate.zip')) {
    const dir = path.join(out, zip.replace(/\.zip$/, ''));
    mkdirSync(dir, { recursive: true });
    const unzip = spawnSync('unzip', ['-q', '-o', path.join(out, zip), '-d', dir]);
    if (unzip.status !== 0) throw new Error(`unzip failed for ${zip}`);
    const file = findMjs(dir);
    const url = pathToFileURL(file).href;
    const imports: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < COLD_START_RUNS; i++) {
      // Interleaved, so drift on a shared machine hits both sides alike.
      bare.push(timeNode('0'));
      imports.push(timeNode(`await import(${JSON.stringify(url)})`));
    }
    const importMedianMs = median(imports);
    const bareNodeMedianMs = median(bare);
    results.push({
      function: zip.replace(/\.zip$/, ''),
      zipKiB: round(statSync(path.join(out, zip)).size / 1024, 1),
      bundleKiB: round(statSync(file).size / 1024, 1),
      importMedianMs: round(importMedianMs, 1),
      bareNodeMedianMs: round(bareNodeMedianMs, 1),
      importRatio: round(importMedianMs / bareNodeMedianMs, 2),
    });
    process.stderr.write(`bundle ${zip}: ${results.at(-1)!.bundleKiB} KiB, import ×${results.at(-1)!.importRatio}\n`);
  }
  return results;
}

function findMjs(dir: string): string {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = findMjs(p);
      if (found) return found;
    } else if (entry.name.endsWith('.mjs')) return p;
  }
  return '';
}

function targetsOf(operations: Array<{ name: string; requests: number; ratioToFloor: number }>, bundles: BundleResult[]) {
  const maxRequests: Record<string, number> = { 'check-identity': 2, send: 3, 'verify-wrong': 2, 'verify-right': 2 };
  const misses: string[] = [];
  for (const o of operations) {
    if (o.ratioToFloor > TARGET_RATIO) misses.push(`${o.name}: p50 is ${o.ratioToFloor}× its floor (target ${TARGET_RATIO}×)`);
    const max = maxRequests[o.name];
    if (max !== undefined && o.requests > max) misses.push(`${o.name}: ${o.requests} requests (target ${max})`);
  }
  for (const b of bundles) {
    if (b.bundleKiB > TARGET_BUNDLE_KIB) misses.push(`${b.function}: bundle ${b.bundleKiB} KiB (target ${TARGET_BUNDLE_KIB})`);
    if (b.importRatio > TARGET_IMPORT_RATIO)
      misses.push(`${b.function}: import ×${b.importRatio} of bare Node (target ${TARGET_IMPORT_RATIO}×)`);
  }
  return { met: misses.length === 0, misses };
}

function render(r: {
  date: string;
  machine: { cpus: number; node: string };
  floor: Record<string, Stats>;
  operations: Array<{
    name: string;
    requests: number;
    readUnits: number;
    writeUnits: number;
    latency: Record<string, Stats>;
    ratioToFloor: number;
    ratioToBareTransaction?: number;
    costPerMillionUsd: { total: number; dynamodb: number; lambda: number; apiGateway: number };
    requestsByOperation: Record<string, number>;
  }>;
  bundles: BundleResult[];
  targets: { met: boolean; misses: string[] };
}): string {
  const lines: string[] = [];
  lines.push(
    `verigate bench ${r.date} (${r.machine.cpus} cores, Node ${r.machine.node}, DynamoDB Local, ${ITERATIONS} iterations after ${WARMUP} warm-up)`,
  );
  lines.push(
    `floor: GetItem p50 ${r.floor.getItem!.p50} ms, conditional UpdateItem p50 ${r.floor.conditionalUpdate!.p50} ms, ` +
      `4-item conditional TransactWriteItems p50 ${r.floor.transaction4!.p50} ms`,
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
    lines.push(`send p50 ÷ a bare 4-item transaction of its shape: ${send.ratioToBareTransaction}×`);
  }
  lines.push('');
  lines.push('| function | zip KiB | bundle KiB | import median ms | bare Node ms | import ÷ bare |');
  lines.push('| --- | --- | --- | --- | --- | --- |');
  for (const b of r.bundles)
    lines.push(`| ${b.function} | ${b.zipKiB} | ${b.bundleKiB} | ${b.importMedianMs} | ${b.bareNodeMedianMs} | ${b.importRatio}× |`);
  lines.push('');
  lines.push(r.targets.met ? 'targets: all met' : `targets missed:\n${r.targets.misses.map((m) => `- ${m}`).join('\n')}`);
  return `${lines.join('\n')}\n`;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
