// Bundle size, import and cold start: packages the service as it deploys (`osls package`), then, on the
// Node the functions deploy to (serverless.yml provider.runtime, dev/node-runtime.ts), times a fresh Node
// importing each function's bundle, and a fresh process serving its first request, against a bare start.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import type { NodeBinary } from '../dev/node-runtime.js';
import { oslsBin, repoRoot } from '../dev/paths.js';
import { extractZip } from '../dev/support/zip.js';
import { OPERATIONS, type OperationName } from '../shared/operations.js';
import { bareStart, coldStartOnce, type ColdRequest, type ColdStartRun } from './cold-start.js';
import { median, round } from './measure.js';

export interface BundleResult {
  function: string;
  zipKiB: number;
  bundleKiB: number;
  importMedianMs: number;
  bareNodeMedianMs: number;
  importRatio: number;
  /**
   * A fresh process: Node's start, the import and the first request (medians); `local` in the local stage
   * (secrets from the environment), `aws` as in AWS (secrets read from SSM Parameter Store at import).
   */
  coldStart: Record<ColdPath, ColdStartResult>;
}

export interface ColdStartResult {
  processMedianMs: number;
  importMedianMs: number;
  firstRequestMedianMs: number;
  ratioToBare: number;
}

export type ColdPath = 'local' | 'aws';

/** What any function's import is bound to cost, timed like the bundles (interleaved with a bare start). */
export interface ImportFloor {
  name: string;
  bundleKiB: number | undefined;
  importMedianMs: number;
  bareNodeMedianMs: number;
  importRatio: number;
}

export interface ColdStartSetup {
  node: NodeBinary;
  paths: Record<
    ColdPath,
    {
      /** A fresh first request for the function (new identities each call). */
      request: (operation: OperationName) => Promise<ColdRequest>;
      env: (operation: OperationName) => Record<string, string>;
    }
  >;
}

/** Measures every function's bundle of the package in `out` (packageService) `coldRuns` times. */
export async function measureBundles(out: string, coldRuns: number, cold: ColdStartSetup): Promise<BundleResult[]> {
  const results: BundleResult[] = [];
  for (const zip of readdirSync(out).filter((f) => f.endsWith('.zip') && f !== 'verigate.zip')) {
    const name = zip.replace(/\.zip$/, '') as OperationName;
    if (!(name in OPERATIONS)) throw new Error(`${zip}: no operation of that name`);
    const taskRoot = path.join(out, name);
    const file = await unpackedBundle(path.join(out, zip), taskRoot);
    const url = pathToFileURL(file).href;
    const imports: number[] = [];
    const bare: number[] = [];
    const runs: Record<ColdPath, ColdStartRun[]> = { local: [], aws: [] };
    for (let i = 0; i < coldRuns; i++) {
      // Interleaved, so drift on a shared machine hits every figure alike.
      bare.push(bareStart(cold.node.path));
      imports.push(timeImport(cold.node.path, url));
      for (const p of ['local', 'aws'] as const) {
        const { request, env } = cold.paths[p];
        runs[p].push(await coldStartOnce(cold.node.path, taskRoot, name, await request(name), env(name)));
      }
    }
    const importMedianMs = median(imports);
    const bareNodeMedianMs = median(bare);
    const summary = (rs: ColdStartRun[]): ColdStartResult => {
      const processMedianMs = median(rs.map((r) => r.processMs));
      return {
        processMedianMs: round(processMedianMs, 1),
        importMedianMs: round(median(rs.map((r) => r.importMs)), 1),
        firstRequestMedianMs: round(median(rs.map((r) => r.firstRequestMs)), 1),
        ratioToBare: round(processMedianMs / bareNodeMedianMs, 2),
      };
    };
    const result: BundleResult = {
      function: name,
      zipKiB: round(statSync(path.join(out, zip)).size / 1024, 1),
      bundleKiB: round(statSync(file).size / 1024, 1),
      importMedianMs: round(importMedianMs, 1),
      bareNodeMedianMs: round(bareNodeMedianMs, 1),
      importRatio: round(importMedianMs / bareNodeMedianMs, 2),
      coldStart: { local: summary(runs.local), aws: summary(runs.aws) },
    };
    results.push(result);
    process.stderr.write(
      `bundle ${zip}: ${result.bundleKiB} KiB, import ×${result.importRatio}, cold start ${result.coldStart.local.processMedianMs} ms ` +
        `(×${result.coldStart.local.ratioToBare}), with secrets from SSM ${result.coldStart.aws.processMedianMs} ms (×${result.coldStart.aws.ratioToBare})\n`,
    );
  }
  return results;
}

