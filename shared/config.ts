import * as z from 'zod/mini';
import { LOCAL_PARTNER_DEFAULTS, LOCAL_SECRETS } from './local-defaults.js';
import { ANY_COUNTRY, parseOriginationIdentities, type OriginationIdentities } from './notify/origination.js';
import {
  ANSWER_RESERVE_MS,
  AUDIT_RETENTION_DAYS,
  CODE_TTL_SECONDS,
  DEFAULT_SMS_COUNTRY_ALLOWLIST,
  DYNAMODB_ATTEMPT_TIMEOUT_MS,
  DYNAMODB_CONNECT_TIMEOUT_MS,
  LOCAL_DYNAMODB_ATTEMPT_TIMEOUT_MS,
  LOCAL_REQUEST_BUDGET_MS,
  MAX_CUSTOMERS_PER_MOBILE,
  MESSAGE_PRICE_USD,
  PARTNER_REQUESTS_PER_SECOND,
  REQUEST_BUDGET_MS,
  SMS_HOURLY_BUDGET_PER_COUNTRY,
  SMS_MAX_PARTS,
  TOKEN_MAX_LIFETIME_SECONDS,
  type SettingBounds,
} from './policy.js';
import { CAPTCHA_PROVIDER_NAMES, readCaptchaSettings, type CaptchaProviderSettings } from './auth/captcha/settings.js';
import { parseAllowedOrigins } from './request/cors.js';
import { envVariable, localDefault, parameterName, SECRET_NAMES, type SecretName } from './secrets/catalog.js';
import { createParameterStoreProvider, readSecretParameters, type ParameterStoreProvider } from './secrets/parameter-store.js';

const flag = (def: boolean) =>
  z.pipe(
    z.optional(z.enum(['true', 'false', '1', '0', ''])),
    z.transform((v) => (v === undefined || v === '' ? def : v === 'true' || v === '1')),
  );
const optionalText = z.pipe(
  z.optional(z.string()),
  z.transform((v) => (v && v.trim() ? v.trim() : undefined)),
);
/** A decimal integer, or `unset` when the variable is missing or blank. */
const decimal = <U>(unset: U) =>
  z.pipe(
    z.optional(z.string().check(z.refine((v) => v.trim() === '' || /^\d+$/.test(v.trim()), 'must be a decimal integer'))),
    z.transform((v) => (v === undefined || v.trim() === '' ? unset : Number(v))),
  );
const int = (def: number, min: number, max: number, whyNoMore?: string) =>
  z.pipe(decimal(def), z.int().check(z.minimum(min), z.maximum(max, whyNoMore && `at most ${max}: ${whyNoMore}`)));
/** An integer setting within its bounds from shared/policy.ts (`whyNoMore`: what a larger value would break). */
const bounded = (b: SettingBounds, whyNoMore?: string) => int(b.default, b.min, b.max, whyNoMore);
/** An integer setting within its bounds, undefined when unset: its default depends on the stage. */
const boundedByStage = (b: SettingBounds) => z.pipe(decimal(undefined), z.optional(z.int().check(z.minimum(b.min), z.maximum(b.max))));
const text = (def: string) => z._default(z.string().check(z.minLength(1)), def);

