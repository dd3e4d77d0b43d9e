// Invokes a packaged function in a fresh process of the Lambda runtime's Node, with the environment Lambda
// would give it, and builds the events AWS delivers (API Gateway REST API proxy 1.0, SQS, EventBridge).
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { inject } from 'vitest';
import { repoRoot } from '../../dev/paths.js';
import { OPERATIONS, type HttpOperationName, type OperationName } from '../../shared/operations.js';
import { PACKAGE_STAGE } from './global-package.js';

const RUNNER = path.join(repoRoot, 'dev', 'invoke-handler.mjs');

export type Invocation =
  { ok: true; result: unknown; ms: number } | { ok: false; error: { name: string; message: string; stack?: string }; ms: number };

export interface ProcessReport {
  /** process.version of the process that ran the handler. */
  node: string;
  importMs: number;
  initError?: { name: string; message: string; stack?: string };
  invocations: Invocation[];
  stdout: string;
  stderr: string;
}

/** Where the function's data goes in the test instead of AWS. */
export interface LocalBackends {
  tableName: string;
  dynamodbEndpoint: string;
  outboxPath: string;
}

/**
 * The environment of the deployed function: what Lambda itself sets, then the template's variables, then
 * the local backends. The package is built for prod, but it runs with STAGE=local: the bundle is the same
 * for every stage (the stage is read from the environment at cold start), and only the local stage may
 * point DynamoDB at a custom endpoint and deliver codes to the outbox file instead of SNS/SES. In local the
 * empty secret variables of a package built without secrets fall back to the documented local defaults,
 * which the tests mint their tokens with.
 */
