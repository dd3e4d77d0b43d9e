// Runs a packaged Lambda handler the way the Node.js managed runtime does, in this (fresh) process:
//   <node> dev/invoke-handler.mjs <task root> <handler, e.g. functions/check-identity.handler> <timeout ms>
// with the function's environment, cwd = task root, and a JSON array of events on stdin. Each event is
// one invocation, in order (the first cold, the rest warm; an empty array only imports, for cold-start
// timing). The report goes to fd 3 as one JSON object, so the function's own stdout/stderr (logs, EMF
// metrics) stay apart:
//   { node, importMs, invocations: [{ ok: true, result, ms } | { ok: false, error: { name, message }, ms }] }
// Plain JavaScript on purpose: it runs on the target Node with nothing else installed.
import { randomUUID } from 'node:crypto';
import { existsSync, writeSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [taskRoot, handlerSpec, timeoutArg] = process.argv.slice(2);
if (!taskRoot || !handlerSpec || !timeoutArg) {
  console.error('usage: invoke-handler.mjs <task root> <module.export> <timeout ms>  (events as a JSON array on stdin)');
  process.exit(2);
}
const timeoutMs = Number(timeoutArg);

function report(value) {
  writeSync(3, JSON.stringify(value));
}

const describeError = (error) =>
  error instanceof Error
    ? { name: error.name, message: error.message, stack: error.stack }
    : { name: typeof error, message: String(error) };

// The runtime's resolution: `dir/module.export` → the first of module.js, module.mjs, module.cjs.
const dot = handlerSpec.lastIndexOf('.');
const moduleBase = path.resolve(taskRoot, handlerSpec.slice(0, dot));
const exportName = handlerSpec.slice(dot + 1);
const modulePath = ['.js', '.mjs', '.cjs'].map((ext) => moduleBase + ext).find((p) => existsSync(p));

let input = '';
for await (const chunk of process.stdin) input += chunk;
const events = JSON.parse(input);

const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'function';
const region = process.env.AWS_REGION ?? 'us-east-1';

/** The context fields an async handler can read (Node 24 runtimes no longer take callback-style handlers). */
function lambdaContext(deadline) {
  return {
    functionName,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION ?? '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${functionName}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '128',
    awsRequestId: randomUUID(),
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME ?? `/aws/lambda/${functionName}`,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME ?? 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
}

const importStarted = performance.now();
let handler;
try {
  if (!modulePath)
    throw Object.assign(new Error(`Cannot find module '${handlerSpec.slice(0, dot)}'`), { name: 'Runtime.ImportModuleError' });
  handler = (await import(pathToFileURL(modulePath).href))[exportName];
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${handlerSpec} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' });
  }
} catch (error) {
  report({ node: process.version, importMs: performance.now() - importStarted, initError: describeError(error), invocations: [] });
  process.exit(1);
}
const importMs = performance.now() - importStarted;

const invocations = [];
for (const event of events) {
  const started = performance.now();
  const deadline = Date.now() + timeoutMs;
  let timer;
  // Lambda ends an invocation at the function timeout whatever the handler is doing.
  const timedOut = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ timedOut: true }), timeoutMs);
  });
  try {
    const outcome = await Promise.race([Promise.resolve(handler(event, lambdaContext(deadline))).then((result) => ({ result })), timedOut]);
    if ('timedOut' in outcome) {
      invocations.push({
        ok: false,
        error: { name: 'Sandbox.Timedout', message: `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds` },
        ms: performance.now() - started,
      });
      break;
    }
    // What the caller receives is the JSON serialization of the result.
    invocations.push({
      ok: true,
      result: outcome.result === undefined ? null : JSON.parse(JSON.stringify(outcome.result)),
      ms: performance.now() - started,
    });
  } catch (error) {
    invocations.push({ ok: false, error: describeError(error), ms: performance.now() - started });
  } finally {
    clearTimeout(timer);
  }
}
report({ node: process.version, importMs, invocations });
// Lambda freezes the sandbox after the response; here the process ends (open sockets of keep-alive agents included).
process.exit(0);
