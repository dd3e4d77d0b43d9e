import * as z from 'zod/mini';
import { LOCAL_PARTNER_DEFAULTS, LOCAL_SECRETS } from './local-defaults.js';
import {
  DEFAULT_PARTNER_REQUESTS_PER_SECOND,
  DEFAULT_SMS_COUNTRY_ALLOWLIST,
  DEFAULT_SMS_HOURLY_BUDGET_PER_COUNTRY,
  DEFAULT_SMS_MAX_PARTS,
  DYNAMODB_ATTEMPT_TIMEOUT_MS,
  MAX_SMS_MAX_PARTS,
  DYNAMODB_CONNECT_TIMEOUT_MS,
  TOKEN_MAX_LIFETIME_SECONDS,
} from './policy.js';
import { parameterName, SECRET_NAMES, SECRETS, type SecretName } from './secrets/catalog.js';
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
  DDB_REQUEST_TIMEOUT_MS: int(DYNAMODB_ATTEMPT_TIMEOUT_MS, 100, 30_000),
  DDB_CONNECT_TIMEOUT_MS: int(DYNAMODB_CONNECT_TIMEOUT_MS, 50, 10_000),
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
  // Messages (shared/messages, docs/messages.md): checked where they are rendered, deliverCode and preview.
  MESSAGE_BRAND: optionalText,
  MESSAGE_TEMPLATES: optionalText,
  WEBOTP_DOMAIN: optionalText,
  SMS_MAX_PARTS: int(DEFAULT_SMS_MAX_PARTS, 1, MAX_SMS_MAX_PARTS),
  JWT_ISSUER: optionalText,
  PARTNER_TOKEN_MAX_LIFETIME_SECONDS: int(
    TOKEN_MAX_LIFETIME_SECONDS.partner.default,
    TOKEN_MAX_LIFETIME_SECONDS.partner.min,
    TOKEN_MAX_LIFETIME_SECONDS.partner.max,
  ),
  APP_TOKEN_MAX_LIFETIME_SECONDS: int(
    TOKEN_MAX_LIFETIME_SECONDS.app.default,
    TOKEN_MAX_LIFETIME_SECONDS.app.min,
    TOKEN_MAX_LIFETIME_SECONDS.app.max,
  ),
  CAPTCHA_TOKEN_MAX_LIFETIME_SECONDS: int(
    TOKEN_MAX_LIFETIME_SECONDS.captcha.default,
    TOKEN_MAX_LIFETIME_SECONDS.captcha.min,
    TOKEN_MAX_LIFETIME_SECONDS.captcha.max,
  ),
  PARTNER_JWKS_URL: optionalText,
  APP_JWKS_URL: optionalText,
  CAPTCHA_VERIFY_URL: optionalText,
  // Where the stage's secrets live in SSM Parameter Store (default `/verigate/<stage>`); unused locally.
  SECRETS_PATH: optionalText,
  // Secrets (shared/secrets/catalog.ts): taken from here in the local stage, where each has a documented
  // default; in any other stage they come from the parameter store and must not be set here.
  PARTNER_JWT_SECRET: optionalText,
  APP_JWT_SECRET: optionalText,
  CAPTCHA_SECRET: optionalText,
  CODE_PEPPER: optionalText,
  IDENTITY_PEPPER: optionalText,
  PARTNER_KEY_ENCRYPTION_KEY: optionalText,
  OUTBOX_KEY: optionalText,
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

/** A country's hourly SMS budget. */
export const hourlyBudgetOf = (sms: SmsPolicy, country: string): number =>
  sms.hourlyBudget.byCountry.get(country) ?? sms.hourlyBudget.perCountry;