export function lambdaEnvironment(operation: OperationName, local: LocalBackends): Record<string, string> {
  const { functions, region } = inject('packaged');
  const fn = functions[operation];
  return {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `2026/01/01/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    LAMBDA_TASK_ROOT: fn.taskRoot,
    _HANDLER: fn.handler,
    // The role's temporary credentials (never used against DynamoDB Local, which gets static local ones).
    AWS_ACCESS_KEY_ID: 'ASIAARTIFACTTESTS000',
    AWS_SECRET_ACCESS_KEY: 'artifact-test-secret-access-key',
    AWS_SESSION_TOKEN: 'artifact-test-session-token',
    ...fn.environment,
    STAGE: 'local',
    TABLE_NAME: local.tableName,
    DYNAMODB_ENDPOINT: local.dynamodbEndpoint,
    NOTIFIER: 'outbox',
    OUTBOX_PATH: local.outboxPath,
  };
}

/**
 * Runs `events` through the packaged function in one new process (the first invocation cold, the rest
 * warm), as the Node.js managed runtime would: cwd and handler resolution from the task root.
 */
export function invokePackaged(operation: OperationName, events: unknown[], env: Record<string, string>): Promise<ProcessReport> {
  const { node, functions } = inject('packaged');
  const fn = functions[operation];
  const child = spawn(node.path, [RUNNER, fn.taskRoot, fn.handler, String(fn.timeoutSeconds * 1000)], {
    cwd: fn.taskRoot,
    env,
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
  });
  const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[], report: [] as Buffer[] };
  child.stdout.on('data', (c: Buffer) => chunks.stdout.push(c));
  child.stderr.on('data', (c: Buffer) => chunks.stderr.push(c));
  (child.stdio[3] as NodeJS.ReadableStream).on('data', (c: Buffer) => chunks.report.push(c));
  child.stdin.end(JSON.stringify(events));
  // Each invocation ends at the function timeout in the runner; this only catches a runner that hangs.
  const guard = setTimeout(() => child.kill('SIGKILL'), (fn.timeoutSeconds * events.length + 15) * 1000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(guard);
      const stdout = Buffer.concat(chunks.stdout).toString();
      const stderr = Buffer.concat(chunks.stderr).toString();
      const raw = Buffer.concat(chunks.report).toString();
      if (!raw) {
        reject(
          new Error(
            `${operation} runner exited (${code ?? signal}) without a report\n--- stderr ---\n${stderr}\n--- stdout ---\n${stdout}`,
          ),
        );
        return;
      }
      resolve({ ...(JSON.parse(raw) as Omit<ProcessReport, 'stdout' | 'stderr'>), stdout, stderr });
    });
  });
}

/** The one invocation of a single-event run, failing with the process's output if the function did not start. */
export async function invokeOnce(
  operation: OperationName,
  event: unknown,
  env: Record<string, string>,
): Promise<Invocation & Pick<ProcessReport, 'node' | 'stderr'>> {
  const report = await invokePackaged(operation, [event], env);
  const [invocation] = report.invocations;
  if (!invocation) throw new Error(`${operation} did not start: ${JSON.stringify(report.initError)}\n${report.stderr}\n${report.stdout}`);
  return { ...invocation, node: report.node, stderr: report.stderr };
}

// ---------- events as AWS delivers them ----------

const API_ID = 'a1b2c3d4e5';

/**
 * An API Gateway REST API event (Lambda proxy integration, payload 1.0, regional endpoint) for an operation's
 * route, called on the stage's execute-api URL: header names as the client sent them, the stage in
 * requestContext.path.
 */
export function restApiEvent(
  operation: HttpOperationName,
  body: unknown,
  headers: Record<string, string> = {},
  sourceIp = '198.51.100.23',
): Record<string, unknown> {
  const { method, path: routePath } = OPERATIONS[operation].route;
  const { region } = inject('packaged');
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const domainName = `${API_ID}.execute-api.${region}.amazonaws.com`;
  const now = new Date();
  const sent: Record<string, string> = {
    Accept: 'application/json',
    'Content-Type': 'application/json',
    Host: domainName,
    'User-Agent': 'verigate-artifact-test',
    'X-Amzn-Trace-Id': `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomUUID().replaceAll('-', '').slice(0, 24)}`,
    'X-Forwarded-For': sourceIp,
    'X-Forwarded-Port': '443',
    'X-Forwarded-Proto': 'https',
    ...headers,
  };
  return {
    resource: routePath,
    path: routePath,
    httpMethod: method,
    headers: sent,
    multiValueHeaders: Object.fromEntries(Object.entries(sent).map(([k, v]) => [k, [v]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      resourceId: 'abc123',
      resourcePath: routePath,
      httpMethod: method,
      extendedRequestId: randomUUID(),
      requestTime: now.toUTCString(),
      path: `/${PACKAGE_STAGE}${routePath}`,
      accountId: '000000000000',
      protocol: 'HTTP/1.1',
      stage: PACKAGE_STAGE,
      domainPrefix: API_ID,
      requestTimeEpoch: now.getTime(),
      requestId: randomUUID(),
      identity: { sourceIp, userAgent: 'verigate-artifact-test', accessKey: null, accountId: null, caller: null, user: null, userArn: null },
      domainName,
      apiId: API_ID,
    },
    body: text,
    isBase64Encoded: false,
  };
}

/** An SQS event source mapping batch. */
export function sqsBatch(queue: string, messages: Array<{ messageId: string; body: string }>, region = inject('packaged').region) {
  return {
    Records: messages.map(({ messageId, body }) => ({
      messageId,
      receiptHandle: `AQEB${messageId}`,
      body,
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: String(Date.now()),
        SenderId: 'AIDAARTIFACTTEST',
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: `arn:aws:sqs:${region}:000000000000:${queue}`,
      awsRegion: region,
    })),
  };
}

/** An EventBridge event as a rule target receives it. */
export function eventBridgeEvent(detailType: string, detail: Record<string, unknown>, id = randomUUID()) {
  const region = inject('packaged').region;
  return {
    version: '0',
    id,
    'detail-type': detailType,
    source: 'verigate.customers',
    account: '000000000000',
    time: new Date().toISOString(),
    region,
    resources: [],
    detail,
  };
}
