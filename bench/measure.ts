// Timing primitives of the bench: drive a function over inputs with N workers, and summarise latencies.

export interface Stats {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  throughput: number;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
export const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

export function stats(latencies: number[], wallMs: number): Stats {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    p50: round(percentile(sorted, 50), 3),
    p95: round(percentile(sorted, 95), 3),
    p99: round(percentile(sorted, 99), 3),
    mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length, 3),
    throughput: round((latencies.length / wallMs) * 1000, 1),
  };
}

/** Runs `run` over `inputs` with `concurrency` workers; returns each call's latency (ms) and the wall time. */
export async function drive<T>(
  inputs: T[],
  concurrency: number,
  run: (input: T) => Promise<unknown>,
): Promise<{ latencies: number[]; wallMs: number }> {
  const latencies: number[] = new Array(inputs.length);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < inputs.length; i = next++) {
        const t0 = performance.now();
        await run(inputs[i]!);
        latencies[i] = performance.now() - t0;
      }
    }),
  );
  return { latencies, wallMs: performance.now() - started };
}

/** Warms `run` up on the first `warmup` inputs, then measures it on the rest. */
export async function measure<T>(
  inputs: T[],
  warmup: number,
  concurrency: number,
  run: (input: T) => Promise<unknown>,
  beforeMeasuring: () => void = () => {},
): Promise<Stats> {
  await drive(inputs.slice(0, warmup), concurrency, run);
  beforeMeasuring();
  const { latencies, wallMs } = await drive(inputs.slice(warmup), concurrency, run);
  return stats(latencies, wallMs);
}
