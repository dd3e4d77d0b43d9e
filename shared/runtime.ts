import { loadFunctionConfig, type Config, type ConfigWith, type SecretLoadOptions, type Settings } from './config.js';
import { JWT_AUDIENCES } from './local-defaults.js';
import { OPERATIONS, type OperationName } from './operations.js';
import { createTokenVerifier } from './auth/jwt.js';
import { partnerAuthenticator } from './auth/partner.js';
import { createDb, type Db } from './store/client.js';
import { createAuditLog } from './store/audit.js';
import { createRegistry } from './store/registry.js';
import { createAccessKeyLockouts, type AccessKeyLockouts } from './store/access-key-lockouts.js';
import { createCodeSends, type CodeSends } from './store/code-sends.js';
import { createDeliveryRequests, type DeliveryRequests } from './store/delivery-requests.js';
import { createSuppressions } from './store/suppressions.js';
import { createVerifyAttempts } from './store/verify-attempts.js';
import { createPartnerKeys, type PartnerKeys } from './store/partner-keys.js';
import { createPartnerRate } from './store/partner-rate.js';
import { createCountryBudget } from './store/country-budget.js';
import { appAuthenticator } from './auth/app.js';
import { createCaptchaVerifier } from './auth/captcha/index.js';

/**
 * The composition root. Each function builds only the parts it uses, from a configuration holding only
 * the secrets its operation declares (shared/operations.ts), loaded at cold start by the handler module's
 * top-level `await`, so a bad configuration fails the cold start loudly. createRuntime builds every part
 * at once for tests, the bench and tools.
 */
export type FunctionConfig<F extends OperationName> = ConfigWith<(typeof OPERATIONS)[F]['secrets'][number]>;

export interface RuntimeOptions {
  db?: Db;
  clock?: () => Date;
}

/** What every function has: its configuration, the table client, the clock and the audit log. */
export function coreRuntime<C extends Settings>(config: C, options: RuntimeOptions = {}) {
  const db =
    options.db ??
    createDb({
      region: config.region,
      endpoint: config.dynamodbEndpoint,
      requestTimeoutMs: config.ddbRequestTimeoutMs,
      connectTimeoutMs: config.ddbConnectTimeoutMs,
    });
  return {
    config,
    db,
    clock: options.clock ?? (() => new Date()),
    audit: createAuditLog(db, config.tableName, config.auditRetentionDays),
  };
}

export type CoreRuntime<C extends Settings = Settings> = ReturnType<typeof coreRuntime<C>>;

export interface LoadOptions extends RuntimeOptions, SecretLoadOptions {
  /** Defaults to process.env. */
  env?: Record<string, string | undefined>;
}

/** Cold start of a function: its configuration with its own secrets only, and its core parts. */
export async function loadCoreRuntime<F extends OperationName>(fn: F, options: LoadOptions = {}): Promise<CoreRuntime<FunctionConfig<F>>> {
  const config = await loadFunctionConfig(options.env ?? process.env, OPERATIONS[fn].secrets, options);
  return coreRuntime(config, options);
}

export const registryOf = (rt: CoreRuntime) => createRegistry(rt.db, rt.config.tableName, rt.config.maxCustomersPerMobile, rt.audit);

/** Code sends; each writes its delivery request, and undoing one withdraws it. */
export const codeSendsOf = (rt: CoreRuntime, deliveryRequests: Pick<DeliveryRequests, 'requestItem' | 'withdraw'>): CodeSends =>
  createCodeSends(rt.db, rt.config.tableName, rt.audit, deliveryRequests);

/** Countries' hourly budgets, spent by sends. */
export const countryBudgetOf = (rt: CoreRuntime) => createCountryBudget(rt.db, rt.config.tableName);

export const verifyAttemptsOf = (rt: CoreRuntime) => createVerifyAttempts(rt.db, rt.config.tableName, rt.audit);

/** Suppressed destinations: read by send, written by deliverCode and recordReceipt. */
export const suppressionsOf = (rt: CoreRuntime) => createSuppressions(rt.db, rt.config.tableName, rt.audit);

