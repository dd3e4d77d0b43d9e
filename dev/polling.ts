// What the local pollers (stream-poller.ts, receipts-poller.ts) share: their passes run one at a time, in
// order, whoever asks for them (the background timer or a test's drain), as one Lambda poller hands over
// one batch at a time.

export interface Polling {
  /** Runs `work` after every pass asked for before it. */
  serialized<T>(work: () => Promise<T>): Promise<T>;
  /** Stops the background passes and waits for the one under way. */
  stop(): Promise<void>;
}

/** Runs `pass` every `intervalMs` in the background (0: only when asked), reporting a failed pass to `onProblem`. */
export function startPolling(
  pass: () => Promise<unknown>,
  o: { intervalMs: number; onProblem: (message: string, error?: unknown) => void; failure: string },
): Polling {
  let stopped = false;
  let chain: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const serialized = <T>(work: () => Promise<T>): Promise<T> => {
    const run = chain.then(work, work);
    chain = run.catch(() => undefined);
    return run;
  };
  const tick = () => {
    if (stopped) return;
    void serialized(pass)
      .catch((error: unknown) => o.onProblem(o.failure, error))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, o.intervalMs);
      });
  };
  if (o.intervalMs > 0) timer = setTimeout(tick, 0);
  return {
    serialized,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await chain;
    },
  };
}
