// The one serverless-offline launcher (stage `local`) on top of a running DynamoDB Local, shared by
// `npm start` and the e2e suite: it creates the stage's table, starts `osls offline` as its own
// process group, says when the API answers, and then feeds the table's stream to deliverCode and to
// publishLifecycleEvents (each with its own filter), and the local delivery port's receipts to recordReceipt
// (serverless-offline runs no stream consumer
// and no SNS topic; see dev/stream-poller.ts and dev/receipts-poller.ts).
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { LIFECYCLE_STREAM_FILTER_PATTERNS } from '../shared/events/lifecycle-stream.js';
import { receiptsFileOf } from '../shared/notify/outbox.js';
import { functionName } from '../shared/operations.js';
import { oslsBin, repoRoot } from './paths.js';
import { answersHttp, spawnGroup, waitUntilReady } from './processes.js';
import { localReceiptsTopicArn, startReceiptsPoller, type ReceiptsPoller } from './receipts-poller.js';
import { startStreamPoller, type StreamPoller } from './stream-poller.js';
import { createTable } from './table.js';

export const OFFLINE_STAGE = 'local';
/** serverless.yml names the table `verigate-${sls:stage}`. */
export const OFFLINE_TABLE = `verigate-${OFFLINE_STAGE}`;

export interface OfflineOptions {
  dynamodbEndpoint: string;
  httpPort: number;
  lambdaPort: number;
  /** Where the outbox notifier writes the SMS and e-mail it would send (one JSON per line). */
  outboxPath: string;
  /**
   * Rebuild when the service's sources change (`npm start`). The e2e suite says no: a handler
   * reloaded under a request in flight would fail it.
   */
  watch: boolean;
  /** serverless-esbuild's work folder (default `.esbuild`); a second stack needs its own to leave the first alone. */
  esbuildWorkFolder?: string;
  /** Copy its output to ours as it comes (`npm start`) instead of keeping only the tail for an error. */
  echo?: boolean;
  /** How long the first build and start may take. */
  startTimeoutMs?: number;
}

export interface Offline {
  apiUrl: string;
  lambdaEndpoint: string;
  tableName: string;
  /** Resolves once the API answers; rejects (after stopping it) with its last output if it exits or times out. */
  ready: Promise<void>;
  exited: Promise<number | string>;
  stop(): Promise<void>;
}

/** Creates the table and spawns serverless-offline; await `ready` before sending requests. */
export async function startOffline(o: OfflineOptions): Promise<Offline> {
  try {
    await createTable({ endpoint: o.dynamodbEndpoint, tableName: OFFLINE_TABLE });
  } catch (error) {
    throw new Error(`could not create table ${OFFLINE_TABLE}: ${error instanceof Error ? error.message : String(error)}`);
  }
  await mkdir(path.dirname(o.outboxPath), { recursive: true });
  const group = spawnGroup(oslsBin, ['offline', 'start', '--stage', OFFLINE_STAGE], {
    cwd: repoRoot,
    echo: o.echo ?? false,
    tailLines: 200,
    // The caller's environment passes through (LOCAL_PARTNER_AK/SK, LOG_LEVEL, ...); ours wins for the wiring.
    env: {
      ...process.env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ?? 'true',
      DYNAMODB_ENDPOINT: o.dynamodbEndpoint,
      PORT: String(o.httpPort),
      LAMBDA_PORT: String(o.lambdaPort),
      OUTBOX_PATH: o.outboxPath,
      ...(o.esbuildWorkFolder ? { ESBUILD_WORK_FOLDER: path.relative(repoRoot, o.esbuildWorkFolder) } : {}),
      // serverless.yml's watch pattern; one that matches nothing turns rebuilding off.
      ...(o.watch ? {} : { ESBUILD_WATCH: '.no-watch/**' }),
    },
  });
  const apiUrl = `http://127.0.0.1:${o.httpPort}`;
  const ready = waitUntilReady(group, `serverless-offline on ${apiUrl}`, answersHttp(apiUrl), {
    timeoutMs: o.startTimeoutMs ?? 180_000,
    intervalMs: 500,
  });
  const lambdaEndpoint = `http://127.0.0.1:${o.lambdaPort}`;
  let poller: StreamPoller | undefined;
  let lifecycle: StreamPoller | undefined;
  let receipts: ReceiptsPoller | undefined;
  const problem = (source: string) => (message: string, error?: unknown) =>
    console.error(`[${source}] ${message}${error ? `: ${error instanceof Error ? error.message : String(error)}` : ''}`);
  const started = ready.then(() => {
    poller = startStreamPoller({
      endpoint: o.dynamodbEndpoint,
      tableName: OFFLINE_TABLE,
      invoke: (event) => invokeFunction(lambdaEndpoint, functionName(OFFLINE_STAGE, 'deliverCode'), event),
      onProblem: problem('stream'),
    });
    // The stream's second consumer, with its own filter, as its own event source mapping in AWS.
    lifecycle = startStreamPoller({
      endpoint: o.dynamodbEndpoint,
      tableName: OFFLINE_TABLE,
      invoke: (event) => invokeFunction(lambdaEndpoint, functionName(OFFLINE_STAGE, 'publishLifecycleEvents'), event),
      filterPatterns: LIFECYCLE_STREAM_FILTER_PATTERNS,
      batchSize: 100,
      onProblem: problem('events'),
    });
    receipts = startReceiptsPoller({
      file: receiptsFileOf(o.outboxPath),
      topicArn: localReceiptsTopicArn(OFFLINE_STAGE),
      invoke: (event) => invokeFunction(lambdaEndpoint, functionName(OFFLINE_STAGE, 'recordReceipt'), event),
      onProblem: problem('receipts'),
    });
  });
  // The caller may stop it before it is ready; its rejection is then the caller's to ignore.
  started.catch(() => undefined);
  return {
    apiUrl,
    lambdaEndpoint,
    tableName: OFFLINE_TABLE,
    ready: started,
    exited: group.exited,
    async stop() {
      await Promise.all([poller?.stop(), lifecycle?.stop(), receipts?.stop()]);
      await group.stop();
    },
  };
}

/**
 * Invokes a function through serverless-offline's Lambda endpoint, where it runs like every other
 * function of the stack (same bundle, same environment), and returns its answer; rejects when it failed.
 */
async function invokeFunction(lambdaEndpoint: string, name: string, event: unknown): Promise<unknown> {
  const res = await fetch(`${lambdaEndpoint}/2015-03-31/functions/${name}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(event),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  if (!res.ok || res.headers.get('x-amz-function-error')) throw new Error(`${name} failed (${res.status}): ${text.slice(0, 500)}`);
  return text === '' ? undefined : JSON.parse(text);
}