const EnvSchema = z.object({
  STAGE: text('local'),
  TABLE_NAME: z.optional(z.string().check(z.minLength(3))),
  AWS_REGION: text('ap-southeast-1'),
  DYNAMODB_ENDPOINT: optionalText,
  // One DynamoDB attempt, and the time a request may take (SPEC §6): longer in the local stage by default.
  DDB_REQUEST_TIMEOUT_MS: boundedByStage(DYNAMODB_ATTEMPT_TIMEOUT_MS),
  REQUEST_BUDGET_MS: boundedByStage(REQUEST_BUDGET_MS),
  DDB_CONNECT_TIMEOUT_MS: bounded(DYNAMODB_CONNECT_TIMEOUT_MS),
  MAX_CUSTOMERS_PER_MOBILE: bounded(MAX_CUSTOMERS_PER_MOBILE),
  CODE_TTL_SECONDS: bounded(CODE_TTL_SECONDS),
  AUDIT_RETENTION_DAYS: bounded(AUDIT_RETENTION_DAYS),
  ENUMERATION_PROTECTION: flag(true),
  // ISO 3166 alpha-2 codes, comma-separated: the countries SMS may go to.
  SMS_COUNTRY_ALLOWLIST: optionalText,
  // "<n>" for every country, "<CC>=<n>" for one: e.g. "1000,HK=200".
  SMS_HOURLY_BUDGET_PER_COUNTRY: optionalText,
  // At most the design's ceiling (PARTNER_CALLS_PER_SECOND_CEILING, shared/store/partner-rate.ts).
  PARTNER_REQUESTS_PER_SECOND: bounded(PARTNER_REQUESTS_PER_SECOND, "one partner's count holds no more calls a second"),
  // Browser origins the functions' answers grant (shared/request/cors.ts), comma-separated.
  CORS_ALLOWED_ORIGINS: optionalText,
  NOTIFIER: z.optional(z.enum(['outbox', 'aws'])),
  OUTBOX_PATH: optionalText,
  EMAIL_FROM: optionalText,
  // End User Messaging and SES settings of the aws notifier: read and checked by deliverCode alone (readProviderSettings).
  SMS_ORIGINATION_IDENTITIES: optionalText,
  VOICE_ORIGINATION_IDENTITIES: optionalText,
  SMS_VOICE_CONFIGURATION_SET: optionalText,
  SMS_PROTECT_CONFIGURATION_ID: optionalText,
  SMS_MAX_PRICE: optionalText,
  VOICE_MAX_PRICE_PER_MINUTE: optionalText,
  SES_CONFIGURATION_SET: optionalText,
  // The EventBridge bus the lifecycle events go to (name or ARN): read by publishLifecycleEvents alone (readEventBusName).
  EVENT_BUS_NAME: optionalText,
  // Messages (shared/messages, docs/messages.md): checked where they are rendered, deliverCode and preview.
  MESSAGE_BRAND: optionalText,
  MESSAGE_TEMPLATES: optionalText,
  WEBOTP_DOMAIN: optionalText,
  SMS_MAX_PARTS: bounded(SMS_MAX_PARTS),
  JWT_ISSUER: optionalText,
  PARTNER_TOKEN_MAX_LIFETIME_SECONDS: bounded(TOKEN_MAX_LIFETIME_SECONDS.partner),
  APP_TOKEN_MAX_LIFETIME_SECONDS: bounded(TOKEN_MAX_LIFETIME_SECONDS.app),
  CAPTCHA_TOKEN_MAX_LIFETIME_SECONDS: bounded(TOKEN_MAX_LIFETIME_SECONDS.captcha),
  PARTNER_JWKS_URL: optionalText,
  APP_JWKS_URL: optionalText,
  // The CAPTCHA provider send's `token` comes from, and its settings (shared/auth/captcha/settings.ts).
  CAPTCHA_PROVIDER: z.pipe(
    optionalText,
    z.optional(z.enum(CAPTCHA_PROVIDER_NAMES, { error: `must be one of ${CAPTCHA_PROVIDER_NAMES.join(', ')}` })),
  ),
  CAPTCHA_VERIFY_URL: optionalText,
  CAPTCHA_HOSTNAMES: optionalText,
  CAPTCHA_ACTION: optionalText,
  RECAPTCHA_MIN_SCORE: optionalText,
  HCAPTCHA_SITEKEY: optionalText,
  GEETEST_CAPTCHA_ID: optionalText,
  // Where the stage's secrets live in SSM Parameter Store (default `/verigate/<stage>`); unused locally.
  // The secrets' own variables (secretVariables) are read beside this schema.
  SECRETS_PATH: optionalText,
  LOCAL_PARTNER_AK: optionalText,
  LOCAL_PARTNER_SK: optionalText,
});
type Env = z.output<typeof EnvSchema>;

export type TokenKeySource = { kind: 'secret'; secret: string } | { kind: 'jwks'; url: string };

/** SPEC §4: where SMS may go, and how many an hour per country. */
export interface SmsPolicy {
  allowedCountries: ReadonlySet<string>;
  hourlyBudget: { perCountry: number; byCountry: ReadonlyMap<string, number> };
}

/** A country's hourly budget. */
export const hourlyBudgetOf = (sms: SmsPolicy, country: string): number =>
  sms.hourlyBudget.byCountry.get(country) ?? sms.hourlyBudget.perCountry;

