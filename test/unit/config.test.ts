import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  COUNTRY_CODES,
  hourlyBudgetOf,
  loadConfig,
  loadFunctionConfig,
  readEventBusName,
  readProviderSettings,
} from '../../shared/config.js';
import { LOCAL_PARTNER_DEFAULTS, LOCAL_SECRETS } from '../../shared/local-defaults.js';

const S = (n: number) => `prod-secret-${n}-`.padEnd(40, 'x');
const PROD_SECRETS = {
  PARTNER_JWT_SECRET: S(1),
  APP_JWT_SECRET: S(2),
  CAPTCHA_SECRET: S(3),
  CODE_PEPPER: S(4),
  IDENTITY_PEPPER: S(5),
  PARTNER_KEY_ENCRYPTION_KEY: S(6),
  OUTBOX_KEY: S(7),
};
const PROD = { STAGE: 'prod', JWT_ISSUER: 'https://issuer.example.com', EMAIL_FROM: 'no-reply@example.com', ...PROD_SECRETS };

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('loadConfig did not throw');
}

describe('loadConfig in the local stage', () => {
  it('works with an empty environment and uses the documented defaults', () => {
    const c = loadConfig({});
    expect(c.stage).toBe('local');
    expect(c.isLocal).toBe(true);
    expect(c.tableName).toBe('verigate-local');
    expect(c.codeTtlSeconds).toBe(180);
    expect(c.maxCustomersPerMobile).toBe(5);
    expect(c.auditRetentionDays).toBe(180);
    expect(c.enumerationProtection).toBe(true);
    expect(c.notifier).toEqual({ kind: 'outbox', path: '.data/outbox.jsonl' });
    expect(c.jwtIssuer).toBe(LOCAL_SECRETS.jwtIssuer);
    expect(c.partnerTokenKey).toEqual({ kind: 'secret', secret: LOCAL_SECRETS.partnerJwtSecret });
    expect(c.appTokenKey).toEqual({ kind: 'secret', secret: LOCAL_SECRETS.appJwtSecret });
    expect(c.tokenMaxLifetimeSeconds).toEqual({ partner: 3600, app: 86_400, captcha: 600 });
    expect(c.captcha).toEqual({ kind: 'secret', secret: LOCAL_SECRETS.captchaSecret });
    expect(c.codePepper).toBe(LOCAL_SECRETS.codePepper);
    expect(c.identityPepper).toBe(LOCAL_SECRETS.identityPepper);
    expect(c.partnerKeyEncryptionKey).toBe(LOCAL_SECRETS.partnerKeyEncryptionKey);
    expect(c.localPartner).toEqual({ accessKey: LOCAL_PARTNER_DEFAULTS.accessKey, secretKey: LOCAL_PARTNER_DEFAULTS.secretKey });
    expect(c.secretsPath).toBe('/verigate/local');
  });

  it('uses different code and identity peppers by default', () => {
    const c = loadConfig({});
    expect(c.codePepper).not.toBe(c.identityPepper);
  });

  it('lets LOCAL_PARTNER_AK / LOCAL_PARTNER_SK replace the default pair', () => {
    const c = loadConfig({ LOCAL_PARTNER_AK: 'MYAK', LOCAL_PARTNER_SK: 'my-secret-key' });
    expect(c.localPartner).toEqual({ accessKey: 'MYAK', secretKey: 'my-secret-key' });
  });

  it('pairs LOCAL_PARTNER_SK alone with the default AK', () => {
    const c = loadConfig({ LOCAL_PARTNER_SK: 'other-sk' });
    expect(c.localPartner).toEqual({ accessKey: LOCAL_PARTNER_DEFAULTS.accessKey, secretKey: 'other-sk' });
  });

  it('lets the environment replace a local secret', () => {
    expect(loadConfig({ PARTNER_KEY_ENCRYPTION_KEY: 'my-own-local-kek' }).partnerKeyEncryptionKey).toBe('my-own-local-kek');
  });

  it('accepts a DynamoDB Local endpoint and plain-http URLs of local stand-ins', () => {
    const c = loadConfig({ DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000', PARTNER_JWKS_URL: 'http://127.0.0.1:9000/jwks.json' });
    expect(c.dynamodbEndpoint).toBe('http://127.0.0.1:8000');
    expect(c.partnerTokenKey).toEqual({ kind: 'jwks', url: 'http://127.0.0.1:9000/jwks.json' });
  });

  it('refuses a JWKS or site-verify URL that is not a URL', () => {
    const message = configError({ APP_JWKS_URL: 'idp.example.com/jwks', CAPTCHA_VERIFY_URL: 'ftp://captcha.example.com' }).message;
    expect(message).toContain('APP_JWKS_URL must be an http(s) URL');
    expect(message).toContain('CAPTCHA_VERIFY_URL must be an http(s) URL');
  });

  it('treats empty variables as unset', () => {
    const c = loadConfig({ CODE_TTL_SECONDS: '', CODE_PEPPER: '  ', ENUMERATION_PROTECTION: '' });
    expect(c.codeTtlSeconds).toBe(180);
    expect(c.codePepper).toBe(LOCAL_SECRETS.codePepper);
  });

  it('takes a JWKS URL instead of a secret when one is given', () => {
    const c = loadConfig({ PARTNER_JWKS_URL: 'https://idp.example.com/jwks.json' });
    expect(c.partnerTokenKey).toEqual({ kind: 'jwks', url: 'https://idp.example.com/jwks.json' });
  });

  it.each([
    ['false', false],
    ['0', false],
    ['true', true],
    ['1', true],
  ])('reads ENUMERATION_PROTECTION=%s as %s', (value, expected) => {
    expect(loadConfig({ ENUMERATION_PROTECTION: value }).enumerationProtection).toBe(expected);
  });

  it('refuses an ENUMERATION_PROTECTION that is not a flag', () => {
    configError({ ENUMERATION_PROTECTION: 'yes' });
  });
});

describe('CODE_TTL_SECONDS', () => {
  it('accepts 600', () => {
    expect(loadConfig({ CODE_TTL_SECONDS: '600' }).codeTtlSeconds).toBe(600);
  });

  it('refuses 601', () => {
    expect(configError({ CODE_TTL_SECONDS: '601' }).message).toContain('CODE_TTL_SECONDS');
  });

  it('accepts 30 and refuses 29', () => {
    expect(loadConfig({ CODE_TTL_SECONDS: '30' }).codeTtlSeconds).toBe(30);
    configError({ CODE_TTL_SECONDS: '29' });
  });

  it.each(['abc', '180.5', '-1'])('refuses %j', (value) => {
    configError({ CODE_TTL_SECONDS: value });
  });
});

describe('SMS_COUNTRY_ALLOWLIST and SMS_HOURLY_BUDGET_PER_COUNTRY', () => {
  it('defaults to mainland China, Hong Kong, Macao and Taiwan at 1000 SMS an hour each', () => {
    const { sms } = loadConfig({});
    expect([...sms.allowedCountries]).toEqual(['CN', 'HK', 'MO', 'TW']);
    expect(hourlyBudgetOf(sms, 'CN')).toBe(1000);
  });

  it('reads a list of ISO codes in any case, with spaces', () => {
    expect([...loadConfig({ SMS_COUNTRY_ALLOWLIST: 'cn, US ,gb' }).sms.allowedCountries]).toEqual(['CN', 'US', 'GB']);
  });

  it('knows as countries exactly the two-letter codes ICU names as regions, groupings aside', () => {
    const regionNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
    const groupings = new Set(['EU', 'EZ', 'UN', 'QO', 'ZZ', 'XA', 'XB']);
    const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('');
    const named = letters.flatMap((a) => letters.map((b) => a + b)).filter((c) => !groupings.has(c) && regionNames.of(c) !== undefined);
    expect([...COUNTRY_CODES]).toEqual(named);
  });

  it.each(['XX', 'CN,ZZ', 'EU', 'UN', 'chinaPR', 'CHN', ',', 'CN;US'])('refuses %j', (value) => {
    expect(configError({ SMS_COUNTRY_ALLOWLIST: value }).message).toContain('SMS_COUNTRY_ALLOWLIST');
  });

  it('takes one budget for every country and per-country budgets', () => {
    const { sms } = loadConfig({ SMS_HOURLY_BUDGET_PER_COUNTRY: '200, hk=20,CN=5000' });
    expect([hourlyBudgetOf(sms, 'TW'), hourlyBudgetOf(sms, 'HK'), hourlyBudgetOf(sms, 'CN')]).toEqual([200, 20, 5000]);
    expect(hourlyBudgetOf(loadConfig({ SMS_HOURLY_BUDGET_PER_COUNTRY: 'MO=3' }).sms, 'CN')).toBe(1000);
  });

  it.each(['0', '-1', 'abc', 'CN=', 'XX=5', 'CN=1.5', '10000001', 'CN:5'])('refuses budget %j', (value) => {
    expect(configError({ SMS_HOURLY_BUDGET_PER_COUNTRY: value }).message).toContain('SMS_HOURLY_BUDGET_PER_COUNTRY');
  });
});

describe('PARTNER_REQUESTS_PER_SECOND', () => {
  it("defaults to 10 and takes 1 to 10000, the design's ceiling for one partner", () => {
    expect(loadConfig({}).partnerRequestsPerSecond).toBe(10);
    expect(loadConfig({ PARTNER_REQUESTS_PER_SECOND: '1' }).partnerRequestsPerSecond).toBe(1);
    expect(loadConfig({ PARTNER_REQUESTS_PER_SECOND: '10000' }).partnerRequestsPerSecond).toBe(10_000);
  });

  it("refuses more than the partner's count can hold, saying why", () => {
    expect(configError({ PARTNER_REQUESTS_PER_SECOND: '10001' }).message).toContain(
      "at most 10000: one partner's count holds no more calls a second",
    );
  });

  it.each(['0', '10001', '100001', '2.5', 'fast'])('refuses %j', (value) => {
    expect(configError({ PARTNER_REQUESTS_PER_SECOND: value }).message).toContain('PARTNER_REQUESTS_PER_SECOND');
  });
});

describe('REQUEST_BUDGET_MS and DDB_REQUEST_TIMEOUT_MS', () => {
  it('give a request 3 s and a DynamoDB attempt 500 ms outside the local stage, the function timeout and 4 s in it', () => {
    expect([loadConfig(PROD).requestBudgetMs, loadConfig(PROD).ddbRequestTimeoutMs]).toEqual([3000, 500]);
    expect([loadConfig({}).requestBudgetMs, loadConfig({}).ddbRequestTimeoutMs]).toEqual([10_000, 4000]);
    expect(loadConfig({ ...PROD, REQUEST_BUDGET_MS: '5000', DDB_REQUEST_TIMEOUT_MS: '1000' })).toMatchObject({
      requestBudgetMs: 5000,
      ddbRequestTimeoutMs: 1000,
    });
  });

  it("refuses an attempt that could not end within a request's work", () => {
    expect(configError({ ...PROD, DDB_REQUEST_TIMEOUT_MS: '2001' }).message).toContain(
      'DDB_REQUEST_TIMEOUT_MS (2001) must fit in a request',
    );
    expect(configError({ REQUEST_BUDGET_MS: '3000' }).message).toContain('DDB_REQUEST_TIMEOUT_MS (4000) must fit in a request');
    expect(configError({ REQUEST_BUDGET_MS: '999' }).message).toContain('REQUEST_BUDGET_MS');
  });
});

describe('token lifetimes', () => {
  it('reads PARTNER_, APP_ and CAPTCHA_TOKEN_MAX_LIFETIME_SECONDS', () => {
    const c = loadConfig({
      PARTNER_TOKEN_MAX_LIFETIME_SECONDS: '900',
      APP_TOKEN_MAX_LIFETIME_SECONDS: '43200',
      CAPTCHA_TOKEN_MAX_LIFETIME_SECONDS: '300',
    });
    expect(c.tokenMaxLifetimeSeconds).toEqual({ partner: 900, app: 43_200, captcha: 300 });
  });

  it.each([
    ['PARTNER_TOKEN_MAX_LIFETIME_SECONDS', '59', '86400', '86401'],
    ['APP_TOKEN_MAX_LIFETIME_SECONDS', '59', '604800', '604801'],
    ['CAPTCHA_TOKEN_MAX_LIFETIME_SECONDS', '29', '3600', '3601'],
  ])('bounds %s: refuses %s, accepts %s, refuses %s', (name, tooShort, longest, tooLong) => {
    expect(configError({ [name]: tooShort }).message).toContain(name);
    expect(() => loadConfig({ [name]: longest })).not.toThrow();
    expect(configError({ [name]: tooLong }).message).toContain(name);
    expect(configError({ [name]: '1h' }).message).toContain(name);
  });
});

describe('loadConfig outside the local stage', () => {
  it('starts with every secret and setting given', () => {
    const c = loadConfig(PROD);
    expect(c.isLocal).toBe(false);
    expect(c.tableName).toBe('verigate-prod');
    expect(c.notifier).toEqual({ kind: 'aws', emailFrom: 'no-reply@example.com' });
    expect(c.codePepper).toBe(PROD_SECRETS.CODE_PEPPER);
    expect(c.partnerKeyEncryptionKey).toBe(PROD_SECRETS.PARTNER_KEY_ENCRYPTION_KEY);
    expect(c.localPartner).toBeUndefined();
    expect(c.secretsPath).toBe('/verigate/prod');
  });

  it('names each missing secret when none is given', () => {
    const message = configError({ STAGE: 'prod' }).message;
    for (const name of [
      'PARTNER_JWT_SECRET',
      'APP_JWT_SECRET',
      'CAPTCHA_SECRET',
      'CODE_PEPPER',
      'IDENTITY_PEPPER',
      'PARTNER_KEY_ENCRYPTION_KEY',
      'OUTBOX_KEY',
      'JWT_ISSUER',
      'EMAIL_FROM',
    ]) {
      expect(message).toContain(name);
    }
  });

  it.each(Object.keys(PROD_SECRETS))('refuses to start without %s alone', (name) => {
    const message = configError({ ...PROD, [name]: undefined }).message;
    expect(message).toContain(name);
    for (const other of Object.keys(PROD_SECRETS).filter((n) => n !== name)) expect(message).not.toContain(other);
  });

  it.each([
    ['PARTNER_JWT_SECRET', LOCAL_SECRETS.partnerJwtSecret],
    ['APP_JWT_SECRET', LOCAL_SECRETS.appJwtSecret],
    ['CAPTCHA_SECRET', LOCAL_SECRETS.captchaSecret],
    ['CODE_PEPPER', LOCAL_SECRETS.codePepper],
    ['IDENTITY_PEPPER', LOCAL_SECRETS.identityPepper],
    ['PARTNER_KEY_ENCRYPTION_KEY', LOCAL_SECRETS.partnerKeyEncryptionKey],
    ['OUTBOX_KEY', LOCAL_SECRETS.outboxKey],
  ])('refuses the local development default of %s', (name, value) => {
    const err = configError({ ...PROD, [name]: value });
    expect(err.message).toContain(name);
    expect(err.message).not.toContain(value);
  });

  it('refuses the local default even when padded with whitespace', () => {
    expect(configError({ ...PROD, CODE_PEPPER: `  ${LOCAL_SECRETS.codePepper}\n` }).message).toContain('CODE_PEPPER');
  });

  it("refuses any development default in any role (another secret's default, the local partner SK)", () => {
    const message = configError({
      ...PROD,
      CODE_PEPPER: LOCAL_SECRETS.identityPepper,
      APP_JWT_SECRET: LOCAL_PARTNER_DEFAULTS.secretKey,
    }).message;
    expect(message).toContain('CODE_PEPPER must not use a local development default');
    expect(message).toContain('APP_JWT_SECRET must not use a local development default');
  });

  it.each([
    ['CODE_PEPPER', 'IDENTITY_PEPPER'],
    ['PARTNER_JWT_SECRET', 'APP_JWT_SECRET'],
    ['CAPTCHA_SECRET', 'PARTNER_KEY_ENCRYPTION_KEY'],
  ])('refuses %s and %s holding the same value, without printing it', (a, b) => {
    const shared = 'one-value-for-two-purposes-0000000000001';
    const err = configError({ ...PROD, [a]: shared, [b]: shared });
    expect(err.message).toContain(`${a} and ${b} have the same value`);
    expect(err.message).not.toContain(shared);
  });

  it('counts a value padded with whitespace as the same value', () => {
    expect(configError({ ...PROD, IDENTITY_PEPPER: ` ${PROD_SECRETS.CODE_PEPPER}\n` }).message).toContain(
      'CODE_PEPPER and IDENTITY_PEPPER have the same value',
    );
  });

  it('refuses a DynamoDB endpoint override', () => {
    expect(configError({ ...PROD, DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000' }).message).toContain(
      'DYNAMODB_ENDPOINT is for DynamoDB Local only and must not be set in stage prod',
    );
  });

  it.each(['PARTNER_JWKS_URL', 'APP_JWKS_URL', 'CAPTCHA_VERIFY_URL'])('refuses a plain-http %s', (name) => {
    expect(configError({ ...PROD, [name]: 'http://idp.example.com/keys' }).message).toContain(
      `${name} must be an https:// URL outside the local stage`,
    );
  });

  it('reads the secrets path of the stage, or the one SECRETS_PATH names', () => {
    expect(loadConfig({ ...PROD, SECRETS_PATH: '/teams/verigate/prod' }).secretsPath).toBe('/teams/verigate/prod');
    for (const bad of ['verigate/prod', '/verigate/prod/', '/verigate prod'])
      expect(configError({ ...PROD, SECRETS_PATH: bad }).message).toContain('SECRETS_PATH');
  });

  it('refuses a number that is not a plain decimal integer (0x258, 6e2)', () => {
    expect(configError({ ...PROD, CODE_TTL_SECONDS: '0x258' }).message).toContain('CODE_TTL_SECONDS');
    expect(configError({ ...PROD, CODE_TTL_SECONDS: '6e2' }).message).toContain('CODE_TTL_SECONDS');
  });

  it('refuses a secret shorter than 32 characters without printing it', () => {
    const err = configError({ ...PROD, CODE_PEPPER: 'short-pepper-value' });
    expect(err.message).toContain('CODE_PEPPER');
    expect(err.message).not.toContain('short-pepper-value');
  });

  it('never puts a secret value in its error message', () => {
    const secrets = { ...PROD_SECRETS, CODE_PEPPER: 'tiny-pepper', CAPTCHA_SECRET: LOCAL_SECRETS.captchaSecret };
    const message = configError({
      STAGE: 'staging',
      ...secrets,
      CODE_TTL_SECONDS: '9999',
    }).message;
    for (const value of Object.values(secrets)) expect(message).not.toContain(value);
  });

  it('does not fall back to the local partner pair', () => {
    const c = loadConfig({ ...PROD, LOCAL_PARTNER_AK: 'LOCALAK', LOCAL_PARTNER_SK: 'local-sk' });
    expect(c.localPartner).toBeUndefined();
  });

  it('accepts JWKS URLs in place of the token secrets', () => {
    const c = loadConfig({
      ...PROD,
      PARTNER_JWT_SECRET: undefined,
      APP_JWT_SECRET: undefined,
      PARTNER_JWKS_URL: 'https://a/jwks',
      APP_JWKS_URL: 'https://b/jwks',
    });
    expect(c.partnerTokenKey).toEqual({ kind: 'jwks', url: 'https://a/jwks' });
    expect(c.appTokenKey).toEqual({ kind: 'jwks', url: 'https://b/jwks' });
  });

  it('needs OUTBOX_PATH for the outbox notifier', () => {
    expect(configError({ ...PROD, NOTIFIER: 'outbox' }).message).toContain('OUTBOX_PATH');
    expect(loadConfig({ ...PROD, NOTIFIER: 'outbox', OUTBOX_PATH: '/tmp/o.jsonl' }).notifier).toEqual({
      kind: 'outbox',
      path: '/tmp/o.jsonl',
    });
  });

  it('refuses an empty STAGE', () => {
    configError({ STAGE: '' });
  });
});

describe("a function's configuration in the local stage", () => {
  it('holds only the secrets it was loaded with', async () => {
    const c = await loadFunctionConfig({ STAGE: 'local', CODE_PEPPER: 'dev-override-pepper' }, ['codePepper', 'captchaSecret']);
    expect(c.codePepper).toBe('dev-override-pepper');
    expect(c.captcha).toEqual({ kind: 'secret', secret: LOCAL_SECRETS.captchaSecret });
    for (const other of ['partnerTokenKey', 'appTokenKey', 'identityPepper', 'partnerKeyEncryptionKey']) expect(other in c).toBe(false);
  });

  it('applies the settings rules as loadConfig does', async () => {
    await expect(loadFunctionConfig({ CODE_TTL_SECONDS: '601' }, ['codePepper'])).rejects.toThrow(ConfigError);
  });
});

describe("the aws notifier's provider settings (deliverCode's cold start)", () => {
  const sms = loadConfig({ STAGE: 'local' }).sms; // CN, HK, MO, TW
  const GIVEN = {
    SMS_VOICE_CONFIGURATION_SET: 'verigate-prod',
    SES_CONFIGURATION_SET: 'verigate-prod',
    SMS_ORIGINATION_IDENTITIES: 'CN=pool-0123abcd,hk=phone-99,*=VERIGATE',
    VOICE_ORIGINATION_IDENTITIES: 'CN=arn:aws:sms-voice:ap-east-1:123456789012:pool/pool-1,*=pool-2',
    SMS_MAX_PRICE: '0.05',
    VOICE_MAX_PRICE_PER_MINUTE: '0.12',
  };
  const problems = (env: Record<string, string | undefined>) => {
    try {
      readProviderSettings(env, sms);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as Error).message;
    }
    throw new Error('expected a ConfigError');
  };

  it('reads the identities per country, the configuration sets and the price caps', () => {
    const p = readProviderSettings(GIVEN, sms);
    expect(Object.fromEntries(p.smsVoice.sms)).toEqual({ CN: 'pool-0123abcd', HK: 'phone-99', '*': 'VERIGATE' });
    expect(Object.fromEntries(p.smsVoice.voice)).toEqual({ CN: 'arn:aws:sms-voice:ap-east-1:123456789012:pool/pool-1', '*': 'pool-2' });
    expect(p.smsVoice).toMatchObject({
      configurationSet: 'verigate-prod',
      protectConfigurationId: undefined,
      smsMaxPrice: '0.05',
      voiceMaxPricePerMinute: '0.12',
    });
    expect(p.ses).toEqual({ configurationSet: 'verigate-prod' });
  });

  it('names every problem at once: no configuration sets, an identity IAM cannot name, a country twice, prices of the wrong form', () => {
    const message = problems({
      SMS_ORIGINATION_IDENTITIES: 'CN=+8613612345678,XX=pool-1,HK=pool-1,HK=pool-2,oops',
      VOICE_ORIGINATION_IDENTITIES: 'CN=pool-1',
      SMS_MAX_PRICE: '5 USD',
      VOICE_MAX_PRICE_PER_MINUTE: '0.000001',
    });
    for (const expected of [
      'SMS_VOICE_CONFIGURATION_SET is required',
      'SES_CONFIGURATION_SET is required',
      "CN's identity must be a phone number id",
      '"XX=pool-1" is not <CC>=<identity>',
      'HK is given twice',
      '"oops" is not',
      'SMS_MAX_PRICE must be a price',
      'VOICE_MAX_PRICE_PER_MINUTE must be a price',
      'VOICE_ORIGINATION_IDENTITIES has no identity for HK, MO, TW',
    ])
      expect(message).toContain(expected);
  });

  it('needs a voice identity for every allow-listed country, its own or every other country’s', () => {
    expect(problems({ ...GIVEN, VOICE_ORIGINATION_IDENTITIES: undefined })).toContain('has no identity for CN, HK, MO, TW');
    expect(() =>
      readProviderSettings({ ...GIVEN, VOICE_ORIGINATION_IDENTITIES: 'CN=pool-1,HK=pool-2,MO=pool-3,TW=pool-4' }, sms),
    ).not.toThrow();
  });
});

describe("the lifecycle events' bus (publishLifecycleEvents' cold start with the aws notifier)", () => {
  it('takes a bus name or the ARN of one', () => {
    expect(readEventBusName({ EVENT_BUS_NAME: 'verigate-prod' })).toBe('verigate-prod');
    const arn = 'arn:aws:events:ap-southeast-1:123456789012:event-bus/partner-flows';
    expect(readEventBusName({ EVENT_BUS_NAME: ` ${arn} ` })).toBe(arn);
  });

  it('refuses to start without one, or with something that names no bus', () => {
    expect(() => readEventBusName({})).toThrow(ConfigError);
    expect(() => readEventBusName({})).toThrow(/EVENT_BUS_NAME is required/);
    for (const bad of ['a bus', 'arn:aws:sqs:ap-southeast-1:123456789012:queue', 'x'.repeat(257)])
      expect(() => readEventBusName({ EVENT_BUS_NAME: bad }), bad).toThrow(/EVENT_BUS_NAME must be an event bus name or ARN/);
  });
});
