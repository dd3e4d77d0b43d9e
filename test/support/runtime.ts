// In-process runtime for integration tests: the real adapters and pipeline against the run's DynamoDB
// Local (dev/support/runtime.ts), on a fresh table, with a clock the test controls.
import { inject } from 'vitest';
import { createLocalRuntime, type LocalRuntime } from '../../dev/support/runtime.js';

export interface TestClock {
  now: () => Date;
  set(at: Date | number): void;
  advance(ms: number): void;
}

export function testClock(start = Date.now()): TestClock {
  let t = start;
  return {
    now: () => new Date(t),
    set: (at) => {
      t = typeof at === 'number' ? at : at.getTime();
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

export interface TestRuntime extends LocalRuntime {
  clock: TestClock;
}

export async function createTestRuntime(options: { env?: Record<string, string>; clock?: TestClock } = {}): Promise<TestRuntime> {
  const clock = options.clock ?? testClock();
  const local = await createLocalRuntime({
    endpoint: inject('dynamodbEndpoint'),
    workDir: inject('scratchDir'),
    clock: clock.now,
    ...(options.env ? { env: options.env } : {}),
  });
  return { ...local, clock };
}