// A country code is a two-letter code CLDR names as a region (every ISO 3166 country, a few territories
// and the deprecated codes it still resolves), not one of its groupings (EU, UN, …). Written out rather
// than asked of Intl.DisplayNames at every cold start, which loads ICU's region names (~4 ms of each
// import, issue 12); test/unit/config.test.ts holds this list equal to what ICU names. Not
// libphonenumber's list: that would add its metadata to functions that need no phone.
const COUNTRY_CODE_LIST =
  'AC AD AE AF AG AI AL AM AN AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR ' +
  'BS BT BU BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CP CQ CR CS CU CV CW CX CY CZ DD DE DG DJ ' +
  'DK DM DO DY DZ EA EC EE EG EH ER ES ET FI FJ FK FM FO FR FX GA GB GD GE GF GG GH GI GL GM GN GP GQ ' +
  'GR GS GT GU GW GY HK HM HN HR HT HU HV IC ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM ' +
  'KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS ' +
  'MT MU MV MW MX MY MZ NA NC NE NF NG NH NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT ' +
  'PW PY QA RE RH RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SU SV SX SY SZ TA TC ' +
  'TD TF TG TH TJ TK TL TM TN TO TP TR TT TV TW TZ UA UG UK UM US UY UZ VA VC VD VE VG VI VN VU WF WS ' +
  'XK YD YE YT YU ZA ZM ZR ZW';
export const COUNTRY_CODES: ReadonlySet<string> = new Set(COUNTRY_CODE_LIST.split(' '));
const isCountry = (code: string) => COUNTRY_CODES.has(code);

function smsPolicy(allowlist: string | undefined, budget: string | undefined, problems: string[]): SmsPolicy {
  const allowed = allowlist === undefined ? [...DEFAULT_SMS_COUNTRY_ALLOWLIST] : allowlist.split(',').map((c) => c.trim().toUpperCase());
  const unknown = allowed.filter((c) => !isCountry(c));
  if (unknown.length > 0 || allowed.length === 0)
    problems.push(
      `SMS_COUNTRY_ALLOWLIST must list ISO 3166 alpha-2 country codes separated by commas (not: ${unknown.join(', ') || 'empty'})`,
    );

  const bounds = SMS_HOURLY_BUDGET_PER_COUNTRY;
  let perCountry = bounds.default;
  const byCountry = new Map<string, number>();
  const count = (v: string) => (/^\d+$/.test(v) && Number(v) >= bounds.min && Number(v) <= bounds.max ? Number(v) : undefined);
  for (const entry of budget === undefined ? [] : budget.split(',').map((e) => e.trim())) {
    const [country, value] = entry.includes('=') ? entry.split('=', 2).map((p) => p.trim()) : [undefined, entry];
    const n = count(value ?? '');
    if (n === undefined || (country !== undefined && !isCountry(country.toUpperCase()))) {
      problems.push(`SMS_HOURLY_BUDGET_PER_COUNTRY: "${entry}" is neither <n> nor <CC>=<n> (n from ${bounds.min} to ${bounds.max})`);
    } else if (country === undefined) {
      perCountry = n;
    } else {
      byCountry.set(country.toUpperCase(), n);
    }
  }
  return { allowedCountries: new Set(allowed), hourlyBudget: { perCountry, byCountry } };
}

/** SPEC §4: the brand messages carry in the local stage when MESSAGE_BRAND is unset. */
export const LOCAL_MESSAGE_BRAND = 'verigate';

/** What code messages say and how long an SMS may run (shared/messages compiles and checks them). */
export interface MessageSettings {
  /** MESSAGE_BRAND: the local stage's default is LOCAL_MESSAGE_BRAND; any other stage must set its own. */
  brand: string | undefined;
  /** MESSAGE_TEMPLATES: JSON overriding any part of the default templates, per language. */
  templates: string | undefined;
  /** WEBOTP_DOMAIN: the stage's web domain; every SMS then ends with `@<domain> #<code>`. */
  webOtpDomain: string | undefined;
  /** SMS_MAX_PARTS: the most parts an SMS template may take. */
  smsMaxParts: number;
}

export interface Config {
  stage: string;
  isLocal: boolean;
  tableName: string;
  region: string;
  dynamodbEndpoint: string | undefined;
  ddbRequestTimeoutMs: number;
  ddbConnectTimeoutMs: number;
  /** The most a request may take, its answer and audit record included (SPEC §6: 3 s): min(this, Lambda's remaining time). */
  requestBudgetMs: number;
  maxCustomersPerMobile: number;
  codeTtlSeconds: number;
  auditRetentionDays: number;
  enumerationProtection: boolean;
  sms: SmsPolicy;
  /** SPEC §2 CBC.0250: check-identity calls one partner may make per second. */
  partnerRequestsPerSecond: number;
  /** Origins a browser page may call from: their answers carry Access-Control-Allow-Origin. */
  corsAllowedOrigins: readonly string[];
  notifier: { kind: 'outbox'; path: string } | { kind: 'aws'; emailFrom: string };
  messages: MessageSettings;
  jwtIssuer: string;
  /** Longest exp − iat accepted per kind of token (seconds). */
  tokenMaxLifetimeSeconds: { partner: number; app: number; captcha: number };
  /** The stage's secrets in SSM Parameter Store: `<secretsPath>/<parameter>` (shared/secrets/catalog.ts). */
  secretsPath: string;
  /** The local stage's partner pair (LOCAL_PARTNER_AK / LOCAL_PARTNER_SK or their defaults); none elsewhere. */
  localPartner: { accessKey: string; secretKey: string } | undefined;
  // The settings below hold secrets (HELD_IN): a function's configuration has only those of its own secrets.
  partnerTokenKey: TokenKeySource;
  appTokenKey: TokenKeySource;
  /** A signed pass verified with the CAPTCHA secret (CAPTCHA_PROVIDER=signed-pass), or a provider's, with its secret. */
  captcha: { kind: 'secret'; secret: string } | ({ kind: 'provider'; secret: string } & CaptchaProviderSettings);
  codePepper: string;
  identityPepper: string;
  /** Seals partner secret keys in the table (shared/secrets/seal.ts). */
  partnerKeyEncryptionKey: string;
  /** Seals the destination and code of a delivery request in the table (shared/store/delivery-requests.ts). */
  outboxKey: string;
}

