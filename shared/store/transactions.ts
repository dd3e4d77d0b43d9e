import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { TRANSACTION_CONFLICT_RETRY } from '../policy.js';
import { retry } from '../retry.js';
import { cancellationReasons, type Db } from './client.js';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

const conflicted = (err: unknown) => cancellationReasons(err)?.some((r) => r.Code === 'TransactionConflict') ?? false;

/**
 * Transactions on a contended item are cancelled with reason `TransactionConflict` instead of
 * waiting; the SDK does not retry those. Re-run the whole attempt (which re-evaluates every
 * condition) as TRANSACTION_CONFLICT_RETRY allows, within the request's budget.
 */
export function withTransactionRetry<T>(attempt: () => Promise<T>): Promise<T> {
  return retry(TRANSACTION_CONFLICT_RETRY, attempt, { retryable: conflicted });
}

/** A transaction's item with a name for what it stands for, so a cancelled transaction says which one refused. */
export interface TaggedItem<Tag extends string> {
  tag: Tag;
  item: TransactItem;
}

/** Why a tagged transaction did not commit (undefined: it did). */
export type TransactionRefusal<Tag extends string> = {
  /** The first item (by order) whose condition failed. */
  tag: Tag;
  /** That item as it was (ReturnValuesOnConditionCheckFailure), when it asked for it. */
  item: Record<string, unknown> | undefined;
};

/**
 * Runs a transaction of tagged items; returns the first item (by order) whose condition failed. A
 * transaction other transactions on its items kept cancelling through every attempt is thrown as it
 * came (TransactionCanceledException): that is capacity, answered 503 (shared/capacity.ts), never a
 * limit of the caller's.
 */
export async function transactTagged<Tag extends string>(
  db: Db,
  tagged: ReadonlyArray<TaggedItem<Tag>>,
): Promise<TransactionRefusal<Tag> | undefined> {
  try {
    await withTransactionRetry(() => db.doc.send(new TransactWriteCommand({ TransactItems: tagged.map((t) => t.item) })));
    return undefined;
  } catch (err) {
    const reasons = cancellationReasons(err);
    const index = reasons?.findIndex((r) => r.Code === 'ConditionalCheckFailed') ?? -1;
    if (index >= 0) return { tag: tagged[index]!.tag, item: reasons![index]!.Item };
    throw err;
  }
}
