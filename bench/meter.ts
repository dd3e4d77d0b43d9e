// Counts DynamoDB requests and the capacity they consume, per operation, with an SDK middleware that
// asks every call for ReturnConsumedCapacity. DynamoDB Local reports no capacity for a write whose
// condition failed; AWS charges it as a write of the item (1 WRU per KB, 2 per item in a transaction),
// so such calls are counted by that rule (all items here are under 1 KB) and marked as estimated.
import type { Db } from '../shared/store/client.js';

const READS = new Set(['GetItem', 'Query', 'BatchGetItem', 'TransactGetItems', 'Scan']);

export interface Usage {
  requests: number;
  byOperation: Record<string, number>;
  readUnits: number;
  writeUnits: number;
  estimatedWriteUnits: number;
}

export const emptyUsage = (): Usage => ({ requests: 0, byOperation: {}, readUnits: 0, writeUnits: 0, estimatedWriteUnits: 0 });

type Capacity = { CapacityUnits?: number; ReadCapacityUnits?: number; WriteCapacityUnits?: number };

export function attachMeter(db: Db): { usage: Usage; reset(): void } {
  const meter = { usage: emptyUsage(), reset: () => (meter.usage = emptyUsage()) };
  db.raw.middlewareStack.add(
    (next, context) => async (args) => {
      const op = String(context.commandName ?? '').replace(/Command$/, '');
      const input = args.input as Record<string, unknown>;
      input.ReturnConsumedCapacity = 'TOTAL';
      const u = meter.usage;
      u.requests++;
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
    { step: 'initialize', name: 'verigateBenchMeter' },
  );
  return meter;
}