/**
 * A secret (shared/secrets/catalog.ts) is held under its own name, but for three settings that combine it
 * with a URL: a token key is its shared secret or, given a JWKS URL, no secret at all; the CAPTCHA setting
 * adds the provider's verify URL to its secret (COMBINED below).
 */
const HELD_IN = {
  partnerJwtSecret: 'partnerTokenKey',
  appJwtSecret: 'appTokenKey',
  captchaSecret: 'captcha',
} as const satisfies Partial<Record<SecretName, keyof Config>>;
type HeldIn = typeof HELD_IN;
type SettingOf<S extends SecretName> = S extends keyof HeldIn ? HeldIn[S] : Extract<S, keyof Config>;
const settingOf = (n: SecretName): keyof Config => (n in HELD_IN ? HELD_IN[n as keyof HeldIn] : (n as keyof Config));
/** The settings that hold a secret (pure: no bundle reads it). */
export const SECRET_SETTINGS: ReadonlyArray<keyof Config> = /* @__PURE__ */ SECRET_NAMES.map(settingOf);
/** The configuration without any secret. */
export type Settings = Omit<Config, SettingOf<SecretName>>;
/** The configuration of a function that was given the secrets `S` and no others. */
export type ConfigWith<S extends SecretName> = Settings & Pick<Config, SettingOf<S>>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const MIN_SECRET_LENGTH = 32;
const SECRETS_PATH_PATTERN = /^(\/[A-Za-z0-9_.-]+)+$/;
const SECRETS_PATH_PROBLEM = 'SECRETS_PATH must be a parameter path such as /verigate/prod (no trailing /)';
/** Every documented development secret: none of them is accepted as any secret outside the local stage. */
const LOCAL_DEFAULT_VALUES: ReadonlySet<string> = new Set([...SECRET_NAMES.map(localDefault), LOCAL_PARTNER_DEFAULTS.secretKey]);

interface Reading {
  env: Env;
  /**
   * The secrets' environment variables (CAPTCHA_SECRET, ...), trimmed, empty ones left out: the value in the
   * local stage, where each has a documented default; in any other stage they come from the parameter store
   * and must not be set.
   */
  secretVariables: Partial<Record<SecretName, string>>;
  settings: Settings;
  /** The CAPTCHA provider's settings; undefined for the signed pass. */
  captcha: CaptchaProviderSettings | undefined;
  problems: string[];
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** Everything but the secrets. Throws ConfigError for a value of the wrong shape; collects the rest. */
function readSettings(source: Record<string, string | undefined>): Reading {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(`invalid configuration: ${z.prettifyError(parsed.error)}`);
  }
  const e = parsed.data;
  const secretVariables = Object.fromEntries(
    SECRET_NAMES.flatMap((n) => {
      const value = source[envVariable(n)]?.trim();
      return value ? [[n, value]] : [];
    }),
  );
  const isLocal = e.STAGE === 'local';
  const problems: string[] = [];

  const notifierKind = e.NOTIFIER ?? (isLocal ? 'outbox' : 'aws');
  let notifier: Config['notifier'];
  if (notifierKind === 'outbox') {
    if (!isLocal && !e.OUTBOX_PATH) problems.push('NOTIFIER=outbox outside the local stage needs OUTBOX_PATH');
    notifier = { kind: 'outbox', path: e.OUTBOX_PATH ?? '.data/outbox.jsonl' };
  } else {
    if (!e.EMAIL_FROM) problems.push('NOTIFIER=aws needs EMAIL_FROM (a verified SES identity)');
    notifier = { kind: 'aws', emailFrom: e.EMAIL_FROM ?? '' };
  }