const MAX_SMS_HOURLY_BUDGET = 10_000_000;
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
  maxCustomersPerMobile: number;
  codeTtlSeconds: number;
  auditRetentionDays: number;
  enumerationProtection: boolean;
  sms: SmsPolicy;
  /** SPEC §2 CBC.0250: check-identity calls one partner may make per second. */
  partnerRequestsPerSecond: number;
  notifier: { kind: 'outbox'; path: string } | { kind: 'aws'; smsSenderId: string | undefined; emailFrom: string };
  messages: MessageSettings;
  jwtIssuer: string;
  /** Longest exp − iat accepted per kind of token (seconds). */
  tokenMaxLifetimeSeconds: { partner: number; app: number; captcha: number };
  /** The stage's secrets in SSM Parameter Store: `<secretsPath>/<parameter>` (shared/secrets/catalog.ts). */
  secretsPath: string;
  /** The local stage's partner pair (LOCAL_PARTNER_AK / LOCAL_PARTNER_SK or their defaults); none elsewhere. */
  localPartner: { accessKey: string; secretKey: string } | undefined;
  // The fields below hold secrets (SecretField): a function's configuration has only those it needs.
  partnerTokenKey: TokenKeySource;
  appTokenKey: TokenKeySource;
  captcha: { kind: 'secret'; secret: string } | { kind: 'site-verify'; url: string; secret: string };
  codePepper: string;
  identityPepper: string;
  /** Seals partner secret keys in the table (shared/secrets/seal.ts). */
  partnerKeyEncryptionKey: string;
  /** Seals the destination and code of a delivery request in the table (shared/store/deliveries.ts). */
  outboxKey: string;
}

export type SecretField =
  'partnerTokenKey' | 'appTokenKey' | 'captcha' | 'codePepper' | 'identityPepper' | 'partnerKeyEncryptionKey' | 'outboxKey';
export const SECRET_FIELDS: readonly SecretField[] = [
  'partnerTokenKey',
  'appTokenKey',
  'captcha',
  'codePepper',
  'identityPepper',
  'partnerKeyEncryptionKey',
  'outboxKey',
];
/** The configuration without any secret. */
export type Settings = Omit<Config, SecretField>;
/** The configuration of a function that was given the secrets of `F` and no others. */
export type ConfigWith<F extends SecretField> = Settings & Pick<Config, F>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const MIN_SECRET_LENGTH = 32;
const SECRETS_PATH_PATTERN = /^(\/[A-Za-z0-9_.-]+)+$/;
const SECRETS_PATH_PROBLEM = 'SECRETS_PATH must be a parameter path such as /verigate/prod (no trailing /)';
/** Every documented development secret: none of them is accepted as any secret outside the local stage. */
const LOCAL_DEFAULT_VALUES: ReadonlySet<string> = new Set([
  ...SECRET_NAMES.map((n) => SECRETS[n].localDefault),
  LOCAL_PARTNER_DEFAULTS.secretKey,
]);

interface Reading {
  env: Env;
  settings: Settings;
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
  const isLocal = e.STAGE === 'local';
  const problems: string[] = [];

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

  const secretsPath = e.SECRETS_PATH ?? `/verigate/${e.STAGE}`;
  if (!SECRETS_PATH_PATTERN.test(secretsPath)) problems.push(SECRETS_PATH_PROBLEM);

