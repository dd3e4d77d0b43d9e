// @ts-check
// serverless.yml's `functions`, one per operation of shared/operations.ts: its handler, its own role
// (infra/roles.cjs), its trigger as an event (a REST API method with a Lambda proxy integration, payload 1.0,
// its customer-event queue, the table's stream, or the receipts topic), its own settings, and its timeout and
// reserved concurrency where it declares them.
'use strict';

const { allowedOrigins, cors, operations, envVariable, receiptInvokeRetries, roleLogicalId, stageParam } = require('./operations.cjs');
const { queueEvent } = require('./events.cjs');
const { lifecycleBus } = require('./lifecycle.cjs');
const { streamEvent } = require('./streams.cjs');
const { receiptsEvent, receiptsOnFailure } = require('./receipts.cjs');

/**
 * The local stage only: the developer's overrides of the function's own secrets (CAPTCHA_SECRET, ...;
 * '' = unset, the documented default applies). No other stage reads the deploying shell, so nothing
 * secret from it reaches another stage's template: there each function reads its SecureString
 * parameters at cold start (shared/config.ts).
 */
async function localSecretVariables(operation, resolveVariable) {
  const entries = await Promise.all(
    operation.secrets.map(async (name) => [envVariable(name), await resolveVariable(`env:${envVariable(name)}, ''`)]),
  );
  return Object.fromEntries(entries);
}

/** The settings only this function reads, from their stage parameters; an unset (null) one is left out. */
async function ownSettings(operation, resolveVariable) {
  const entries = await Promise.all(
    Object.entries(operation.environment ?? {}).map(async ([variable, param]) => [variable, await resolveVariable(`param:${param}, null`)]),
  );
  return Object.fromEntries(entries.filter(([, value]) => value !== null && value !== undefined));
}

/**
 * A REST API method for the route. With allowed origins, the path also gets an OPTIONS method (a mock
 * integration) that answers browsers' preflights for them; without any, it gets none and browsers are refused.
 */
function httpEvent(operation, origins) {
  const http = { method: operation.route.method.toLowerCase(), path: operation.route.path, integration: 'lambda-proxy' };
  if (origins.length)
    http.cors = { origins, headers: [...cors.CORS_REQUEST_HEADERS], maxAge: cors.CORS_MAX_AGE_SECONDS, allowCredentials: false };
  return { http };
}

async function eventsOf(operation, resolveVariable, origins) {
  switch (operation.trigger) {
    case 'topic':
      return [receiptsEvent(await resolveVariable('sls:stage'))];
    case 'http':
      return [httpEvent(operation, origins)];
    case 'event':
      return [queueEvent(operation.name)];
    case 'stream': {
      const param = (name, fallback) => stageParam(resolveVariable, `${operation.stageParams}${name}`, fallback, { integer: true });
      return [
        streamEvent(operation.name, {
          retries: await param('StreamRetries', undefined),
          batchSize: await param('BatchSize', operation.stream.batchSize),
          parallelizationFactor: await param('ParallelizationFactor', operation.stream.parallelizationFactor),
        }),
      ];
    }
    default:
      throw new Error(`infra/functions.cjs: ${operation.name} has an unknown trigger ${operation.trigger}`);
  }
}

async function functions({ resolveVariable }) {
  const local = (await resolveVariable('sls:stage')) === 'local';
  const origins = await allowedOrigins(resolveVariable);
  const entries = await Promise.all(
    operations.map(async (o) => {
      /** @type {Record<string, unknown>} */
      const fn = { handler: o.handler, role: roleLogicalId(o.name) };
      if (o.timeoutMs) fn.timeout = o.timeoutMs / 1000;
      if (o.reservedConcurrency)
        fn.reservedConcurrency = await stageParam(resolveVariable, `${o.stageParams}ReservedConcurrency`, o.reservedConcurrency, {
          integer: true,
        });
      const environment = {
        ...(local ? await localSecretVariables(o, resolveVariable) : {}),
        ...(await ownSettings(o, resolveVariable)),
        // What the answers grant browsers: the same origins as the preflights.
        ...(o.trigger === 'http' ? { CORS_ALLOWED_ORIGINS: origins.join(',') } : {}),
        // The bus it puts the lifecycle events on (infra/lifecycle.cjs).
        ...(o.publishesLifecycle ? { EVENT_BUS_NAME: (await lifecycleBus(resolveVariable)).name } : {}),
      };
      if (Object.keys(environment).length) fn.environment = environment;
      fn.events = await eventsOf(o, resolveVariable, origins);
      if (o.trigger === 'topic') {
        // Invoked asynchronously by the topic: a failed event is retried, then described in its on-failure queue.
        fn.maximumRetryAttempts = receiptInvokeRetries;
        fn.destinations = receiptsOnFailure();
      }
      return [o.name, fn];
    }),
  );
  return Object.fromEntries(entries);
}

module.exports = functions;
