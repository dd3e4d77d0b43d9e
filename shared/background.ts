import { outsideRequestBudget } from './deadline.js';
import { logger } from './observability.js';

/**
 * Work that must happen even though the request it belongs to has been answered (undoing a send
 * whose outcome was unknown while DynamoDB stalled): retried with backoff, outside any request's
 * budget. In Lambda it runs while the execution environment is thawed, i.e. during this and the
 * following invocations; if the environment is retired first, what is left is written down in the
 * log line 'background work abandoned'.
 */
const running = new Set<Promise<void>>();

export interface RetryOptions {
  attempts?: number;
  firstDelayMs?: number;
  maxDelayMs?: number;
}

export function retryInBackground(name: string, work: () => Promise<void>, opts: RetryOptions = {}): void {
  const options = { attempts: 30, firstDelayMs: 250, maxDelayMs: 5000, ...opts };
  const task = outsideRequestBudget(async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        await work();
        return;
      } catch (err) {
        const error = err instanceof Error ? err.name : String(err);
        if (attempt >= options.attempts) {
          logger.error('background work abandoned', { work: name, attempts: attempt, error });
          return;
        }
        logger.warn('background work failed; retrying', { work: name, attempt, error });
        await new Promise((r) => setTimeout(r, Math.min(options.maxDelayMs, options.firstDelayMs * 2 ** (attempt - 1))));
      }
    }
  });
  running.add(task);
  void task.finally(() => running.delete(task));
}

/** Resolves when every background task started so far has finished (tests, and a graceful shutdown). */
export async function backgroundSettled(): Promise<void> {
  while (running.size > 0) await Promise.allSettled([...running]);
}
