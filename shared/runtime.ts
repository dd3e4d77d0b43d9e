import { getConfig, type Config } from './config.js';
import { JWT_AUDIENCES } from './local-defaults.js';
import { createTokenVerifier } from './auth/jwt.js';
import { partnerAuthenticator } from './auth/partner.js';
import { createDb, type Db } from './store/client.js';
import { createAuditLog } from './store/audit.js';
import { createRegistry } from './store/registry.js';
import { createAccessKeyLockouts } from './store/access-key-lockouts.js';
import { createCodeStore } from './store/codes.js';
import { createPartnerRate } from './store/partner-rate.js';
import { appAuthenticator } from './auth/app.js';
import { createCaptchaVerifier } from './auth/captcha.js';

/**
 * The composition root: builds every adapter once per process from the configuration. Handlers
 * call `runtime()` at module top level, so a bad configuration fails the cold start loudly.
 */
export function createRuntime(config: Config, options: { db?: Db; clock?: () => Date } = {}) {
  const db =
    options.db ??
    createDb({
      region: config.region,
      endpoint: config.dynamodbEndpoint,
      requestTimeoutMs: config.ddbRequestTimeoutMs,
      connectTimeoutMs: config.ddbConnectTimeoutMs,
    });
  const table = config.tableName;
  const lockouts = createAccessKeyLockouts(db, table);
  const audit = createAuditLog(db, table, config.auditRetentionDays);
  return {
    config,
    db,
    clock: options.clock ?? (() => new Date()),
    audit,
    registry: createRegistry(db, table, config.maxCustomersPerMobile, audit),
    lockouts,
    codes: createCodeStore(db, table, audit),
    partnerRate: createPartnerRate(db, table),
    captcha: createCaptchaVerifier(config.captcha, config.jwtIssuer),
    appAuth: appAuthenticator(createTokenVerifier(config.appTokenKey, config.jwtIssuer, JWT_AUDIENCES.app)),
    partnerAuth: partnerAuthenticator({
      verifyToken: createTokenVerifier(config.partnerTokenKey, config.jwtIssuer, JWT_AUDIENCES.partner),
      secretOf: (ak) => config.partnerCredentials.get(ak),
      lockouts,
    }),
  };
}

export type Runtime = ReturnType<typeof createRuntime>;

let current: Runtime | undefined;
export function runtime(): Runtime {
  current ??= createRuntime(getConfig());
  return current;
}
