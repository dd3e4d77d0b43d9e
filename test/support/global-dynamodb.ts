// vitest globalSetup: one DynamoDB Local per project run, on a free port so it never clashes with `npm start`.
// Makes 'vitest' resolvable for the ProvidedContext augmentation below.
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import {
  checkJava,
  ensureDynamoDbLocalJar,
  freePort,
  PortInUseError,
  startDynamoDbLocal,
  type DynamoDbLocal,
} from '../../scripts/dynamodb-local.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await checkJava();
  await ensureDynamoDbLocalJar();
  let dynamo: DynamoDbLocal | undefined;
  // A port freed by freePort() can be taken by someone else before java binds it; just pick another.
  for (let attempt = 1; !dynamo; attempt++) {
    try {
      dynamo = await startDynamoDbLocal({ port: await freePort() });
    } catch (error) {
      if (!(error instanceof PortInUseError) || attempt >= 3) throw error;
    }
  }
  // process.env is shared by all projects (the last one wins) and is what the e2e globalSetup reads next;
  // project.config.env is what this project's test workers get, so each sees its own instance.
  process.env.DYNAMODB_ENDPOINT = dynamo.endpoint;
  project.config.env = { ...project.config.env, DYNAMODB_ENDPOINT: dynamo.endpoint };
  project.provide('dynamodbEndpoint', dynamo.endpoint);
  const started = dynamo;
  return async () => {
    await started.stop();
  };
}
