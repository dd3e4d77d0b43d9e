// In-process runtime for integration tests: the real adapters and pipeline against DynamoDB Local,
// on a fresh table, with a clock the test controls and the outbox in a temp file.
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../shared/config.js';
import { createRuntime, type Runtime } from '../../shared/runtime.js';
import { createTestTable } from './table.js';

export interface TestClock {
  now: () => Date;
  set(at: Date | number): void;
  advance(ms: number): void;
}

export function testClock(start = Date.now()): TestClock {
  let t = start;
  return {
    now: () => new Date(t),
    set: (at) => {
      t = typeof at === 'number' ? at : at.getTime();
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

export interface TestRuntime {
  rt: Runtime;
  config: Config;
  clock: TestClock;
  outboxPath: string;
  /** Messages the outbox notifier wrote, oldest first. */
  outbox(): Array<{ channel: string; to: string; code: string; expire: number; requestId: string; sentAt: string }>;
}

export async function createTestRuntime(options: { env?: Record<string, string>; clock?: TestClock } = {}): Promise<TestRuntime> {
  const endpoint = inject('dynamodbEndpoint');
  const tableName = await createTestTable(endpoint);
  const outboxPath = options.env?.OUTBOX_PATH ?? path.join(mkdtempSync(path.join(tmpdir(), 'verigate-outbox-')), 'outbox.jsonl');
  const config = loadConfig({
    STAGE: 'local',
    DYNAMODB_ENDPOINT: endpoint,
    TABLE_NAME: tableName,
    OUTBOX_PATH: outboxPath,
    ...options.env,
  });
  const clock = options.clock ?? testClock();
  const rt = createRuntime(config, { clock: clock.now });
  return {
    rt,
    config,
    clock,
    outboxPath,
    outbox: () =>
      existsSync(outboxPath)
        ? readFileSync(outboxPath, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l))
        : [],
  };
}

/** An API Gateway HTTP API (payload 2.0) event, as serverless-offline and AWS deliver it. */
export function httpEvent(
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
  sourceIp = '203.0.113.10',
): Record<string, unknown> {
  return {
    version: '2.0',
    routeKey: `POST ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: { http: { method: 'POST', path, sourceIp } },
  };
}

export interface HttpResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Calls a handler with an event (the Lambda context is not used by the pipeline beyond middy). */
export async function invoke(handler: unknown, event: unknown): Promise<HttpResult> {
  return (await (handler as (e: unknown, c: unknown) => Promise<HttpResult>)(event, {})) as HttpResult;
}
