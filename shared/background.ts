import { outsideRequestBudget } from './deadline.js';
import { logger } from './observability.js';
import { BACKGROUND_RETRY } from './policy.js';
import { retry } from './retry.js';

/**
 * Work that must happen even though the request it belongs to has been answered (undoing a send
 * whose outcome was unknown while DynamoDB stalled): retried as BACKGROUND_RETRY allows, outside any
 * request's budget. In Lambda it runs while the execution environment is thawed, i.e. during this and
 * the following invocations; if the environment is retired first, what is left is written down in the
 * log line 'background work abandoned'.
 */
const running = new Set<Promise<void>>();

const errorName = (err: unknown) => (err instanceof Error ? err.name : String(err));

export interface BackgroundOptions {
  /** Whether a failure may be tried again (default: every failure). */
  retryable?: (error: unknown) => boolean;
  /** Told of the last failure when the work is given up. */
  onAbandoned?: (error: unknown) => void;
}

export function retryInBackground(name: string, work: () => Promise<void>, options: BackgroundOptions = {}): void {
  const task = outsideRequestBudget(async () => {
    let attempts = 0;
    try {
      await retry(
        BACKGROUND_RETRY,
        (attempt) => {
          attempts = attempt;
          return work();
        },
        {
          ...(options.retryable ? { retryable: options.retryable } : {}),
          onRetry: (err, attempt) => logger.warn('background work failed; retrying', { work: name, attempt, error: errorName(err) }),
        },
      );
    } catch (err) {
      logger.error('background work abandoned', { work: name, attempts, error: errorName(err) });
      options.onAbandoned?.(err);
    }
  });
  running.add(task);
  void task.finally(() => running.delete(task));
}

/** Resolves when every background task started so far has finished (tests, and a graceful shutdown). */
export async function backgroundSettled(): Promise<void> {
  while (running.size > 0) await Promise.allSettled([...running]);
}
