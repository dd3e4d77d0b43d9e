// Process control for the dev tooling: free ports, child process groups that stop as one, and waiting
// until a started server answers.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(`Port ${port} is already in use`);
    this.name = 'PortInUseError';
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
  pid: number;
  /** The last lines it printed (stdout and stderr). */
  output: OutputTail;
  /** Resolves with the exit code (or the signal name) once the group leader has exited. */
  exited: Promise<number | string>;
  /** The exit code (or signal name) once the leader has exited, else undefined. */
  exitCode(): number | string | undefined;
  /** SIGTERM to the group, SIGKILL after 5 s, then SIGKILL to any descendant left in it. */
  stop(): Promise<void>;
}

export interface SpawnGroupOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Also copy its output to ours as it comes (default: only keep the tail). */
  echo?: boolean;
  /** How many lines of output to keep for an error message. */
  tailLines?: number;
}

/**
 * Spawns a detached child (its own process group) so it and its descendants can be stopped together,
 * and never by a wrapper's pid. A process-exit hook SIGKILLs the group if the caller never stops it.
 */
export function spawnGroup(command: string, args: string[], options: SpawnGroupOptions): ChildGroup {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = new OutputTail(options.tailLines);
  child.stdout.on('data', (chunk: Buffer) => {
    output.push(chunk);
    if (options.echo) process.stdout.write(chunk);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output.push(chunk);
    if (options.echo) process.stderr.write(chunk);
  });
  let exitCode: number | string | undefined;
  const killOnExit = (): void => signalGroup('SIGKILL');
  const exited = new Promise<number | string>((resolve) => {
    const finish = (result: number | string): void => {
      if (exitCode !== undefined) return;
      exitCode = result;
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
    if (exitCode === undefined) signalGroup('SIGTERM');
    if ((await Promise.race([exited, sleep(5_000, { unref: true }).then(() => 'timeout' as const)])) === 'timeout') {
      signalGroup('SIGKILL');
      await exited;
    }
    // Descendants that outlived the leader (same group) go too.
    signalGroup('SIGKILL');
  };
  return { pid, output, exited, exitCode: () => exitCode, stop };
}

export function sleep(ms: number, o: { unref?: boolean } = {}): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    if (o.unref) timer.unref();
  });
}

/**
 * Polls `probe` until it returns true while `group` runs. When the group exits first or the time
 * runs out, stops the group and throws with the last lines it printed.
 */
export async function waitUntilReady(
  group: ChildGroup,
  what: string,
  probe: () => Promise<boolean>,
  o: { timeoutMs: number; intervalMs: number },
): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  let failure: string;
  for (;;) {
    const code = group.exitCode();
    if (code !== undefined) {
      failure = `${what} exited (${code}) before answering`;
      break;
    }
    if (await probe()) return;
    if (Date.now() > deadline) {
      failure = `${what} did not answer within ${Math.round(o.timeoutMs / 1000)}s`;
      break;
    }
    await sleep(o.intervalMs);
  }
  await group.stop();
  throw new Error(`${failure}\n--- its output ---\n${group.output}`);
}

/** A probe for waitUntilReady: true once `url` gives any HTTP answer. */
export const answersHttp = (url: string) => async (): Promise<boolean> => {
  try {
    await fetch(url, { method: 'GET', signal: AbortSignal.timeout(2_000) });
    return true;
  } catch {
    return false;
  }
};

/** A local server's address and how to stop it. */
export interface LocalServer {
  url: string;
  close(): Promise<void>;
}

/** Starts `server` on 127.0.0.1 (`port` 0: a free one) and returns its URL and a close that drops open connections. */
export async function listenOnLoopback(server: import('node:http').Server, port: number): Promise<LocalServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