  const jwtIssuer = e.JWT_ISSUER ?? (isLocal ? LOCAL_SECRETS.jwtIssuer : '');
  if (jwtIssuer === '') problems.push(`JWT_ISSUER is required in stage ${e.STAGE}`);

  // Outside local, the table is AWS's (a custom endpoint would also mean static local credentials), and
  // a key set or the CAPTCHA secret travels only over TLS. URLs are not echoed: one may carry credentials.
  if (!isLocal && e.DYNAMODB_ENDPOINT)
    problems.push(`DYNAMODB_ENDPOINT is for DynamoDB Local only and must not be set in stage ${e.STAGE}`);
  for (const [name, value] of [
    ['PARTNER_JWKS_URL', e.PARTNER_JWKS_URL],
    ['APP_JWKS_URL', e.APP_JWKS_URL],
    ['CAPTCHA_VERIFY_URL', e.CAPTCHA_VERIFY_URL],
  ] as const) {
    if (value === undefined) continue;
    const url = parseUrl(value);
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) problems.push(`${name} must be an http(s) URL`);
    else if (!isLocal && url.protocol !== 'https:') problems.push(`${name} must be an https:// URL outside the local stage`);
  }

  const captcha = readCaptchaSettings(e, problems);

  const requestBudgetMs = e.REQUEST_BUDGET_MS ?? (isLocal ? LOCAL_REQUEST_BUDGET_MS : REQUEST_BUDGET_MS.default);
  const ddbRequestTimeoutMs =
    e.DDB_REQUEST_TIMEOUT_MS ?? (isLocal ? LOCAL_DYNAMODB_ATTEMPT_TIMEOUT_MS : DYNAMODB_ATTEMPT_TIMEOUT_MS.default);
  // An attempt longer than a request's work phase could never end with DynamoDB's answer.
  if (ddbRequestTimeoutMs > requestBudgetMs - ANSWER_RESERVE_MS)
    problems.push(
      `DDB_REQUEST_TIMEOUT_MS (${ddbRequestTimeoutMs}) must fit in a request's work: REQUEST_BUDGET_MS (${requestBudgetMs}) less ${ANSWER_RESERVE_MS} ms for its answer`,
    );

  const secretsPath = e.SECRETS_PATH ?? `/verigate/${e.STAGE}`;
  if (!SECRETS_PATH_PATTERN.test(secretsPath)) problems.push(SECRETS_PATH_PROBLEM);

  const settings: Settings = {
    stage: e.STAGE,
    isLocal,
    tableName: e.TABLE_NAME ?? `verigate-${e.STAGE}`,
    region: e.AWS_REGION,
    dynamodbEndpoint: e.DYNAMODB_ENDPOINT,
    ddbRequestTimeoutMs,
    ddbConnectTimeoutMs: e.DDB_CONNECT_TIMEOUT_MS,
    requestBudgetMs,
    maxCustomersPerMobile: e.MAX_CUSTOMERS_PER_MOBILE,
    codeTtlSeconds: e.CODE_TTL_SECONDS,
    auditRetentionDays: e.AUDIT_RETENTION_DAYS,
    enumerationProtection: e.ENUMERATION_PROTECTION,
    sms: smsPolicy(e.SMS_COUNTRY_ALLOWLIST, e.SMS_HOURLY_BUDGET_PER_COUNTRY, problems),
    partnerRequestsPerSecond: e.PARTNER_REQUESTS_PER_SECOND,
    corsAllowedOrigins: parseAllowedOrigins(e.CORS_ALLOWED_ORIGINS, problems),
    notifier,
    messages: {
      brand: e.MESSAGE_BRAND ?? (isLocal ? LOCAL_MESSAGE_BRAND : undefined),
      templates: e.MESSAGE_TEMPLATES,
      webOtpDomain: e.WEBOTP_DOMAIN,
      smsMaxParts: e.SMS_MAX_PARTS,
    },
    jwtIssuer,
    tokenMaxLifetimeSeconds: {
      partner: e.PARTNER_TOKEN_MAX_LIFETIME_SECONDS,
      app: e.APP_TOKEN_MAX_LIFETIME_SECONDS,
      captcha: e.CAPTCHA_TOKEN_MAX_LIFETIME_SECONDS,
    },
    secretsPath,
    localPartner: isLocal
      ? {
          accessKey: e.LOCAL_PARTNER_AK ?? LOCAL_PARTNER_DEFAULTS.accessKey,
          secretKey: e.LOCAL_PARTNER_SK ?? LOCAL_PARTNER_DEFAULTS.secretKey,
        }
      : undefined,
  };
  return { env: e, secretVariables, settings, captcha, problems };
}