/**
 * The floor under every function's import: TLS (`node:https`, which any client of an AWS endpoint loads),
 * and the store's DynamoDB client alone (shared/store/client.ts createDb), bundled as serverless.yml's
 * esbuild block bundles the functions.
 */
export async function measureImportFloors(packageDir: string, workDir: string, runs: number, node: NodeBinary): Promise<ImportFloor[]> {
  const dir = path.join(workDir, 'import-floors');
  mkdirSync(dir, { recursive: true });
  const tls = path.join(dir, 'tls.mjs');
  // Loaded as the bundles load built-ins: through require (infra/esbuild-plugins.cjs).
  writeFileSync(tls, "import { createRequire } from 'node:module';\ncreateRequire(import.meta.url)('node:https');\n");
  const entry = path.join(dir, 'dynamodb-client.ts');
  writeFileSync(
    entry,
    `import { createDb } from ${JSON.stringify(path.join(repoRoot, 'shared', 'store', 'client.ts'))};\n` +
      "export const db = createDb({ region: 'us-east-1', endpoint: undefined, requestTimeoutMs: 1000, connectTimeoutMs: 1000 });\n",
  );
  const client = path.join(dir, 'dynamodb-client.mjs');
  // Into a folder, as serverless-esbuild builds each function (its plugins expect an outdir).
  await build({
    ...packagedEsbuildOptions(packageDir),
    entryPoints: [entry],
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    logLevel: 'error',
  });
  const floors: ImportFloor[] = [];
  for (const [name, file, sized] of [
    ['node:https (TLS) alone', tls, false],
    ["the store's DynamoDB client alone", client, true],
  ] as const) {
    const imports: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < runs; i++) {
      bare.push(bareStart(node.path));
      imports.push(timeImport(node.path, pathToFileURL(file).href));
    }
    const importMedianMs = median(imports);
    const bareNodeMedianMs = median(bare);
    floors.push({
      name,
      bundleKiB: sized ? round(statSync(file).size / 1024, 1) : undefined,
      importMedianMs: round(importMedianMs, 1),
      bareNodeMedianMs: round(bareNodeMedianMs, 1),
      importRatio: round(importMedianMs / bareNodeMedianMs, 2),
    });
  }
  return floors;
}

/**
 * The esbuild options the package was built with: serverless.yml's custom.esbuild as `osls package`
 * resolved it (serverless-state.json), less serverless-esbuild's own keys, with its plugins.
 */
function packagedEsbuildOptions(packageDir: string): BuildOptions {
  const { service } = JSON.parse(readFileSync(path.join(packageDir, 'serverless-state.json'), 'utf8')) as {
    service: { functions: Record<string, unknown>; custom: { esbuild: BuildOptions & { alias: Record<string, string>; plugins: string } } };
  };
  const { bundle, minify, format, platform, target, mainFields, alias, banner, plugins } = service.custom.esbuild;
  const pluginsOf = createRequire(import.meta.url)(path.resolve(repoRoot, plugins)) as (serverless: {
    service: typeof service;
  }) => Plugin[];
  return {
    bundle,
    minify,
    format,
    platform,
    target,
    mainFields,
    banner,
    alias: Object.fromEntries(Object.entries(alias).map(([from, to]) => [from, path.resolve(repoRoot, to)])),
    plugins: pluginsOf({ service }),
  };
}

/** `osls package --stage prod` into workDir/package; returns that folder. */
export function packageService(workDir: string): string {
  const out = path.join(workDir, 'package');
  // serverless-esbuild leaves a folder per function under the system temp dir; give it ours.
  const tmp = path.join(workDir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  const pkg = spawnSync(oslsBin, ['package', '--stage', 'prod', '--package', out], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, TMPDIR: tmp, ESBUILD_WORK_FOLDER: path.relative(repoRoot, path.join(workDir, 'esbuild')) },
  });
  if (pkg.status !== 0) throw new Error(`osls package failed:\n${pkg.stdout}\n${pkg.stderr}`);
  return out;
}

/** Unpacks a function's package into `dir` (its task root) and returns its .mjs bundle. */
async function unpackedBundle(zip: string, dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  await extractZip(zip, dir);
  const file = findMjs(dir);
  if (!file) throw new Error(`no .mjs bundle in ${zip}`);
  return file;
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

// None of this process's environment (its loaders and options), logs off: what a fresh Lambda process has.
const COLD_ENV = {
  PATH: process.env.PATH ?? '',
  STAGE: 'local',
  AWS_REGION: 'us-east-1',
  LOG_LEVEL: 'SILENT',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

function timeImport(nodePath: string, url: string): number {
  const t0 = performance.now();
  const r = spawnSync(nodePath, ['--input-type=module', '-e', `await import(${JSON.stringify(url)})`], { env: COLD_ENV, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`node failed: ${r.stderr}`);
  return performance.now() - t0;
}
