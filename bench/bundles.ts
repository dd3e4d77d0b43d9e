// Bundle size and cold import: packages the service as it deploys (`osls package`), then times a fresh
// Node importing each function's bundle against a bare Node start.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { oslsBin, repoRoot } from '../dev/paths.js';
import { median, round } from './measure.js';

export interface BundleResult {
  function: string;
  zipKiB: number;
  bundleKiB: number;
  importMedianMs: number;
  bareNodeMedianMs: number;
  importRatio: number;
}

/** Packages into `workDir` (the caller removes it) and measures every function's bundle `coldRuns` times. */
export function measureBundles(workDir: string, coldRuns: number): BundleResult[] {
  const out = packageService(workDir);
  const results: BundleResult[] = [];
  for (const zip of readdirSync(out).filter((f) => f.endsWith('.zip') && f !== 'verigate.zip')) {
    const name = zip.replace(/\.zip$/, '');
    const file = unpackedBundle(path.join(out, zip), path.join(out, name));
    const url = pathToFileURL(file).href;
    const imports: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < coldRuns; i++) {
      // Interleaved, so drift on a shared machine hits both sides alike.
      bare.push(timeNode('0'));
      imports.push(timeNode(`await import(${JSON.stringify(url)})`));
    }
    const importMedianMs = median(imports);
    const bareNodeMedianMs = median(bare);
    const result: BundleResult = {
      function: name,
      zipKiB: round(statSync(path.join(out, zip)).size / 1024, 1),
      bundleKiB: round(statSync(file).size / 1024, 1),
      importMedianMs: round(importMedianMs, 1),
      bareNodeMedianMs: round(bareNodeMedianMs, 1),
      importRatio: round(importMedianMs / bareNodeMedianMs, 2),
    };
    results.push(result);
    process.stderr.write(`bundle ${zip}: ${result.bundleKiB} KiB, import ×${result.importRatio}\n`);
  }
  return results;
}

/** `osls package --stage prod` into workDir/package; returns that folder. */
function packageService(workDir: string): string {
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

/** Unzips a function's package into `dir` and returns its .mjs bundle. */
function unpackedBundle(zip: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const unzip = spawnSync('unzip', ['-q', '-o', zip, '-d', dir]);
  if (unzip.status !== 0) throw new Error(`unzip failed for ${zip}`);
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

function timeNode(code: string): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { env: COLD_ENV, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`node failed: ${r.stderr}`);
  return performance.now() - t0;
}
