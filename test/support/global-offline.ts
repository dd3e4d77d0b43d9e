// vitest globalSetup for e2e (runs after global-dynamodb): serverless-offline, stage `local`, on free ports,
// with its own esbuild work folder and no rebuilds.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
// Makes 'vitest' resolvable for the ProvidedContext augmentation below.
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startOffline } from '../../dev/offline.js';
import { freePort } from '../../dev/processes.js';

declare module 'vitest' {
  export interface ProvidedContext {
    apiUrl: string;
    lambdaEndpoint: string;
    outboxPath: string;
    tableName: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // This project's own instance first (process.env is shared by all projects).
  const dynamodbEndpoint = project.config.env.DYNAMODB_ENDPOINT ?? process.env.DYNAMODB_ENDPOINT;
  if (!dynamodbEndpoint)
    throw new Error('global-offline needs DYNAMODB_ENDPOINT: list test/support/global-dynamodb.ts before it in globalSetup');

  const workDir = await mkdtemp(path.join(tmpdir(), 'verigate-e2e-'));
  const outboxPath = path.join(workDir, 'outbox.jsonl');
  const offline = await startOffline({
    dynamodbEndpoint,
    httpPort: await freePort(),
    lambdaPort: await freePort(),
    outboxPath,
    watch: false,
    // Its own esbuild work folder, so a running `npm start` (which uses .esbuild) is left alone.
    esbuildWorkFolder: path.join(workDir, 'esbuild'),
    // Within the hook's own timeout (vitest.config.ts), so the failure says why.
    startTimeoutMs: 150_000,
  });
  const teardown = async (): Promise<void> => {
    await offline.stop();
    await rm(workDir, { recursive: true, force: true });
  };
  try {
    await offline.ready;
  } catch (error) {
    await teardown();
    throw new Error(`serverless-offline did not start: ${error instanceof Error ? error.message : String(error)}`);
  }

  project.provide('apiUrl', offline.apiUrl);
  project.provide('lambdaEndpoint', offline.lambdaEndpoint);
  project.provide('outboxPath', outboxPath);
  project.provide('tableName', offline.tableName);
  project.provide('dynamodbEndpoint', dynamodbEndpoint);
  return teardown;
}
