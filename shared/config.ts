import * as z from 'zod/mini';
import { LOCAL_PARTNER_DEFAULTS, LOCAL_SECRETS } from './local-defaults.js';
import { DEFAULT_PARTNER_REQUESTS_PER_SECOND, DEFAULT_SMS_COUNTRY_ALLOWLIST, DEFAULT_SMS_HOURLY_BUDGET_PER_COUNTRY } from './policy.js';

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

const EnvSchema = z.object({
  STAGE: text('local'),
  TABLE_NAME: z.optional(z.string().check(z.minLength(3))),
  AWS_REGION: text('ap-southeast-1'),
  DYNAMODB_ENDPOINT: optionalText,
  DDB_REQUEST_TIMEOUT_MS: int(1500, 100, 30_000),
  DDB_CONNECT_TIMEOUT_MS: int(500, 50, 10_000),
  MAX_CUSTOMERS_PER_MOBILE: int(5, 1, 100),
  CODE_TTL_SECONDS: int(180, 30, 600),
  AUDIT_RETENTION_DAYS: int(180, 1, 3650),
  ENUMERATION_PROTECTION: flag(true),
  // ISO 3166 alpha-2 codes, comma-separated: the countries SMS may go to.
  SMS_COUNTRY_ALLOWLIST: optionalText,
  // "<n>" for every country, "<CC>=<n>" for one: e.g. "1000,HK=200".
  SMS_HOURLY_BUDGET_PER_COUNTRY: optionalText,
  PARTNER_REQUESTS_PER_SECOND: int(DEFAULT_PARTNER_REQUESTS_PER_SECOND, 1, 100_000),
  NOTIFIER: z.optional(z.enum(['outbox', 'aws'])),
  OUTBOX_PATH: optionalText,
  SMS_SENDER_ID: optionalText,
  EMAIL_FROM: optionalText,
  PARTNER_JWT_SECRET: optionalText,
  PARTNER_JWKS_URL: optionalText,
  APP_JWT_SECRET: optionalText,
  APP_JWKS_URL: optionalText,
  JWT_ISSUER: optionalText,
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

/** SPEC §4: where SMS may go, and how many an hour per country. */
export interface SmsPolicy {
  allowedCountries: ReadonlySet<string>;
  hourlyBudget: { perCountry: number; byCountry: ReadonlyMap<string, number> };
}

/** A country's hourly SMS budget. */
export const hourlyBudgetOf = (sms: SmsPolicy, country: string): number =>
  sms.hourlyBudget.byCountry.get(country) ?? sms.hourlyBudget.perCountry;

const MAX_SMS_HOURLY_BUDGET = 10_000_000;
// A country code is one CLDR names as a region (every ISO 3166 country, a few territories), not one of
// its groupings. Not libphonenumber's list: that would add its metadata to functions that need no phone.
const REGION_NAMES = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
const NOT_A_PLACE = new Set(['EU', 'EZ', 'UN', 'QO', 'ZZ', 'XA', 'XB']);
const isCountry = (code: string) => /^[A-Z]{2}$/.test(code) && !NOT_A_PLACE.has(code) && REGION_NAMES.of(code) !== undefined;

function smsPolicy(allowlist: string | undefined, budget: string | undefined, problems: string[]): SmsPolicy {
  const allowed = allowlist === undefined ? [...DEFAULT_SMS_COUNTRY_ALLOWLIST] : allowlist.split(',').map((c) => c.trim().toUpperCase());
  const unknown = allowed.filter((c) => !isCountry(c));
  if (unknown.length > 0 || allowed.length === 0)
    problems.push(
      `SMS_COUNTRY_ALLOWLIST must list ISO 3166 alpha-2 country codes separated by commas (not: ${unknown.join(', ') || 'empty'})`,
    );

  let perCountry = DEFAULT_SMS_HOURLY_BUDGET_PER_COUNTRY;
  const byCountry = new Map<string, number>();
  const count = (v: string) => (/^\d+$/.test(v) && Number(v) >= 1 && Number(v) <= MAX_SMS_HOURLY_BUDGET ? Number(v) : undefined);
  for (const entry of budget === undefined ? [] : budget.split(',').map((e) => e.trim())) {
    const [country, value] = entry.includes('=') ? entry.split('=', 2).map((p) => p.trim()) : [undefined, entry];
    const n = count(value ?? '');
    if (n === undefined || (country !== undefined && !isCountry(country.toUpperCase()))) {
      problems.push(`SMS_HOURLY_BUDGET_PER_COUNTRY: "${entry}" is neither <n> nor <CC>=<n> (n from 1 to ${MAX_SMS_HOURLY_BUDGET})`);
    } else if (country === undefined) {
      perCountry = n;
    } else {
      byCountry.set(country.toUpperCase(), n);
    }
  }
  return { allowedCountries: new Set(allowed), hourlyBudget: { perCountry, byCountry } };
}

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
  sms: SmsPolicy;
  /** SPEC §2 CBC.0250: check-identity calls one partner may make per second. */
  partnerRequestsPerSecond: number;
  notifier: { kind: 'outbox'; path: string } | { kind: 'aws'; smsSenderId: string | undefined; emailFrom: string };
  jwtIssuer: string;
  partnerTokenKey: TokenKeySource;
  appTokenKey: TokenKeySource;
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
    sms: smsPolicy(e.SMS_COUNTRY_ALLOWLIST, e.SMS_HOURLY_BUDGET_PER_COUNTRY, problems),
    partnerRequestsPerSecond: e.PARTNER_REQUESTS_PER_SECOND,
    notifier,
    jwtIssuer,
    partnerTokenKey: tokenKey('PARTNER_JWT_SECRET', e.PARTNER_JWKS_URL, e.PARTNER_JWT_SECRET, LOCAL_SECRETS.partnerJwtSecret),
    appTokenKey: tokenKey('APP_JWT_SECRET', e.APP_JWKS_URL, e.APP_JWT_SECRET, LOCAL_SECRETS.appJwtSecret),
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
