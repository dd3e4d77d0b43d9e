// `npm start`: DynamoDB Local + serverless-offline (stage `local`), stopped together on Ctrl-C.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { LOCAL_PARTNER_DEFAULTS } from '../shared/local-defaults.js';
import {
  assertPortFree,
  checkJava,
  createTable,
  ensureDynamoDbLocalJar,
  OutputTail,
  PortInUseError,
  repoRoot,
  spawnGroup,
  startDynamoDbLocal,
  waitForHttp,
  type ChildGroup,
  type DynamoDbLocal,
} from './dynamodb-local.js';

const STAGE = 'local';
const TABLE_NAME = `verigate-${STAGE}`;
const FUNCTIONS = ['checkIdentity', 'sendVerificationCode', 'verifyVerificationCode', 'registerCustomer', 'deregisterCustomer'];
const ROUTES = [
  '/v2/partners/sub-customers/users/check-identity',
  '/v1/usg/acs/verifycode/send',
  '/v1/usg/dcs/member/verification-code/verify',
];
const OFFLINE_START_TIMEOUT_MS = 180_000;

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) fail(`${name}=${raw} is not a valid port.`);
  return port;
}

function fail(message: string): never {
  console.error(`\nnpm start: ${message}`);
  process.exit(1);
}

async function requireFreePort(port: number, envName: string, what: string): Promise<void> {
  try {
    await assertPortFree(port);
  } catch (error) {
    if (error instanceof PortInUseError) {
      fail(
        `port ${port} (${what}) is already in use — is another \`npm start\` running? Stop it, or choose another port with ${envName}=<port>.`,
      );
    }
    throw error;
  }
}

const dynamoPort = portFromEnv('DYNAMODB_PORT', 8000);
const httpPort = portFromEnv('PORT', 3000);
const lambdaPort = portFromEnv('LAMBDA_PORT', 3002);

let dynamo: DynamoDbLocal | undefined;
let offline: ChildGroup | undefined;
let shuttingDown = false;

async function shutdown(code: number): Promise<never> {
  if (shuttingDown) {
    // Second Ctrl-C: don't wait for a graceful stop (the process-exit hooks SIGKILL both groups).
    process.exit(code);
  }
  shuttingDown = true;
  await Promise.allSettled([offline?.stop(), dynamo?.stop()]);
  process.exit(code);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (!shuttingDown) console.log(`\n${signal}: stopping serverless-offline and DynamoDB Local ...`);
    void shutdown(0);
  });
}

try {
  await checkJava();
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}

await requireFreePort(dynamoPort, 'DYNAMODB_PORT', 'DynamoDB Local');
await requireFreePort(httpPort, 'PORT', 'HTTP API');
await requireFreePort(lambdaPort, 'LAMBDA_PORT', 'Lambda invoke endpoint');
await ensureDynamoDbLocalJar();

try {
  dynamo = await startDynamoDbLocal({ port: dynamoPort });
} catch (error) {
  if (error instanceof PortInUseError) await requireFreePort(dynamoPort, 'DYNAMODB_PORT', 'DynamoDB Local');
  fail(error instanceof Error ? error.message : String(error));
}
if (shuttingDown) await shutdown(0);
void dynamo.exited.then((code) => {
  if (shuttingDown) return;
  console.error(`\nnpm start: DynamoDB Local exited unexpectedly (${code}); stopping serverless-offline.`);
  void shutdown(1);
});

try {
  await createTable({ endpoint: dynamo.endpoint, tableName: TABLE_NAME });
} catch (error) {
  console.error(`\nnpm start: could not create table ${TABLE_NAME}: ${error instanceof Error ? error.message : String(error)}`);
  await shutdown(1);
}

const outboxPath = path.join(repoRoot, '.data', 'outbox.jsonl');
await mkdir(path.dirname(outboxPath), { recursive: true });

const offlineTail = new OutputTail();
offline = spawnGroup(path.join(repoRoot, 'node_modules', '.bin', 'osls'), ['offline', 'start', '--stage', STAGE], {
  cwd: repoRoot,
  // The user's environment passes through (LOCAL_PARTNER_AK/SK, LOG_LEVEL, ...); ours wins for the wiring.
  env: {
    ...process.env,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    PORT: String(httpPort),
    LAMBDA_PORT: String(lambdaPort),
    OUTBOX_PATH: outboxPath,
  },
});
offline.child.stdout?.on('data', (chunk: Buffer) => {
  offlineTail.push(chunk);
  process.stdout.write(chunk);
});
offline.child.stderr?.on('data', (chunk: Buffer) => {
  offlineTail.push(chunk);
  process.stderr.write(chunk);
});
let offlineExit: number | string | undefined;
void offline.exited.then((code) => {
  offlineExit = code;
  if (shuttingDown) return;
  console.error(`\nnpm start: serverless-offline exited unexpectedly (${code}); stopping DynamoDB Local.`);
  void shutdown(1);
});

const apiUrl = `http://127.0.0.1:${httpPort}`;
try {
  await waitForHttp(apiUrl, OFFLINE_START_TIMEOUT_MS, () =>
    offlineExit === undefined ? undefined : `serverless-offline exited (${offlineExit}) before listening`,
  );
} catch (error) {
  if (!shuttingDown) {
    console.error(`\nnpm start: ${error instanceof Error ? error.message : String(error)}\n${offlineTail}`);
    await shutdown(1);
  }
}

if (!shuttingDown) {
  const accessKey = process.env.LOCAL_PARTNER_AK || LOCAL_PARTNER_DEFAULTS.accessKey;
  const secretKey = process.env.LOCAL_PARTNER_SK || LOCAL_PARTNER_DEFAULTS.secretKey;
  const lines = [
    '',
    `verigate ready (stage ${STAGE})`,
    `  HTTP API         ${apiUrl}`,
    ...ROUTES.map((route) => `    POST ${apiUrl}${route}`),
    `  Lambda invoke    http://127.0.0.1:${lambdaPort}  (function names: ${FUNCTIONS.map((f) => `verigate-${STAGE}-${f}`).join(', ')})`,
    `  DynamoDB Local   ${dynamo.endpoint}  (table ${TABLE_NAME}, in memory)`,
    `  Partner AK       ${accessKey}`,
    `  Partner SK       ${secretKey}`,
    '  Tokens           npm run --silent token -- partner [--role ROLE]',
    '                   npm run --silent token -- app',
    '                   npm run --silent token -- captcha <user>',
    `  Outbox (SMS and e-mail are written here, one JSON per line)  ${outboxPath}`,
    '  Ctrl-C stops everything.',
    '',
  ];
  console.log(lines.join('\n'));
}
