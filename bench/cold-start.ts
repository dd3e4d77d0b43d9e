// Cold start of a packaged function as Lambda runs it: a fresh process of the Lambda runtime's Node
// (dev/node-runtime.ts) runs dev/invoke-handler.mjs on the unzipped task root with one event, so the
// figure is Node's start + the bundle's import (configuration, clients) + the first request (the SDK's
// first connection and signing, the first DynamoDB round trips). A bare start of the same Node is timed
// alongside, interleaved, to read the ratio against.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { repoRoot } from '../dev/paths.js';
import { httpEvent } from '../dev/support/events.js';
import { uniqueIp, uniqueMobile, uniqueName } from '../dev/support/identities.js';
import type { LocalRuntime } from '../dev/support/runtime.js';
import { mintAppToken, mintCaptchaToken, mintPartnerToken } from '../scripts/tokens.js';
import { startSsmStandIn, type SsmStandIn } from '../test/support/ssm-stand-in.js';
import { loadConfig, type Config } from '../shared/config.js';
import { DEPLOYMENT, OPERATIONS, type OperationName } from '../shared/operations.js';
import { envVariable, parameterName, SECRET_NAMES } from '../shared/secrets/catalog.js';

const RUNNER = path.join(repoRoot, 'dev', 'invoke-handler.mjs');
const TIMEOUT_MS = 10_000; // serverless.yml provider.timeout

/** A first request for a function, and whether its answer is the expected one. */
export interface ColdRequest {
  event: unknown;
  ok(result: unknown): boolean;
}

export interface ColdStartRun {
  /** The whole fresh process: Node's start, the import, the first request, the exit. */
  processMs: number;
  importMs: number;
  firstRequestMs: number;
}

const status = (want: number) => (r: unknown) => (r as { statusCode?: number } | null)?.statusCode === want;

/**
 * One fresh request per call, for every function, against the local runtime's table. Tokens are minted
 * with the local stage's documented secrets, which the packaged bundle also reads when STAGE=local.
 */
export function coldRequestsOf(config: Config): Record<OperationName, () => Promise<ColdRequest>> {
  return {
    checkIdentity: async () => ({
      event: httpEvent(
        OPERATIONS.checkIdentity.route.path,
        { search_type: 'name', search_value: uniqueName() },
        { 'x-auth-token': await mintPartnerToken(config) },
        uniqueIp(),
      ),
      ok: status(200),
    }),
    sendVerificationCode: async () => {
      const user = uniqueMobile().e164;
      return {
        event: httpEvent(OPERATIONS.sendVerificationCode.route.path, { user, token: await mintCaptchaToken(config, user) }, {}, uniqueIp()),
        ok: status(200),
      };
    },
    // A contact with no pending code: the same authentication, validation and transaction as a wrong code.
    verifyVerificationCode: async () => ({
      event: httpEvent(
        OPERATIONS.verifyVerificationCode.route.path,
        { contact: uniqueMobile().e164, verificationCode: '123456' },
        { 'x-access-token': await mintAppToken(config) },
        uniqueIp(),
      ),
      ok: status(400),
    }),
    registerCustomer: async () => ({
      event: { customerId: `bench-${randomUUID()}`, name: uniqueName(), mobile: uniqueMobile().e164 },
      ok: (r) => (r as { status?: string } | null)?.status === 'registered',
    }),
    deregisterCustomer: async () => ({
      event: { customerId: `bench-${randomUUID()}` },
      ok: (r) => typeof (r as { status?: string } | null)?.status === 'string',
    }),
    // An empty stream batch: the import and the batch machinery, without a delivery (whose sealed request
    // only a send's transaction writes; the delivery itself is measured by the outbox tests' latency).
    deliverCode: async () => ({
      event: { Records: [] },
      ok: (r) => Array.isArray((r as { batchItemFailures?: unknown } | null)?.batchItemFailures),
    }),
    // A receipt that names no delivery request: the import, the parsing and one read.
    recordReceipt: async () => ({
      event: {
        Records: [
          {
            EventSource: 'aws:sns',
            Sns: {
              MessageId: randomUUID(),
              Message: JSON.stringify({
                eventType: 'TEXT_DELIVERED',
                isFinal: true,
                messageId: randomUUID(),
                eventTimestamp: Date.now(),
                context: { deliveryRequestId: randomUUID() },
              }),
            },
          },
        ],
      },
      ok: (r) => r === undefined || r === null,
    }),
    // An empty stream batch: the import and the batch machinery, nothing to publish.
    publishLifecycleEvents: async () => ({
      event: { Records: [] },
      ok: (r) => Array.isArray((r as { batchItemFailures?: unknown } | null)?.batchItemFailures),
    }),
  };
}

/** The environment Lambda gives the function, pointed at the local runtime's table and outbox. */
export function coldEnvironment(local: LocalRuntime, operation: OperationName): Record<string, string> {
  return {
    ...lambdaBase(operation),
    STAGE: 'local',
    TABLE_NAME: local.config.tableName,
    DYNAMODB_ENDPOINT: local.config.dynamodbEndpoint ?? '',
    NOTIFIER: 'outbox',
    OUTBOX_PATH: local.outboxPath,
  };
}