/** Delivery requests, sealed under the delivery request key (the secret OUTBOX_KEY). */
export const deliveryRequestsOf = (rt: CoreRuntime<ConfigWith<'outboxKey'>>) =>
  createDeliveryRequests(rt.db, rt.config.tableName, rt.config.outboxKey, rt.audit);

/** Delivery requests as their receipts find them: read, receipted, never sealed nor opened (no key). */
export const receiptedDeliveryRequestsOf = (rt: CoreRuntime) => createDeliveryRequests(rt.db, rt.config.tableName, undefined, rt.audit);

export const captchaOf = (rt: CoreRuntime<ConfigWith<'captchaSecret'>>) =>
  createCaptchaVerifier(rt.config.captcha, { issuer: rt.config.jwtIssuer, maxLifetimeSeconds: rt.config.tokenMaxLifetimeSeconds.captcha });

export const appAuthOf = (rt: CoreRuntime<ConfigWith<'appJwtSecret'>>) =>
  appAuthenticator(createTokenVerifier(rt.config.appTokenKey, rt.config.jwtIssuer, JWT_AUDIENCES.app, rt.config.tokenMaxLifetimeSeconds.app));

export const partnerKeysOf = (rt: CoreRuntime<ConfigWith<'partnerKeyEncryptionKey'>>) =>
  createPartnerKeys(rt.db, rt.config.tableName, rt.config.partnerKeyEncryptionKey, { now: () => rt.clock().getTime() });

export const lockoutsOf = (rt: CoreRuntime) => createAccessKeyLockouts(rt.db, rt.config.tableName);

export const partnerRateOf = (rt: CoreRuntime) => createPartnerRate(rt.db, rt.config.tableName);

export function partnerAuthOf(
  rt: CoreRuntime<ConfigWith<'partnerJwtSecret' | 'partnerKeyEncryptionKey' | 'identityPepper'>>,
  parts: { partnerKeys?: PartnerKeys; lockouts?: AccessKeyLockouts } = {},
) {
  const partnerKeys = parts.partnerKeys ?? partnerKeysOf(rt);
  const local = rt.config.localPartner;
  return partnerAuthenticator({
    verifyToken: createTokenVerifier(rt.config.partnerTokenKey, rt.config.jwtIssuer, JWT_AUDIENCES.partner, rt.config.tokenMaxLifetimeSeconds.partner),
    // The local stage's own pair needs no setup (LOCAL_PARTNER_AK/SK or their defaults); every other
    // access key, in every stage, is one the operator stored with `npm run partner-key`.
    // The store is read for the local pair too, so that a real and an unknown AK cost the same reads.
    secretOf: local
      ? async (accessKey) => {
          const stored = await partnerKeys.secretOf(accessKey);
          return accessKey === local.accessKey ? local.secretKey : stored;
        }
      : partnerKeys.secretOf,
    lockouts: parts.lockouts ?? lockoutsOf(rt),
    sourcePepper: rt.config.identityPepper,
  });
}

/** Every part at once, from a configuration holding every secret: tests, the bench and tools. */
export function createRuntime(config: Config, options: RuntimeOptions = {}) {
  const core = coreRuntime(config, options);
  const lockouts = lockoutsOf(core);
  const partnerKeys = partnerKeysOf(core);
  const deliveryRequests = deliveryRequestsOf(core);
  return {
    ...core,
    registry: registryOf(core),
    lockouts,
    partnerKeys,
    deliveryRequests,
    sends: codeSendsOf(core, deliveryRequests),
    suppressions: suppressionsOf(core),
    countryBudget: countryBudgetOf(core),
    attempts: verifyAttemptsOf(core),
    partnerRate: partnerRateOf(core),
    captcha: captchaOf(core),
    appAuth: appAuthOf(core),
    partnerAuth: partnerAuthOf(core, { partnerKeys, lockouts }),
  };
}

export type Runtime = ReturnType<typeof createRuntime>;
