// `npm start`: DynamoDB Local + serverless-offline (stage `local`), stopped together on Ctrl-C.
import path from 'node:path';
import { startDynamoDbLocal, type DynamoDbLocal } from '../dev/emulator.js';
import { OFFLINE_STAGE, OFFLINE_TABLE, startOffline, type Offline } from '../dev/offline.js';
import { repoRoot } from '../dev/paths.js';
import { assertPortFree, PortInUseError } from '../dev/processes.js';
import { startPartnerPage } from '../examples/partner-page/server.js';
import { startDocsServer } from '../openapi/docs-server.js';
import { loadConfig } from '../shared/config.js';
import { LOCAL_PARTNER_DEFAULTS } from '../shared/local-defaults.js';
import { eventsFileOf } from '../shared/events/publisher.js';
import { receiptsFileOf } from '../shared/notify/outbox.js';
import { functionName, HTTP_OPERATIONS, OPERATIONS, type OperationName } from '../shared/operations.js';

function fail(message: string): never {
  console.error(`\nnpm start: ${message}`);
  process.exit(1);
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) fail(`${name}=${raw} is not a valid port.`);
  return port;
}

const ports = {
  dynamo: { port: portFromEnv('DYNAMODB_PORT', 8000), envName: 'DYNAMODB_PORT', what: 'DynamoDB Local' },
  http: { port: portFromEnv('PORT', 3000), envName: 'PORT', what: 'the API' },
  lambda: { port: portFromEnv('LAMBDA_PORT', 3002), envName: 'LAMBDA_PORT', what: 'Lambda invoke endpoint' },
  // For partner developers (docs/api.md): the reference page (an origin the local stage's CORS allows) and the API docs.
  page: { port: portFromEnv('PAGE_PORT', 3001), envName: 'PAGE_PORT', what: 'reference partner page' },
  docs: { port: portFromEnv('DOCS_PORT', 3003), envName: 'DOCS_PORT', what: 'API docs' },
};

async function requireFreePort({ port, envName, what }: (typeof ports)[keyof typeof ports]): Promise<void> {
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

let dynamo: DynamoDbLocal | undefined;
let offline: Offline | undefined;
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

/** Stops everything when a process we started dies on its own. */
function stopAllWhenItExits(what: string, exited: Promise<number | string>, other: string): void {
  void exited.then((code) => {
    if (shuttingDown) return;
    console.error(`\nnpm start: ${what} exited unexpectedly (${code}); stopping ${other}.`);
    void shutdown(1);
  });
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (!shuttingDown) console.log(`\n${signal}: stopping serverless-offline and DynamoDB Local ...`);
    void shutdown(0);
  });
}

for (const p of Object.values(ports)) await requireFreePort(p);

try {
  dynamo = await startDynamoDbLocal({ port: ports.dynamo.port });
} catch (error) {
  if (error instanceof PortInUseError) await requireFreePort(ports.dynamo);
  fail(errorText(error));
}
if (shuttingDown) await shutdown(0);
stopAllWhenItExits('DynamoDB Local', dynamo.exited, 'serverless-offline');

const outboxPath = path.join(repoRoot, '.data', 'outbox.jsonl');
try {
  offline = await startOffline({
    dynamodbEndpoint: dynamo.endpoint,
    httpPort: ports.http.port,
    lambdaPort: ports.lambda.port,
    outboxPath,
    watch: true,
    echo: true,
  });
  // Until it is ready, a failure (exit or timeout) is `ready`'s to report, with its last output.
  await offline.ready;
  stopAllWhenItExits('serverless-offline', offline.exited, 'DynamoDB Local');
} catch (error) {
  if (!shuttingDown) {
    console.error(`\nnpm start: ${errorText(error)}`);
    await shutdown(1);
  }
}

if (!shuttingDown && offline) {
  const { apiUrl, lambdaEndpoint } = offline;
  const accessKey = process.env.LOCAL_PARTNER_AK || LOCAL_PARTNER_DEFAULTS.accessKey;
  const secretKey = process.env.LOCAL_PARTNER_SK || LOCAL_PARTNER_DEFAULTS.secretKey;

  // For partner developers: the docs and the reference page, in this process (they stop with it).
  let partnerUrls: string[] = [];
  try {
    const docs = await startDocsServer({ port: ports.docs.port, apiUrl });
    const page = await startPartnerPage({
      port: ports.page.port,
      apiUrl,
      lambdaEndpoint,
      config: loadConfig({ STAGE: OFFLINE_STAGE, ...process.env }),
      partnerKey: { accessKey, secretKey },
    });
    partnerUrls = [
      `  API docs         ${docs.url}  (OpenAPI: ${docs.url}/openapi.json, customer events: ${docs.url}/customer-events.schema.json)`,
      `  Partner page     ${page.url}  (reference onboarding page; its backend signs with the AK/SK below)`,
    ];
  } catch (error) {
    console.error(`\nnpm start: the docs or the reference page did not start: ${errorText(error)}`);
    await shutdown(1);
  }
  const functionNames = (Object.keys(OPERATIONS) as OperationName[]).map((name) => functionName(OFFLINE_STAGE, name));
  const lines = [
    '',
    `verigate ready (stage ${OFFLINE_STAGE})`,
    `  API              ${apiUrl}`,
    ...HTTP_OPERATIONS.map(({ route }) => `    ${route.method} ${apiUrl}${route.path}`),
    `  Lambda invoke    ${lambdaEndpoint}  (function names: ${functionNames.join(', ')})`,
    `  DynamoDB Local   ${dynamo.endpoint}  (table ${OFFLINE_TABLE}, in memory)`,
    `  Partner AK       ${accessKey}`,
    `  Partner SK       ${secretKey}`,
    ...partnerUrls,
    '  Tokens           npm run --silent token -- partner [--role ROLE]',
    '                   npm run --silent token -- app',
    '                   npm run --silent token -- captcha <user>',
    `  Outbox (SMS, voice calls and e-mail are written here, one JSON per line)  ${outboxPath}`,
    '                   (by deliverCode, fed the table stream every 100 ms: just after send answers)',
    `  Receipts         ${receiptsFileOf(outboxPath)}  (what AWS's simulators would report: HK +85257048854 fails,`,
    '                   bounce@ / complaint@simulator.amazonses.com suppress; recordReceipt reads them every 100 ms)',
    `  Events           ${eventsFileOf(outboxPath)}  (CodeSent, CodeDelivered, CodeDeliveryFailed, CodeVerified,`,
    '                   VerificationLocked: one JSON per line, by publishLifecycleEvents from the table stream)',
    '  Ctrl-C stops everything.',
    '',
  ];
  console.log(lines.join('\n'));
}