/**
 * The cold start as it runs in AWS: a stage other than local, so the function reads its secrets from
 * SSM Parameter Store (a stand-in speaking SSM's protocol on loopback, test/support/ssm-stand-in.ts) with
 * its signed GetParameters call through Powertools Parameters before its first request. DynamoDB is reached through the
 * SDK's own endpoint override (AWS_ENDPOINT_URL_DYNAMODB), as DYNAMODB_ENDPOINT is for the local stage only.
 */
export interface AwsPath {
  config: Config;
  env(operation: OperationName): Record<string, string>;
  close(): Promise<void>;
}

export async function startAwsPath(local: LocalRuntime): Promise<AwsPath> {
  const stage = 'bench';
  const secretsPath = `/verigate/${stage}`;
  const values = Object.fromEntries(SECRET_NAMES.map((n) => [n, randomBytes(32).toString('base64url')]));
  const ssm: SsmStandIn = await startSsmStandIn(
    Object.fromEntries(SECRET_NAMES.map((n) => [parameterName(secretsPath, n), { value: values[n]!, type: 'SecureString' as const }])),
  );
  const settings = {
    STAGE: stage,
    SECRETS_PATH: secretsPath,
    TABLE_NAME: local.config.tableName,
    JWT_ISSUER: 'https://issuer.bench.example',
    // Any stage but local names the brand its messages carry.
    MESSAGE_BRAND: 'Bench',
    NOTIFIER: 'outbox',
    OUTBOX_PATH: local.outboxPath,
  };
  // The same secrets as the stand-in holds, to mint the tokens the function will accept.
  const config = loadConfig({ ...settings, ...Object.fromEntries(SECRET_NAMES.map((n) => [envVariable(n), values[n]])) });
  return {
    config,
    env: (operation) => ({
      ...lambdaBase(operation),
      ...settings,
      AWS_ENDPOINT_URL_SSM: ssm.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: local.config.dynamodbEndpoint ?? '',
    }),
    close: () => ssm.close(),
  };
}

function lambdaBase(operation: OperationName): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'us-east-1',
    AWS_LAMBDA_FUNCTION_NAME: `verigate-bench-${operation}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    AWS_ACCESS_KEY_ID: 'ASIABENCHCOLDSTART00',
    AWS_SECRET_ACCESS_KEY: 'bench-secret-access-key',
    AWS_SESSION_TOKEN: 'bench-session-token',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    PARTNER_REQUESTS_PER_SECOND: '10000',
    SMS_HOURLY_BUDGET_PER_COUNTRY: '10000000',
  };
}

/**
 * One fresh process running `request` through the function unpacked in `taskRoot`. Asynchronous: the SSM
 * stand-in answering the function lives in this process.
 */
export async function coldStartOnce(
  nodePath: string,
  taskRoot: string,
  operation: OperationName,
  request: ColdRequest,
  env: Record<string, string>,
): Promise<ColdStartRun> {
  const t0 = performance.now();
  const child = spawn(nodePath, [RUNNER, taskRoot, DEPLOYMENT[operation].handler, String(TIMEOUT_MS)], {
    cwd: taskRoot,
    env,
    // The runner reports on fd 3.
    stdio: ['pipe', 'ignore', 'pipe', 'pipe'],
  });
  const stderr: Buffer[] = [];
  const report: Buffer[] = [];
  child.stderr!.on('data', (c: Buffer) => stderr.push(c));
  (child.stdio[3] as NodeJS.ReadableStream).on('data', (c: Buffer) => report.push(c));
  child.stdin!.end(JSON.stringify([request.event]));
  const exit = await new Promise<number | string | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve(code ?? signal));
  });
  const processMs = performance.now() - t0;
  const raw = Buffer.concat(report).toString();
  if (!raw) throw new Error(`${operation}: the runner exited (${exit}) without a report\n${Buffer.concat(stderr).toString()}`);
  const parsed = JSON.parse(raw) as {
    importMs: number;
    initError?: { message: string };
    invocations: Array<{ ok: boolean; result?: unknown; error?: { message: string }; ms: number }>;
  };
  const first = parsed.invocations[0];
  if (!first?.ok || !request.ok(first.result)) {
    throw new Error(
      `${operation}: unexpected first answer ${JSON.stringify(parsed.initError ?? first)}\n${Buffer.concat(stderr).toString()}`,
    );
  }
  return { processMs, importMs: parsed.importMs, firstRequestMs: first.ms };
}

/** A bare start of `nodePath`, for the ratio. */
export function bareStart(nodePath: string): number {
  const t0 = performance.now();
  const r = spawnSync(nodePath, ['--input-type=module', '-e', '0'], { env: { PATH: process.env.PATH ?? '' } });
  if (r.status !== 0) throw new Error(`${nodePath} failed to start: ${String(r.stderr)}`);
  return performance.now() - t0;
}
