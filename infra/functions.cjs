// @ts-check
// serverless.yml's `functions`, one per operation of shared/operations.ts: its handler, its own role
// (infra/roles.cjs), its trigger as an event (an HTTP API route, its customer-event queue, the table's
// stream, or the receipts topic), its own settings, and its timeout and reserved concurrency where it declares them.
'use strict';

const { operations, envVariable, receiptInvokeRetries, roleLogicalId, stageParam } = require('./operations.cjs');
const { queueEvent } = require('./events.cjs');
const { streamEvent } = require('./delivery.cjs');
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

async function eventsOf(operation, resolveVariable) {
  switch (operation.trigger) {
    case 'topic':
      return [receiptsEvent(await resolveVariable('sls:stage'))];
    case 'http':
      return [{ httpApi: { method: operation.route.method, path: operation.route.path } }];
    case 'event':
      return [queueEvent(operation.name)];
    case 'stream':
      return [streamEvent(await stageParam(resolveVariable, 'deliveryStreamRetries', undefined, { integer: true }))];
    default:
      throw new Error(`infra/functions.cjs: ${operation.name} has an unknown trigger ${operation.trigger}`);
  }
}

async function functions({ resolveVariable }) {
  const local = (await resolveVariable('sls:stage')) === 'local';
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
      };
      if (Object.keys(environment).length) fn.environment = environment;
      fn.events = await eventsOf(o, resolveVariable);
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
