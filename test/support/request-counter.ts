// Counts DynamoDB requests (by operation) that go through a client, with an SDK middleware: the
// tests assert how many requests each operation makes, the benchmark reports them.
import type { Db } from '../../shared/store/client.js';

export interface RequestCounter {
  /** Operations seen since the last reset, in order, e.g. ['GetItem', 'PutItem']. */
  readonly operations: string[];
  reset(): void;
  total(): number;
}

export function countRequests(db: Db): RequestCounter {
  const operations: string[] = [];
  db.raw.middlewareStack.add(
    (next, context) => async (args) => {
      operations.push(String(context.commandName ?? 'unknown').replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: `verigateRequestCounter${Math.random()}` },
  );
  return {
    operations,
    reset: () => {
      operations.length = 0;
    },
    total: () => operations.length,
  };
}
