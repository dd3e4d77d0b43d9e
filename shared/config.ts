import * as z from 'zod/mini';
import { LOCAL_PARTNER_DEFAULTS, LOCAL_SECRETS } from './local-defaults.js';
import { DYNAMODB_ATTEMPT_TIMEOUT_MS, DYNAMODB_CONNECT_TIMEOUT_MS, TOKEN_MAX_LIFETIME_SECONDS } from './policy.js';

const flag = (def: boolean) =>
  z.pipe(
    z.optional(z.enum(['true', 'false', '1', '0', ''])),
    z.transform((v) => (v === undefined || v === '' ? def : v === 'true' || v === '1')),
  );
const optionalText = z.pipe(
  z.optional(z.string()),
  z.transform((v) => (v && v.trim() ? v.trim() : undefined)),
);
const int = (def: number, min: number, max: number) =>
  z.pipe(
    z.pipe(
      z.optional(z.string().check(z.refine((v) => v.trim() === '' || /^\d+$/.test(v.trim()), 'must be a decimal integer'))),
      z.transform((v) => (v === undefined || v.trim() === '' ? def : Number(v))),
    ),
    z.int().check(z.minimum(min), z.maximum(max)),
  );
const text = (def: string) => z._default(z.string().check(z.minLength(1)), def);

/**
 * Longest validity (exp − iat) accepted per kind of token, in seconds. A partner token is a service
 * credential its holder can re-mint cheaply; an app token lives as long as a user's app session; a CAPTCHA
 * pass is meant to be spent right after the puzzle.
 */
export const TOKEN_MAX_LIFETIME_DEFAULTS = {
  partner: TOKEN_MAX_LIFETIME_SECONDS.partner.default,
  app: TOKEN_MAX_LIFETIME_SECONDS.app.default,
  captcha: TOKEN_MAX_LIFETIME_SECONDS.captcha.default,
} as const;

const EnvSchema = z.object({
  STAGE: text('local'),
  TABLE_NAME: z.optional(z.string().check(z.minLength(3))),
  AWS_REGION: text('ap-southeast-1'),
  DYNAMODB_ENDPOINT: optionalText,
  DDB_REQUEST_TIMEOUT_MS: int(DYNAMODB_ATTEMPT_TIMEOUT_MS, 100, 30_000),
  DDB_CONNECT_TIMEOUT_MS: int(DYNAMODB_CONNECT_TIMEOUT_MS, 50, 10_000),
  MAX_CUSTOMERS_PER_MOBILE: int(5, 1, 100),
  CODE_TTL_SECONDS: int(180, 30, 600),
  AUDIT_RETENTION_DAYS: int(180, 1, 3650),
  ENUMERATION_PROTECTION: flag(true),
  NOTIFIER: z.optional(z.enum(['outbox', 'aws'])),
  OUTBOX_PATH: optionalText,
  SMS_SENDER_ID: optionalText,
  EMAIL_FROM: optionalText,
  PARTNER_JWT_SECRET: optionalText,
  PARTNER_JWKS_URL: optionalText,
  APP_JWT_SECRET: optionalText,
  APP_JWKS_URL: optionalText,
  JWT_ISSUER: optionalText,
  PARTNER_TOKEN_MAX_LIFETIME_SECONDS: int(TOKEN_MAX_LIFETIME_SECONDS.partner.default, TOKEN_MAX_LIFETIME_SECONDS.partner.min, TOKEN_MAX_LIFETIME_SECONDS.partner.max),
  APP_TOKEN_MAX_LIFETIME_SECONDS: int(TOKEN_MAX_LIFETIME_SECONDS.app.default, TOKEN_MAX_LIFETIME_SECONDS.app.min, TOKEN_MAX_LIFETIME_SECONDS.app.max),
  CAPTCHA_TOKEN_MAX_LIFETIME_SECONDS: int(TOKEN_MAX_LIFETIME_SECONDS.captcha.default, TOKEN_MAX_LIFETIME_SECONDS.captcha.min, TOKEN_MAX_LIFETIME_SECONDS.captcha.max),
  CAPTCHA_SECRET: optionalText,
  CAPTCHA_VERIFY_URL: optionalText,
  CODE_PEPPER: optionalText,
  IDENTITY_PEPPER: optionalText,
  // JSON object {"<AK>": "<SK>", ...}; the local stage adds LOCAL_PARTNER_AK/SK (or their defaults).
  PARTNER_CREDENTIALS: optionalText,
  LOCAL_PARTNER_AK: optionalText,
  LOCAL_PARTNER_SK: optionalText,
});

export type TokenKeySource = { kind: 'secret'; secret: string } | { kind: 'jwks'; url: string };

