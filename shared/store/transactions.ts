import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { cancellationReasons } from './client.js';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * Transactions on a contended item are cancelled with reason `TransactionConflict` instead of
 * waiting; the SDK does not retry those. Re-run the whole attempt (which re-evaluates every
 * condition) a bounded number of times with jittered backoff.
 */
export async function withTransactionRetry<T>(attempt: () => Promise<T>, maxAttempts = 10): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      const reasons = cancellationReasons(err);
      const conflicted = reasons?.some((r) => r.Code === 'TransactionConflict') ?? false;
      if (!conflicted || i >= maxAttempts) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 10 * 2 ** Math.min(i, 5)));
    }
  }
}
