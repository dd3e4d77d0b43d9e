// @ts-check
// The declaration of the operations (shared/operations.ts) and the secrets' names (shared/secrets/catalog.ts)
// as the template generators in infra/ read them. osls loads those generators with require, so the
// TypeScript modules are loaded through tsx's require API (tsx is a devDependency, as osls is): the
// template is built from the very tables the code and the tests read, never from a copy.
'use strict';

const path = require('node:path');
const { require: tsxRequire } = require('tsx/cjs/api');
const { upperFirst } = require('./cfn.cjs');

/** @param {string} file a module of the service, from its root */
const load = (file) => tsxRequire(path.join(__dirname, '..', file), __filename);

/** @type {typeof import('../shared/operations.js')} */
const declaration = load('shared/operations.ts');
/** @type {typeof import('../shared/secrets/catalog.js')} */
const catalog = load('shared/secrets/catalog.ts');
/** @type {typeof import('../shared/channels.js')} */
const channels = load('shared/channels.ts');
/** @type {typeof import('../shared/request/cors.js')} */
const cors = load('shared/request/cors.ts');
/** @type {typeof import('../shared/errors.js')} */
const errors = load('shared/errors.ts');
/** @type {typeof import('../shared/notify/receipts.js')} */
const receipts = load('shared/notify/receipts.ts');
/** @type {typeof import('../shared/notify/origination.js')} */
const origination = load('shared/notify/origination.ts');
/** @type {typeof import('../shared/policy.js')} */
const policy = load('shared/policy.ts');
/** @type {typeof import('../shared/config.js')} */
const config = load('shared/config.ts');
/** @type {typeof import('../shared/events/lifecycle.js')} */
const lifecycle = load('shared/events/lifecycle.ts');
/** @type {typeof import('../shared/observability.js')} */
const observability = load('shared/observability.ts');

const { OPERATIONS, DEPLOYMENT, EDGE, keyPrefix } = declaration;

/** Every operation as one object: what it is (OPERATIONS) and how it is deployed (DEPLOYMENT). */
const operations = Object.keys(OPERATIONS).map((name) => ({ ...OPERATIONS[name], ...DEPLOYMENT[name] }));
const byTrigger = (trigger) => operations.filter((o) => o.trigger === trigger);

/**
 * A stage parameter's value (`--param="sendRateLimit=10"`), else `fallback`: the operation's declared
 * default (without one, serverless.yml's params give it).
 * @param {(variable: string) => Promise<unknown>} resolveVariable
 * @param {string} name
 * @param {number | undefined} fallback
 * @param {{ integer?: boolean }} [o]
 */
async function stageParam(resolveVariable, name, fallback, o = {}) {
  const value = Number(await resolveVariable(fallback === undefined ? `param:${name}` : `param:${name}, ${fallback}`));
  if (!(value > 0) || (o.integer && !Number.isInteger(value)))
    throw new Error(`infra/operations.cjs: param ${name} must be a positive ${o.integer ? 'integer' : 'number'}`);
  return value;
}

/**
 * The stage's allowed browser origins (param corsAllowedOrigins: a list, or one comma-separated string from
 * --param), checked as the functions check their CORS_ALLOWED_ORIGINS.
 * @param {(variable: string) => Promise<unknown>} resolveVariable
 * @returns {Promise<string[]>}
 */
async function allowedOrigins(resolveVariable) {
  const problems = [];
  const origins = cors.parseAllowedOrigins(/** @type {any} */ (await resolveVariable('param:corsAllowedOrigins, null')), problems);
  if (problems.length) throw new Error(`param corsAllowedOrigins: ${problems.join('; ')}`);
  return origins;
}

/** The logical id of a function's IAM role (`checkIdentity` → `CheckIdentityRole`). */
const roleLogicalId = (fn) => `${upperFirst(fn)}Role`;

module.exports = {
  operations,
  httpOperations: byTrigger('http'),
  eventOperations: byTrigger('event'),
  streamOperations: byTrigger('stream'),
  topicOperations: byTrigger('topic'),
  keyPrefix,
  stageParam,
  allowedOrigins,
  EDGE,
  cors,
  errors,
  roleLogicalId,
  envVariable: catalog.envVariable,
  parameterName: catalog.parameterName,
  /** The receipts' event types each configuration set sends to the receipts topic (shared/notify/receipts.ts). */
  smsVoiceReceiptEvents: receipts.SMS_VOICE_RECEIPT_EVENTS,
  sesReceiptEvents: receipts.SES_RECEIPT_EVENTS,
  /** Origination identities as deliverCode reads them, and the ARNs IAM knows them by (shared/notify/origination.ts). */
  /** @param {string} name @param {string | undefined} value @param {string[]} problems */
  parseOriginationIdentities: (name, value, problems) =>
    origination.parseOriginationIdentities(name, value, (c) => config.COUNTRY_CODES.has(c), problems),
  identityArn: origination.identityArn,
  receiptInvokeRetries: policy.RECEIPT_INVOKE_RETRIES,
  /** The lifecycle events' source and detail-types (shared/events/lifecycle.ts). */
  lifecycleEventSource: lifecycle.LIFECYCLE_EVENT_SOURCE,
  lifecycleDetailTypes: lifecycle.LIFECYCLE_DETAIL_TYPES,
  /** The service's metrics as the code emits them (shared/observability.ts): the dashboard and alarms name these. */
  serviceNamespace: 'verigate',
  funnelDimensions: observability.FUNNEL_DIMENSIONS,
  noCountry: observability.NO_COUNTRY,
  /** The SMS country allow-list as the functions read it (SMS_COUNTRY_ALLOWLIST), for the per-country widgets and alarms. */
  /** @param {string | undefined} value */
  allowedCountries: (value) => {
    const countries =
      value === undefined || value === '' ? [...policy.DEFAULT_SMS_COUNTRY_ALLOWLIST] : value.split(',').map((c) => c.trim().toUpperCase());
    const unknown = countries.filter((c) => !config.COUNTRY_CODES.has(c));
    if (unknown.length) throw new Error(`param smsCountryAllowlist: not ISO 3166 alpha-2 country codes: ${unknown.join(', ')}`);
    return countries;
  },
  channelNames: channels.CHANNEL_NAMES,
  channels: channels.CHANNELS,
  verifyFailureCap: policy.VERIFY_FAILURES_PER_DESTINATION,
};
