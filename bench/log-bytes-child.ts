// The child process of bench/log-bytes.ts: runs every scenario's calls with the logger and metrics as the
// deployed functions run them (LOG_LEVEL and Powertools settings from the packaged template, metrics on, a
// Lambda context and trace id per invocation) and counts the bytes each call writes to stdout and stderr,
// which is what Lambda sends to CloudWatch Logs. Its environment is set by the parent before anything
// reads it; the figures go to the file BENCH_LOG_OUT names.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLocalRuntime } from '../dev/support/runtime.js';
import type { OperationName } from '../shared/operations.js';
import type { LogMeasurement } from './log-bytes.js';
import { scenariosOf } from './scenarios.js';

const endpoint = process.env.BENCH_LOG_ENDPOINT!;
const out = process.env.BENCH_LOG_OUT!;
const iterations = Number(process.env.BENCH_LOG_ITERATIONS ?? 20);
const memoryMb = JSON.parse(process.env.BENCH_LOG_MEMORY ?? '{}') as Record<string, number>;
const stage = process.env.BENCH_LOG_STAGE ?? 'prod';

// Everything the process writes is counted, and nothing reaches the parent's output.
let bytes = 0;
let lines: string[] = [];
for (const stream of [process.stdout, process.stderr]) {
  (stream as unknown as { write: (chunk: unknown, ...rest: unknown[]) => boolean }).write = (chunk: unknown, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    bytes += Buffer.byteLength(text, 'utf8');
    lines.push(...text.split('\n').filter(Boolean));
    const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    done?.();
    return true;
  };
}

/** The context Lambda hands an invocation of the deployed function. */
function lambdaContext(operation: OperationName) {
  const functionName = `verigate-${stage}-${operation}`;
  return {
    awsRequestId: randomUUID(),
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: String(memoryMb[operation] ?? 512),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `2026/12/06/[$LATEST]${randomBytes(16).toString('hex')}`,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 10_000,
  };
}

/** Lambda sets the invocation's trace header in the environment whether or not tracing is active. */
const traceHeader = () =>
  `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')};Parent=${randomBytes(8).toString('hex')};Sampled=0;Lineage=1:${randomBytes(4).toString('hex')}:0`;

async function main() {
  const workDir = mkdtempSync(path.join(tmpdir(), 'verigate-log-bytes-'));
  const local = await createLocalRuntime({
    endpoint,
    workDir,
    env: { PARTNER_REQUESTS_PER_SECOND: '10000', SMS_HOURLY_BUDGET_PER_COUNTRY: '10000000' },
  });
  const result: LogMeasurement[] = [];
  for (const s of await scenariosOf(local)) {
    const events = await s.prepare(iterations);
    let total = 0;
    let lineCount = 0;
    let responseBytes = 0;
    let sample: string[] = [];
    for (const event of events) {
      process.env._X_AMZN_TRACE_ID = traceHeader();
      bytes = 0;
      lines = [];
      const answer = (await s.run(event, lambdaContext(s.operation))) as { body?: string } | undefined;
      total += bytes;
      lineCount += lines.length;
      responseBytes += typeof answer?.body === 'string' ? Buffer.byteLength(answer.body) : 0;
      sample = [...lines];
    }
    result.push({
      scenario: s.name,
      operation: s.operation,
      bytesPerCall: total / events.length,
      linesPerCall: lineCount / events.length,
      responseBytes: responseBytes / events.length,
      sample,
    });
  }
  writeFileSync(out, JSON.stringify(result));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    writeFileSync(`${out}.error`, err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
