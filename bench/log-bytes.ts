// CloudWatch Logs bytes per request, measured: what each function prints per call at the deployed log
// level (bench/log-bytes-child.ts, a process of its own so the logger and metrics are set up as in AWS),
// the lines Lambda adds to every invocation (START, END, REPORT, in its documented text format), and the
// API stage's access log line, rendered from the format in the packaged template with the call's values.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { OPERATIONS, type OperationName } from '../shared/operations.js';
import { COST_STAGE, type Deployment } from './deployment.js';

export interface LogMeasurement {
  scenario: string;
  operation: OperationName;
  /** What the function itself printed per call (bytes, lines). */
  bytesPerCall: number;
  linesPerCall: number;
  /** The answer's body, bytes (the access log's responseLength). */
  responseBytes: number;
  /** The lines of the last call, as printed. */
  sample: string[];
}

/** Runs the child against `endpoint`; returns what each scenario's calls printed. */
export async function measureFunctionLogs(
  endpoint: string,
  deployment: Deployment,
  iterations: number,
  workDir: string,
): Promise<LogMeasurement[]> {
  const out = path.join(workDir, `log-bytes-${randomUUID()}.json`);
  const levels = new Set(Object.values(deployment.functions).map((f) => f.logLevel));
  if (levels.size !== 1)
    throw new Error(`functions log at different levels (${[...levels].join(', ')}): the measurement runs them in one process`);
  const env = deployment.functions.sendVerificationCode.environment;
  const child = spawn(process.execPath, [...process.execArgv, path.join(import.meta.dirname, 'log-bytes-child.ts')], {
    stdio: 'ignore',
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TMPDIR: process.env.TMPDIR,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      LOG_LEVEL: [...levels][0],
      ...Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('POWERTOOLS_'))),
      BENCH_LOG_ENDPOINT: endpoint,
      BENCH_LOG_OUT: out,
      BENCH_LOG_ITERATIONS: String(iterations),
      BENCH_LOG_STAGE: COST_STAGE,
      BENCH_LOG_MEMORY: JSON.stringify(Object.fromEntries(Object.entries(deployment.functions).map(([k, f]) => [k, f.memoryMb]))),
    },
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0 || !existsSync(out)) {
    const why = existsSync(`${out}.error`) ? readFileSync(`${out}.error`, 'utf8') : `exit code ${code}`;
    throw new Error(`the log measurement failed: ${why}`);
  }
  return JSON.parse(readFileSync(out, 'utf8')) as LogMeasurement[];
}

/** START, END and REPORT as Lambda writes them for one invocation (text log format, no init: a warm one). */
export function platformLines(durationMs: number, billedMs: number, memoryMb: number): string[] {
  const id = randomUUID();
  return [
    `START RequestId: ${id} Version: $LATEST`,
    `END RequestId: ${id}`,
    `REPORT RequestId: ${id}\tDuration: ${durationMs.toFixed(2)} ms\tBilled Duration: ${billedMs} ms\tMemory Size: ${memoryMb} MB\tMax Memory Used: 112 MB\t`,
  ];
}

/**
 * A typical caller's User-Agent: a phone's browser on the public routes, a partner's server-side HTTP
 * client on check-identity (assumptions: they are what the access log spends most of a line on).
 */
const USER_AGENT = {
  browser:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  partner: 'Apache-HttpClient/4.5.14 (Java/17.0.12)',
};

/** Variables API Gateway prints as `-` on a request that succeeded: errors, and WAF's fields when it let the request through. */
const EMPTY_ON_SUCCESS = /^(integration\.error|integrationErrorMessage|error\.|waf\.|authorizer\.|authenticate\.|authorize\.)/;

interface Call {
  operation: OperationName;
  status: number;
  responseBytes: number;
  latencyMs: number;
  integrationMs: number;
}

/** The values of the $context variables for one call to an HTTP operation. */
function contextValues(api: 'rest' | 'http', o: Call): Record<string, string> {
  const op = OPERATIONS[o.operation];
  const route = op.trigger === 'http' ? op.route : { method: 'POST', path: '/' };
  const now = new Date();
  const month = now.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  return {
    // An HTTP API's request id is 16 characters; a REST API's a UUID.
    requestId: api === 'rest' ? randomUUID() : 'Jr2vQh1VSQ0EM2A=',
    extendedRequestId: 'Jr2vQh1VSQ0EM2A=',
    'integration.requestId': randomUUID(),
    awsEndpointRequestId: randomUUID(),
    'identity.sourceIp': '203.0.113.195',
    'identity.userAgent': op.auth === 'partner' ? USER_AGENT.partner : USER_AGENT.browser,
    requestTime: `${String(now.getUTCDate()).padStart(2, '0')}/${month}/${now.getUTCFullYear()}:${now.toISOString().slice(11, 19)} +0000`,
    requestTimeEpoch: String(now.getTime()),
    httpMethod: route.method,
    routeKey: `${route.method} ${route.path}`,
    resourcePath: route.path,
    path: api === 'rest' ? `/${COST_STAGE}${route.path}` : route.path,
    stage: api === 'rest' ? COST_STAGE : '$default',
    protocol: 'HTTP/1.1',
    status: String(o.status),
    responseLength: String(o.responseBytes),
    responseLatency: String(Math.round(o.latencyMs)),
    'integration.status': '200',
    'integration.integrationStatus': '200',
    integrationStatus: '200',
    'integration.latency': String(Math.round(o.integrationMs)),
    integrationLatency: String(Math.round(o.integrationMs)),
  };
}

const VARIABLE = /\$context\.([A-Za-z0-9_.]+)/g;

/** The access log line of one call, rendered from the stage's format; a variable without a value prints `-`, as API Gateway does. */
export function accessLogLine(format: string, api: 'rest' | 'http', o: Call): string {
  const values = contextValues(api, o);
  return format.replace(VARIABLE, (_, name: string) => values[name] ?? '-');
}

/** The format's variables this renderer has no value for and that are not empty on success: printed `-`, perhaps shorter than in AWS. */
export function unrenderedVariables(format: string, api: 'rest' | 'http'): string[] {
  const values = contextValues(api, { operation: 'checkIdentity', status: 200, responseBytes: 0, latencyMs: 0, integrationMs: 0 });
  return [...format.matchAll(VARIABLE)].map((m) => m[1]!).filter((name) => values[name] === undefined && !EMPTY_ON_SUCCESS.test(name));
}