/** Whether a secret's value is read at all: a token key given as a JWKS URL needs none. */
function isNeeded(name: SecretName, e: Env): boolean {
  if (name === 'partnerJwtSecret') return !e.PARTNER_JWKS_URL;
  if (name === 'appJwtSecret') return !e.APP_JWKS_URL;
  return true;
}

type SecretSource = { kind: 'environment' } | { kind: 'parameter-store'; secretsPath: string };

/**
 * The rules for secrets outside the local stage: present, not a development default, at least
 * MIN_SECRET_LENGTH characters, a SecureString parameter, and no value serving two purposes (among the
 * secrets this function holds). Messages name secrets, never their values.
 */
function secretProblems(
  names: readonly SecretName[],
  values: Partial<Record<SecretName, string>>,
  stage: string,
  source: SecretSource,
  notSecureString: readonly SecretName[] = [],
): string[] {
  const label = (n: SecretName) =>
    source.kind === 'environment' ? envVariable(n) : `${envVariable(n)} (parameter ${parameterName(source.secretsPath, n)})`;
  const problems: string[] = [];
  const holders = new Map<string, SecretName[]>();
  for (const n of names) {
    const value = values[n]?.trim();
    if (!value) {
      problems.push(source.kind === 'environment' ? `${label(n)} is required in stage ${stage}` : `${label(n)} is missing`);
      continue;
    }
    if (LOCAL_DEFAULT_VALUES.has(value)) problems.push(`${label(n)} must not use a local development default`);
    else if (value.length < MIN_SECRET_LENGTH) problems.push(`${label(n)} must be at least ${MIN_SECRET_LENGTH} characters`);
    if (notSecureString.includes(n)) problems.push(`${label(n)} must be a SecureString parameter`);
    holders.set(value, [...(holders.get(value) ?? []), n]);
  }
  for (const same of holders.values()) {
    if (same.length > 1) problems.push(`${same.map(label).join(' and ')} have the same value: each purpose needs a secret of its own`);
  }
  return problems;
}

/** In the local stage: the environment's value, else the documented default. */
function localSecrets(names: readonly SecretName[], reading: Reading): Partial<Record<SecretName, string>> {
  return Object.fromEntries(names.map((n) => [n, reading.secretVariables[n] ?? localDefault(n)]));
}

/** The three settings that combine a secret (its value, '' when not needed) with a URL setting. */
const COMBINED: { [S in keyof HeldIn]: (secret: string, r: Reading) => Config[HeldIn[S]] } = {
  partnerJwtSecret: (secret, { env: e }) => (e.PARTNER_JWKS_URL ? { kind: 'jwks', url: e.PARTNER_JWKS_URL } : { kind: 'secret', secret }),
  appJwtSecret: (secret, { env: e }) => (e.APP_JWKS_URL ? { kind: 'jwks', url: e.APP_JWKS_URL } : { kind: 'secret', secret }),
  // A signed pass verified with the CAPTCHA secret, or a provider's verification with it (CAPTCHA_PROVIDER).
  captchaSecret: (secret, r) => (r.captcha ? { kind: 'provider', secret, ...r.captcha } : { kind: 'secret', secret }),
};

function assemble<S extends SecretName>(
  reading: Reading,
  secrets: readonly S[],
  values: Partial<Record<SecretName, string>>,
): ConfigWith<S> {
  if (reading.problems.length > 0) throw new ConfigError(`invalid configuration:\n- ${reading.problems.join('\n- ')}`);
  const held = Object.fromEntries(
    secrets.map((n) => {
      const secret = values[n]?.trim() ?? '';
      return [settingOf(n), n in COMBINED ? COMBINED[n as keyof HeldIn](secret, reading) : secret];
    }),
  );
  return { ...reading.settings, ...(held as Pick<Config, SettingOf<S>>) };
}

/**
 * The whole configuration with every secret read from the environment (in the local stage, the
 * documented default of each one unset): for the local stage, tests and tools. Throws ConfigError
 * listing every problem at once. Functions load theirs with loadFunctionConfig.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const reading = readSettings(env);
  const names = SECRET_NAMES.filter((n) => isNeeded(n, reading.env));
  let values: Partial<Record<SecretName, string>>;
  if (reading.settings.isLocal) {
    values = localSecrets(names, reading);
  } else {
    values = reading.secretVariables;
    reading.problems.push(...secretProblems(names, values, reading.settings.stage, { kind: 'environment' }));
  }
  return assemble(reading, SECRET_NAMES, values);
}

export interface SecretLoadOptions {
  /** The parameter store provider to read through (tests point one at a stand-in); by default one with bounded timeouts. */
  ssm?: ParameterStoreProvider;
}

