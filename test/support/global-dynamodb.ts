// vitest globalSetup: one DynamoDB Local per project run, on a free port so it never clashes with `npm start`,
// and one scratch folder for the run's outbox files, removed at the end.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
// Makes 'vitest' resolvable for the ProvidedContext augmentation below.
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../../dev/emulator.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    scratchDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dynamo = await startDynamoDbLocal();
  const scratchDir = await mkdtemp(path.join(tmpdir(), `verigate-${project.name}-`));
  // process.env is shared by all projects (the last one wins) and is what the e2e globalSetup reads next;
  // project.config.env is what this project's test workers get, so each sees its own instance.
  process.env.DYNAMODB_ENDPOINT = dynamo.endpoint;
  project.config.env = { ...project.config.env, DYNAMODB_ENDPOINT: dynamo.endpoint };
  project.provide('dynamodbEndpoint', dynamo.endpoint);
  project.provide('scratchDir', scratchDir);
  return async () => {
    await dynamo.stop();
    await rm(scratchDir, { recursive: true, force: true });
  };
}