  const settings: Settings = {
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
  return { env: e, settings, problems };
}

/** The secrets a field needs: a token key given as a JWKS URL needs none. */
function secretsOfField(field: SecretField, e: Env): SecretName[] {
  switch (field) {
    case 'partnerTokenKey':
      return e.PARTNER_JWKS_URL ? [] : ['partnerJwtSecret'];
    case 'appTokenKey':
      return e.APP_JWKS_URL ? [] : ['appJwtSecret'];
    case 'captcha':
      return ['captchaSecret'];
    default:
      return [field];
  }
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
    source.kind === 'environment' ? SECRETS[n].env : `${SECRETS[n].env} (parameter ${parameterName(source.secretsPath, n)})`;
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
function localSecrets(names: readonly SecretName[], e: Env): Partial<Record<SecretName, string>> {
  return Object.fromEntries(names.map((n) => [n, e[SECRETS[n].env] ?? SECRETS[n].localDefault]));
}

function assemble<F extends SecretField>(
  reading: Reading,
  fields: readonly F[],
  values: Partial<Record<SecretName, string>>,
): ConfigWith<F> {
  if (reading.problems.length > 0) throw new ConfigError(`invalid configuration:\n- ${reading.problems.join('\n- ')}`);
  const e = reading.env;
  const secret = (n: SecretName) => values[n]?.trim() ?? '';
  const build: { [K in SecretField]: () => Config[K] } = {
    partnerTokenKey: () =>
      e.PARTNER_JWKS_URL ? { kind: 'jwks', url: e.PARTNER_JWKS_URL } : { kind: 'secret', secret: secret('partnerJwtSecret') },
    appTokenKey: () => (e.APP_JWKS_URL ? { kind: 'jwks', url: e.APP_JWKS_URL } : { kind: 'secret', secret: secret('appJwtSecret') }),
    captcha: () =>
      e.CAPTCHA_VERIFY_URL
        ? { kind: 'site-verify', url: e.CAPTCHA_VERIFY_URL, secret: secret('captchaSecret') }
        : { kind: 'secret', secret: secret('captchaSecret') },
    codePepper: () => secret('codePepper'),
    identityPepper: () => secret('identityPepper'),
    partnerKeyEncryptionKey: () => secret('partnerKeyEncryptionKey'),
    outboxKey: () => secret('outboxKey'),
  };
  const secrets = Object.fromEntries(fields.map((f) => [f, build[f]()])) as Pick<Config, F>;
  return { ...reading.settings, ...secrets };
}

/**
 * The whole configuration with every secret read from the environment (in the local stage, the
 * documented default of each one unset): for the local stage, tests and tools. Throws ConfigError
 * listing every problem at once. Functions load theirs with loadFunctionConfig.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const reading = readSettings(env);
  const names = [...new Set(SECRET_FIELDS.flatMap((f) => secretsOfField(f, reading.env)))];
  let values: Partial<Record<SecretName, string>>;
  if (reading.settings.isLocal) {
    values = localSecrets(names, reading.env);
  } else {
    values = Object.fromEntries(names.map((n) => [n, reading.env[SECRETS[n].env]]));
    reading.problems.push(...secretProblems(names, values, reading.settings.stage, { kind: 'environment' }));
  }
  return assemble(reading, SECRET_FIELDS, values);
}

export interface SecretLoadOptions {
  /** The parameter store provider to read through (tests point one at a stand-in); by default one with bounded timeouts. */
  ssm?: ParameterStoreProvider;
}

/**
 * A function's configuration at cold start, holding only the secrets of `fields`: in the local stage
 * from the environment or the documented defaults; in any other stage from SSM Parameter Store
 * (SecureString parameters under SECRETS_PATH, through Powertools Parameters), with no secret accepted
 * from the environment. Throws ConfigError naming every problem, or SecretsUnavailableError when the
 * parameter store cannot be read.
 */
export async function loadFunctionConfig<F extends SecretField>(
  env: Record<string, string | undefined>,
  fields: readonly F[],
  options: SecretLoadOptions = {},
): Promise<ConfigWith<F>> {
  const reading = readSettings(env);
  const names = [...new Set(fields.flatMap((f) => secretsOfField(f, reading.env)))];
  const { values, problems } = await collectSecrets(reading, names, options);
  reading.problems.push(...problems);
  return assemble(reading, fields, values);
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
  const { settings, env: e } = reading;
  if (settings.isLocal) return { values: localSecrets(names, e), problems: [] };
  const problems: string[] = [];
  for (const n of SECRET_NAMES) {
    if (e[SECRETS[n].env] !== undefined) {
      problems.push(
        `${SECRETS[n].env} must not be set in the environment of stage ${settings.stage}: it is read from parameter ${parameterName(settings.secretsPath, n)}`,
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
