// Counts DynamoDB requests (in order, by operation) and the capacity they consume, with one SDK
// middleware that asks every call for ReturnConsumedCapacity: the tests assert request counts with it,
// the benchmark reports requests and capacity. DynamoDB Local reports no capacity for a write whose
// condition failed; AWS charges it as a write of the item (1 WRU per KB, 2 per item in a transaction),
// so such calls are counted by that rule (all items here are under 1 KB) and marked as estimated.
import type { Db } from '../../shared/store/client.js';

const READS = new Set(['GetItem', 'Query', 'BatchGetItem', 'TransactGetItems', 'Scan']);

export interface Usage {
  requests: number;
  /** Operations in the order they were sent, e.g. ['GetItem', 'PutItem']. */
  operations: string[];
  byOperation: Record<string, number>;
  readUnits: number;
  writeUnits: number;
  estimatedWriteUnits: number;
}

export const emptyUsage = (): Usage => ({
  requests: 0,
  operations: [],
  byOperation: {},
  readUnits: 0,
  writeUnits: 0,
  estimatedWriteUnits: 0,
});

type Capacity = { CapacityUnits?: number; ReadCapacityUnits?: number; WriteCapacityUnits?: number };

export interface Meter {
  usage: Usage;
  reset(): void;
}

export function attachMeter(db: Db): Meter {
  const meter: Meter = { usage: emptyUsage(), reset: () => (meter.usage = emptyUsage()) };
  db.raw.middlewareStack.add(
    (next, context) => async (args) => {
      const op = String(context.commandName ?? '').replace(/Command$/, '');
      const input = args.input as Record<string, unknown>;
      input.ReturnConsumedCapacity = 'TOTAL';
      const u = meter.usage;
      u.requests++;
      u.operations.push(op);
      u.byOperation[op] = (u.byOperation[op] ?? 0) + 1;
      try {
        const result = await next(args);
        const cc = (result.output as { ConsumedCapacity?: Capacity | Capacity[] }).ConsumedCapacity;
        for (const c of [cc ?? []].flat()) {
          const units = c.CapacityUnits ?? 0;
          if (READS.has(op)) u.readUnits += units;
          else u.writeUnits += units;
        }
        return result;
      } catch (err) {
        const name = err instanceof Error ? err.name : '';
        if (name === 'ConditionalCheckFailedException') u.estimatedWriteUnits += 1;
        if (name === 'TransactionCanceledException')
          u.estimatedWriteUnits += 2 * ((input.TransactItems as unknown[] | undefined)?.length ?? 1);
        throw err;
      }
    },
    { step: 'initialize' },
  );
  return meter;
}

export interface RequestCounter {
  /** Operations seen since the last reset, in order. */
  readonly operations: string[];
  reset(): void;
  total(): number;
}

/** The request-count view of the meter, for tests. */
export function countRequests(db: Db): RequestCounter {
  const meter = attachMeter(db);
  return {
    get operations() {
      return meter.usage.operations;
    },
    reset: () => meter.reset(),
    total: () => meter.usage.requests,
  };
}
