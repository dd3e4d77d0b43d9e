// vitest globalSetup for e2e (runs after global-dynamodb): serverless-offline, stage `local`, on free ports.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
// Makes 'vitest' resolvable for the ProvidedContext augmentation below.
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { createTable, freePort, OutputTail, repoRoot, spawnGroup, waitForHttp } from '../../scripts/dynamodb-local.js';

declare module 'vitest' {
  export interface ProvidedContext {
    apiUrl: string;
    lambdaEndpoint: string;
    outboxPath: string;
    tableName: string;
  }
}

// serverless.yml names the table `verigate-${sls:stage}`; this DynamoDB Local is private to the run, so reuse it.
const TABLE_NAME = 'verigate-local';
const START_TIMEOUT_MS = 150_000;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // This project's own instance first (process.env is shared by all projects).
  const dynamodbEndpoint = project.config.env.DYNAMODB_ENDPOINT ?? process.env.DYNAMODB_ENDPOINT;
  if (!dynamodbEndpoint)
    throw new Error('global-offline needs DYNAMODB_ENDPOINT: list test/support/global-dynamodb.ts before it in globalSetup');
  await createTable({ endpoint: dynamodbEndpoint, tableName: TABLE_NAME });

  const [httpPort, lambdaPort] = [await freePort(), await freePort()];
  const outboxDir = await mkdtemp(path.join(tmpdir(), 'verigate-e2e-'));
  const outboxPath = path.join(outboxDir, 'outbox.jsonl');
  const offline = spawnGroup(path.join(repoRoot, 'node_modules', '.bin', 'osls'), ['offline', 'start', '--stage', 'local'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: String(httpPort),
      LAMBDA_PORT: String(lambdaPort),
      DYNAMODB_ENDPOINT: dynamodbEndpoint,
      OUTBOX_PATH: outboxPath,
      // Its own esbuild work folder, so a running `npm start` (which uses .esbuild) is left alone.
      ESBUILD_WORK_FOLDER: path.relative(repoRoot, path.join(outboxDir, 'esbuild')),
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'WARN',
      ESBUILD_WATCH: '.no-watch/**',
    },
  });
  const output = new OutputTail(200);
  offline.child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
  offline.child.stderr?.on('data', (chunk: Buffer) => output.push(chunk));
  let exitCode: number | string | undefined;
  void offline.exited.then((code) => (exitCode = code));
  const teardown = async (): Promise<void> => {
    await offline.stop();
    await rm(outboxDir, { recursive: true, force: true });
  };

  const apiUrl = `http://127.0.0.1:${httpPort}`;
  try {
    await waitForHttp(apiUrl, START_TIMEOUT_MS, () =>
      exitCode === undefined ? undefined : `serverless-offline exited (${exitCode}) before listening`,
    );
  } catch (error) {
    await teardown();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`serverless-offline did not start: ${reason}\n--- its output ---\n${output}`);
  }

  project.provide('apiUrl', apiUrl);
  project.provide('lambdaEndpoint', `http://127.0.0.1:${lambdaPort}`);
  project.provide('outboxPath', outboxPath);
  project.provide('tableName', TABLE_NAME);
  project.provide('dynamodbEndpoint', dynamodbEndpoint);
  return teardown;
}