export interface Config {
  stage: string;
  isLocal: boolean;
  tableName: string;
  region: string;
  dynamodbEndpoint: string | undefined;
  ddbRequestTimeoutMs: number;
  ddbConnectTimeoutMs: number;
  maxCustomersPerMobile: number;
  codeTtlSeconds: number;
  auditRetentionDays: number;
  enumerationProtection: boolean;
  notifier: { kind: 'outbox'; path: string } | { kind: 'aws'; smsSenderId: string | undefined; emailFrom: string };
  jwtIssuer: string;
  partnerTokenKey: TokenKeySource;
  appTokenKey: TokenKeySource;
  /** Longest exp − iat accepted per kind of token (seconds). */
  tokenMaxLifetimeSeconds: { partner: number; app: number; captcha: number };
  captcha: { kind: 'secret'; secret: string } | { kind: 'site-verify'; url: string; secret: string };
  codePepper: string;
  identityPepper: string;
  partnerCredentials: ReadonlyMap<string, string>;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const MIN_SECRET_LENGTH = 32;

/** Reads and validates the environment. Throws ConfigError listing every problem at once. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(`invalid configuration: ${z.prettifyError(parsed.error)}`);
  }
  const e = parsed.data;
  const isLocal = e.STAGE === 'local';
  const problems: string[] = [];

  // In the local stage every secret has a documented default; elsewhere a missing secret or a
  // local default is a deployment mistake and the function must not start.
  const secret = (name: string, value: string | undefined, localDefault: string): string => {
    if (value === undefined) {
      if (isLocal) return localDefault;
      problems.push(`${name} is required in stage ${e.STAGE}`);
      return '';
    }
    if (!isLocal && value === localDefault) problems.push(`${name} must not use the local development default`);
    if (!isLocal && value.length < MIN_SECRET_LENGTH) problems.push(`${name} must be at least ${MIN_SECRET_LENGTH} characters`);
    return value;
  };
  const tokenKey = (name: string, jwks: string | undefined, value: string | undefined, def: string): TokenKeySource =>
    jwks ? { kind: 'jwks', url: jwks } : { kind: 'secret', secret: secret(name, value, def) };

  const partnerCredentials = new Map<string, string>();
  if (e.PARTNER_CREDENTIALS) {
    try {
      const obj = z.record(z.string().check(z.minLength(1)), z.string().check(z.minLength(1))).parse(JSON.parse(e.PARTNER_CREDENTIALS));
      for (const [ak, sk] of Object.entries(obj)) {
        if (!isLocal && (sk === LOCAL_PARTNER_DEFAULTS.secretKey || sk.length < MIN_SECRET_LENGTH)) {
          problems.push(
            `PARTNER_CREDENTIALS: the secret key of ${ak} must be at least ${MIN_SECRET_LENGTH} characters and not the local default`,
          );
        }
        partnerCredentials.set(ak, sk);
      }
    } catch {
      problems.push('PARTNER_CREDENTIALS must be a JSON object {"<AK>": "<SK>"}');
    }
  }
  if (isLocal) {
    partnerCredentials.set(e.LOCAL_PARTNER_AK ?? LOCAL_PARTNER_DEFAULTS.accessKey, e.LOCAL_PARTNER_SK ?? LOCAL_PARTNER_DEFAULTS.secretKey);
  }

  const notifierKind = e.NOTIFIER ?? (isLocal ? 'outbox' : 'aws');
  let notifier: Config['notifier'];
  if (notifierKind === 'outbox') {
    if (!isLocal && !e.OUTBOX_PATH) problems.push('NOTIFIER=outbox outside the local stage needs OUTBOX_PATH');
    notifier = { kind: 'outbox', path: e.OUTBOX_PATH ?? '.data/outbox.jsonl' };
  } else {
    if (!e.EMAIL_FROM) problems.push('NOTIFIER=aws needs EMAIL_FROM (a verified SES identity)');
    notifier = { kind: 'aws', smsSenderId: e.SMS_SENDER_ID, emailFrom: e.EMAIL_FROM ?? '' };
  }

  const jwtIssuer = e.JWT_ISSUER ?? (isLocal ? LOCAL_SECRETS.jwtIssuer : '');
  if (jwtIssuer === '') problems.push(`JWT_ISSUER is required in stage ${e.STAGE}`);
  const captchaSecret = secret('CAPTCHA_SECRET', e.CAPTCHA_SECRET, LOCAL_SECRETS.captchaSecret);
  const config: Config = {
    stage: e.STAGE,
    isLocal,
    tableName: e.TABLE_NAME ?? `verigate-${e.STAGE}`,
    region: e.AWS_REGION,
    dynamodbEndpoint: e.DYNAMODB_ENDPOINT,
    ddbRequestTimeoutMs: e.DDB_REQUEST_TIMEOUT_MS,
    ddbConnectTimeoutMs: e.DDB_CONNECT_TIMEOUT_MS,
    maxCustomersPerMobile: e.MAX_CUSTOMERS_PER_MOBILE,
    codeTtlSeconds: e.CODE_TTL_SECONDS,
    auditRetentionDays: e.AUDIT_RETENTION_DAYS,
    enumerationProtection: e.ENUMERATION_PROTECTION,
    notifier,
    jwtIssuer,
    partnerTokenKey: tokenKey('PARTNER_JWT_SECRET', e.PARTNER_JWKS_URL, e.PARTNER_JWT_SECRET, LOCAL_SECRETS.partnerJwtSecret),
    appTokenKey: tokenKey('APP_JWT_SECRET', e.APP_JWKS_URL, e.APP_JWT_SECRET, LOCAL_SECRETS.appJwtSecret),
    tokenMaxLifetimeSeconds: {
      partner: e.PARTNER_TOKEN_MAX_LIFETIME_SECONDS,
      app: e.APP_TOKEN_MAX_LIFETIME_SECONDS,
      captcha: e.CAPTCHA_TOKEN_MAX_LIFETIME_SECONDS,
    },
    captcha: e.CAPTCHA_VERIFY_URL
      ? { kind: 'site-verify', url: e.CAPTCHA_VERIFY_URL, secret: captchaSecret }
      : { kind: 'secret', secret: captchaSecret },
    codePepper: secret('CODE_PEPPER', e.CODE_PEPPER, LOCAL_SECRETS.codePepper),
    identityPepper: secret('IDENTITY_PEPPER', e.IDENTITY_PEPPER, LOCAL_SECRETS.identityPepper),
    partnerCredentials,
  };
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n- ${problems.join('\n- ')}`);
  return config;
}

let cached: Config | undefined;
/** The process-wide configuration, read once (at cold start, from the handler module's top level). */
export function getConfig(): Config {
  cached ??= loadConfig(process.env);
  return cached;
}