/**
 * A function's configuration at cold start, holding only the secrets `secrets`: in the local stage
 * from the environment or the documented defaults; in any other stage from SSM Parameter Store
 * (SecureString parameters under SECRETS_PATH, through Powertools Parameters), with no secret accepted
 * from the environment. Throws ConfigError naming every problem, or SecretsUnavailableError when the
 * parameter store cannot be read.
 */
export async function loadFunctionConfig<S extends SecretName>(
  env: Record<string, string | undefined>,
  secrets: readonly S[],
  options: SecretLoadOptions = {},
): Promise<ConfigWith<S>> {
  const reading = readSettings(env);
  const names = secrets.filter((n) => isNeeded(n, reading.env));
  const { values, problems } = await collectSecrets(reading, names, options);
  reading.problems.push(...problems);
  return assemble(reading, secrets, values);
}

/**
 * One secret for an operator tool (scripts/partner-key.ts), from where the functions read it and by the
 * same rules. Of the settings only the stage, table, region, endpoint and secrets path matter to a tool,
 * so the functions' other requirements (JWT_ISSUER, EMAIL_FROM, ...) do not apply.
 */
export async function loadOperatorSecret(
  env: Record<string, string | undefined>,
  name: SecretName,
  options: SecretLoadOptions = {},
): Promise<{ settings: Settings; secret: string }> {
  const reading = readSettings(env);
  const problems = SECRETS_PATH_PATTERN.test(reading.settings.secretsPath) ? [] : [SECRETS_PATH_PROBLEM];
  const found = await collectSecrets(reading, [name], options);
  problems.push(...found.problems);
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n- ${problems.join('\n- ')}`);
  return { settings: reading.settings, secret: found.values[name]!.trim() };
}

/** How deliverCode sends through End User Messaging SMS and Voice v2 and SES v2 (the aws notifier). */
export interface ProviderSettings {
  smsVoice: {
    /** The configuration set whose event destination carries the receipts (SMS_VOICE_CONFIGURATION_SET). */
    configurationSet: string;
    /** AWS's SMS pumping rules per country (SMS_PROTECT_CONFIGURATION_ID); unset: the configuration set's own. */
    protectConfigurationId: string | undefined;
    sms: OriginationIdentities;
    voice: OriginationIdentities;
    /** USD, as the API takes it ("0.05"); unset: no cap. */
    smsMaxPrice: string | undefined;
    voiceMaxPricePerMinute: string | undefined;
  };
  ses: { configurationSet: string };
}

const SMS_VOICE_RESOURCE = /^[A-Za-z0-9_:/-]{1,256}$/;
const SES_CONFIGURATION_SET = /^[A-Za-z0-9_-]{1,64}$/;
const PRICE = /^[0-9]{0,2}\.[0-9]{1,5}$/;

/**
 * The aws notifier's settings, checked at deliverCode's cold start (only deliverCode is given them):
 * throws ConfigError naming every problem. A voice call needs an origination identity (SendVoiceMessage
 * takes none by default), so every country SMS_COUNTRY_ALLOWLIST serves needs one, its own or `*`'s; an
 * SMS without one goes from what End User Messaging picks.
 */
export function readProviderSettings(source: Record<string, string | undefined>, sms: SmsPolicy): ProviderSettings {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) throw new ConfigError(`invalid configuration: ${z.prettifyError(parsed.error)}`);
  const e = parsed.data;
  const problems: string[] = [];
  const required = (name: string, value: string | undefined, pattern: RegExp, what: string) => {
    if (value === undefined) problems.push(`${name} is required with NOTIFIER=aws (${what})`);
    else if (!pattern.test(value)) problems.push(`${name} must be ${what}`);
    return value ?? '';
  };
  const price = (name: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    const usd = Number(value);
    if (!PRICE.test(value) || !(usd >= MESSAGE_PRICE_USD.min && usd <= MESSAGE_PRICE_USD.max))
      problems.push(`${name} must be a price in USD such as 0.05 (at most two digits before the point and five after, above 0)`);
    return value;
  };
  const smsIdentities = parseOriginationIdentities('SMS_ORIGINATION_IDENTITIES', e.SMS_ORIGINATION_IDENTITIES, isCountry, problems);
  const voiceIdentities = parseOriginationIdentities('VOICE_ORIGINATION_IDENTITIES', e.VOICE_ORIGINATION_IDENTITIES, isCountry, problems);
  const unserved = [...sms.allowedCountries].filter((c) => !voiceIdentities.has(c) && !voiceIdentities.has(ANY_COUNTRY));
  if (unserved.length > 0)
    problems.push(
      `VOICE_ORIGINATION_IDENTITIES has no identity for ${unserved.join(', ')} (a voice call needs one: give each country's, or *=<identity>)`,
    );
  const protect = e.SMS_PROTECT_CONFIGURATION_ID;
  if (protect !== undefined && !SMS_VOICE_RESOURCE.test(protect))
    problems.push('SMS_PROTECT_CONFIGURATION_ID must be a protect configuration id or ARN');
  const settings: ProviderSettings = {
    smsVoice: {
      configurationSet: required(
        'SMS_VOICE_CONFIGURATION_SET',
        e.SMS_VOICE_CONFIGURATION_SET,
        SMS_VOICE_RESOURCE,
        'a configuration set name or ARN: receipts come through it',
      ),
      protectConfigurationId: protect,
      sms: smsIdentities,
      voice: voiceIdentities,
      smsMaxPrice: price('SMS_MAX_PRICE', e.SMS_MAX_PRICE),
      voiceMaxPricePerMinute: price('VOICE_MAX_PRICE_PER_MINUTE', e.VOICE_MAX_PRICE_PER_MINUTE),
    },
    ses: {
      configurationSet: required(
        'SES_CONFIGURATION_SET',
        e.SES_CONFIGURATION_SET,
        SES_CONFIGURATION_SET,
        'an SES configuration set name: receipts come through it',
      ),
    },
  };
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n- ${problems.join('\n- ')}`);
  return settings;
}

/** An event bus's name, or its ARN (PutEvents' EventBusName). */
const EVENT_BUS = /^(arn:aws[\w-]*:events:[a-z]{2}(-[a-z]+)+-\d+:\d{12}:event-bus\/)?[.\-_A-Za-z0-9]{1,256}$/;

/**
 * The bus publishLifecycleEvents puts the lifecycle events on with the aws notifier (EVENT_BUS_NAME: the
 * stack's own `verigate-<stage>` or the one the stage names), checked at its cold start: throws ConfigError.
 */
export function readEventBusName(source: Record<string, string | undefined>): string {
  const parsed = EnvSchema.safeParse(source);
  if (!parsed.success) throw new ConfigError(`invalid configuration: ${z.prettifyError(parsed.error)}`);
  const bus = parsed.data.EVENT_BUS_NAME;
  if (bus === undefined)
    throw new ConfigError("invalid configuration:\n- EVENT_BUS_NAME is required with NOTIFIER=aws (the lifecycle events' bus)");
  if (!EVENT_BUS.test(bus)) throw new ConfigError('invalid configuration:\n- EVENT_BUS_NAME must be an event bus name or ARN');
  return bus;
}

/**
 * What messages are compiled from (shared/messages), for a tool (scripts/preview.ts): read by the same
 * rules as the functions' settings, without their secrets or the settings a message does not use.
 */
export function loadMessageSettings(env: Record<string, string | undefined>): Pick<Settings, 'stage' | 'codeTtlSeconds' | 'messages'> {
  const { settings } = readSettings(env);
  return { stage: settings.stage, codeTtlSeconds: settings.codeTtlSeconds, messages: settings.messages };
}

/** The secrets `names`: locally from the environment or defaults; elsewhere from the parameter store, checked. */
async function collectSecrets(
  reading: Reading,
  names: readonly SecretName[],
  options: SecretLoadOptions,
): Promise<{ values: Partial<Record<SecretName, string>>; problems: string[] }> {
  const { settings } = reading;
  if (settings.isLocal) return { values: localSecrets(names, reading), problems: [] };
  const problems: string[] = [];
  for (const n of SECRET_NAMES) {
    if (reading.secretVariables[n] !== undefined) {
      problems.push(
        `${envVariable(n)} must not be set in the environment of stage ${settings.stage}: it is read from parameter ${parameterName(settings.secretsPath, n)}`,
      );
    }
  }
  // A malformed path is already a settings problem; there is nothing to read under it.
  if (!SECRETS_PATH_PATTERN.test(settings.secretsPath)) return { values: {}, problems };
  const found = await readSecretParameters(names, {
    secretsPath: settings.secretsPath,
    provider: options.ssm ?? createParameterStoreProvider(settings.region),
  });
  const source = { kind: 'parameter-store', secretsPath: settings.secretsPath } as const;
  problems.push(...secretProblems(names, found.values, settings.stage, source, found.notSecureString));
  return { values: found.values, problems };
}
