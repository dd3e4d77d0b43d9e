// The Node.js the functions deploy to, for running the packaged bundles as Lambda would (artifact tests,
// cold-start measurements): the official build of the Lambda runtime's major from the npm registry
// (`node-linux-<arch>`, the binaries the `node` package installs), cached in .cache/ like DynamoDB Local.
import { execFile } from 'node:child_process';
import { access, constants, mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from './paths.js';

export interface NodeBinary {
  /** Absolute path of the `node` executable. */
  path: string;
  /** What it reports, e.g. "v24.21.0". */
  version: string;
  major: number;
}

function run(command: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** The Node major of serverless.yml's `provider.runtime` (`nodejs24.x` → 24): the one the tests must run. */
export async function lambdaNodeMajor(serverlessYml = path.join(repoRoot, 'serverless.yml')): Promise<number> {
  const text = await readFile(serverlessYml, 'utf8');
  // The provider block's own `runtime:` (two-space indent); functions do not override it.
  const match = /^provider:\n(?:(?: {2,}.*)?\n)*? {2}runtime: nodejs(\d+)\.x\s*$/m.exec(text);
  if (!match?.[1]) throw new Error(`no provider.runtime: nodejsNN.x in ${serverlessYml}`);
  return Number(match[1]);
}

/** The npm package carrying this machine's official Node builds. */
function nodePackageName(): string {
  if (process.platform !== 'linux' || (process.arch !== 'x64' && process.arch !== 'arm64')) {
    throw new Error(`official Node builds are fetched for linux x64/arm64 only (this is ${process.platform} ${process.arch})`);
  }
  return `node-linux-${process.arch}`;
}

/** Runs `<binary> --version`; undefined when it is missing or does not run. */
async function versionOf(binary: string): Promise<string | undefined> {
  try {
    await access(binary, constants.X_OK);
    return (await run(binary, ['--version'], path.dirname(binary))).trim();
  } catch {
    return undefined;
  }
}

const majorOf = (version: string | undefined): number | undefined => {
  const m = /^v(\d+)\./.exec(version ?? '');
  return m?.[1] ? Number(m[1]) : undefined;
};

/**
 * Returns the official Node build of `major`, fetching the newest release of that major from the npm
 * registry into `.cache/node-linux-<arch>-<major>/bin/node` on first use (Lambda, too, moves each
 * runtime to the newest minor of its major). Only the binary is kept: headers and docs are ~60 MB more.
 */
export async function ensureNodeBinary(major: number, cacheDir?: string): Promise<NodeBinary> {
  const pkg = nodePackageName();
  const dir = cacheDir ?? path.join(repoRoot, '.cache', `${pkg}-${major}`);
  const binary = path.join(dir, 'bin', 'node');
  const cached = await versionOf(binary);
  if (majorOf(cached) === major) return { path: binary, version: cached!, major };

  const parent = path.dirname(dir);
  await mkdir(parent, { recursive: true });
  const prefix = `${path.basename(dir)}.tmp-`;
  // Work dirs left by killed downloads, old enough not to belong to a download in progress.
  for (const name of await readdir(parent)) {
    if (!name.startsWith(prefix)) continue;
    const stale = path.join(parent, name);
    if (Date.now() - (await stat(stale).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs > 60 * 60 * 1000) {
      await rm(stale, { recursive: true, force: true });
    }
  }
  console.log(`Downloading Node ${major} (npm pack ${pkg}@${major}) into ${path.relative(repoRoot, dir)} ...`);
  // Extract beside the cache and rename at the end: an interrupted run never leaves a half-written binary.
  const work = await mkdtemp(path.join(parent, prefix));
  try {
    const packed = JSON.parse(await run('npm', ['pack', `${pkg}@${major}`, '--json', '--pack-destination', work], work)) as Array<{
      filename?: string;
    }>;
    const tarball = packed[0]?.filename;
    if (!tarball) throw new Error(`npm pack ${pkg}@${major} printed no filename`);
    await run('tar', ['-xzf', path.join(work, path.basename(tarball)), '-C', work, 'package/bin/node'], work);
    const extracted = path.join(work, 'package');
    const version = await versionOf(path.join(extracted, 'bin', 'node'));
    if (majorOf(version) !== major) throw new Error(`${pkg}@${major} runs as ${version ?? 'nothing'}, not Node ${major}`);
    // A leftover dir whose binary does not run (an older or broken fetch) would block the rename.
    if (majorOf(await versionOf(binary)) !== major) await rm(dir, { recursive: true, force: true });
    try {
      await rename(extracted, dir);
    } catch (error) {
      // A concurrent fetch (another suite, the bench) won the race: use its copy.
      if (majorOf(await versionOf(binary)) !== major) throw error;
    }
    const installed = await versionOf(binary);
    return { path: binary, version: installed!, major };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The Node binary of the Lambda runtime serverless.yml deploys to. */
export async function ensureLambdaNode(): Promise<NodeBinary> {
  return ensureNodeBinary(await lambdaNodeMajor());
}
