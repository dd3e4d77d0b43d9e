// Secrets at cold start outside the local stage: read from SSM Parameter Store through Powertools
// Parameters, here a stand-in on loopback that speaks the SSM JSON protocol (test/support/ssm-stand-in.ts),
// so the real signed call (timeouts, retries), the Powertools cache and the config rules all run. Each
// function asks for its own only.
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadFunctionConfig, SECRET_SETTINGS } from '../../shared/config.js';
import { LOCAL_SECRETS } from '../../shared/local-defaults.js';
import { ParameterStoreProvider, SecretsUnavailableError } from '../../shared/secrets/parameter-store.js';
import { SSM_READ_BUDGET_MS } from '../../shared/policy.js';
import { startSsmStandIn, type SsmBehaviour, type SsmStandIn, type StoredParameter } from '../support/ssm-stand-in.js';

const PATH = '/verigate/prod';
const PROD_ENV = {
  STAGE: 'prod',
  AWS_REGION: 'ap-southeast-1',
  JWT_ISSUER: 'https://issuer.example.com',
  EMAIL_FROM: 'no-reply@example.com',
  // deliverCode renders messages: outside the local stage it needs the brand they carry.
  MESSAGE_BRAND: 'Example',
  // ...and sends them through the stage's configuration sets, calling from its voice identity.
  SMS_VOICE_CONFIGURATION_SET: 'verigate-prod',
  SES_CONFIGURATION_SET: 'verigate-prod',
  VOICE_ORIGINATION_IDENTITIES: '*=pool-prod',
};
const value = (n: number) => `prod-parameter-value-${n}-`.padEnd(48, 'z');
const ALL_PARAMETERS: Record<string, StoredParameter> = {
  [`${PATH}/partner-jwt-secret`]: { value: value(1) },
  [`${PATH}/app-jwt-secret`]: { value: value(2) },
  [`${PATH}/captcha-secret`]: { value: value(3) },
  [`${PATH}/code-pepper`]: { value: value(4) },
  [`${PATH}/identity-pepper`]: { value: value(5) },
  [`${PATH}/partner-key-encryption-key`]: { value: value(6) },
  [`${PATH}/outbox-key`]: { value: value(7) },
};

let ssm: SsmStandIn | undefined;
afterEach(async () => {
  await ssm?.close();
  ssm = undefined;
});

async function standIn(
  parameters: Record<string, StoredParameter> = ALL_PARAMETERS,
  behaviour?: SsmBehaviour | SsmBehaviour[],
): Promise<SsmStandIn> {
  ssm = await startSsmStandIn(parameters, { behaviour });
  return ssm;
}

async function refusal(load: Promise<unknown>): Promise<ConfigError> {
  const err = await load.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

describe('secrets from the parameter store', () => {
  it('reads the secrets a function needs in one decrypting GetParameters call under the stage path', async () => {
    const s = await standIn();
    const config = await loadFunctionConfig(PROD_ENV, ['codePepper', 'identityPepper', 'captchaSecret'], { ssm: s.provider() });
    expect(config.codePepper).toBe(value(4));
    expect(config.identityPepper).toBe(value(5));
    expect(config.captcha).toEqual({ kind: 'secret', secret: value(3) });
    expect(s.calls).toEqual([
      {
        target: 'AmazonSSM.GetParameters',
        names: [`${PATH}/code-pepper`, `${PATH}/identity-pepper`, `${PATH}/captcha-secret`],
        withDecryption: true,
      },
    ]);
  });

  it('reads under SECRETS_PATH when the stage names its own', async () => {
    const s = await standIn({ '/teams/verigate/prod/identity-pepper': { value: value(9) } });
    const config = await loadFunctionConfig({ ...PROD_ENV, SECRETS_PATH: '/teams/verigate/prod' }, ['identityPepper'], {
      ssm: s.provider(),
    });
    expect(config.identityPepper).toBe(value(9));
  });

  it('serves a second load in the same environment from the Powertools cache', async () => {
    const s = await standIn();
    const provider = s.provider();
    await loadFunctionConfig(PROD_ENV, ['identityPepper'], { ssm: provider });
    await loadFunctionConfig(PROD_ENV, ['identityPepper'], { ssm: provider });
    expect(s.calls).toHaveLength(1);
  });

  it('never calls the parameter store in the local stage', async () => {
    const s = await standIn();
    const config = await loadFunctionConfig({ STAGE: 'local' }, ['codePepper', 'identityPepper'], { ssm: s.provider() });
    expect(config.codePepper).toBe(LOCAL_SECRETS.codePepper);
    expect(s.calls).toEqual([]);
  });

  it('asks for no token secret when the token key is a JWKS URL', async () => {
    const s = await standIn();
    const config = await loadFunctionConfig(
      { ...PROD_ENV, PARTNER_JWKS_URL: 'https://idp.example.com/jwks.json' },
      ['partnerJwtSecret', 'identityPepper'],
      {
        ssm: s.provider(),
      },
    );
    expect(config.partnerTokenKey).toEqual({ kind: 'jwks', url: 'https://idp.example.com/jwks.json' });
    expect(s.requestedNames()).toEqual([`${PATH}/identity-pepper`]);
  });
});

describe('a function that refuses to start', () => {
  it('names every missing parameter', async () => {
    const s = await standIn({});
    const err = await refusal(
      loadFunctionConfig(PROD_ENV, ['partnerJwtSecret', 'identityPepper', 'partnerKeyEncryptionKey'], { ssm: s.provider() }),
    );
    for (const name of ['partner-jwt-secret', 'identity-pepper', 'partner-key-encryption-key'])
      expect(err.message).toContain(`${PATH}/${name}) is missing`);
  });

  it('refuses a secret stored as a plain String parameter', async () => {
    const s = await standIn({ ...ALL_PARAMETERS, [`${PATH}/code-pepper`]: { value: value(4), type: 'String' } });
    const err = await refusal(loadFunctionConfig(PROD_ENV, ['codePepper', 'identityPepper'], { ssm: s.provider() }));
    expect(err.message).toContain(`CODE_PEPPER (parameter ${PATH}/code-pepper) must be a SecureString parameter`);
    expect(err.message).not.toContain('IDENTITY_PEPPER');
  });

  it('refuses one value used for two purposes, without printing it', async () => {
    const s = await standIn({ ...ALL_PARAMETERS, [`${PATH}/identity-pepper`]: { value: value(4) } });
    const err = await refusal(loadFunctionConfig(PROD_ENV, ['codePepper', 'identityPepper'], { ssm: s.provider() }));
    expect(err.message).toMatch(/CODE_PEPPER .* and IDENTITY_PEPPER .* have the same value/);
    expect(err.message).not.toContain(value(4));
  });

  it('refuses a short value and a local development default, without printing them', async () => {
    const s = await standIn({
      [`${PATH}/code-pepper`]: { value: 'short-but-secret' },
      [`${PATH}/identity-pepper`]: { value: LOCAL_SECRETS.identityPepper },
    });
    const err = await refusal(loadFunctionConfig(PROD_ENV, ['codePepper', 'identityPepper'], { ssm: s.provider() }));
    expect(err.message).toContain('CODE_PEPPER (parameter /verigate/prod/code-pepper) must be at least 32 characters');
    expect(err.message).toContain('IDENTITY_PEPPER (parameter /verigate/prod/identity-pepper) must not use a local development default');
    expect(err.message).not.toContain('short-but-secret');
    expect(err.message).not.toContain(LOCAL_SECRETS.identityPepper);
  });

  it('refuses a secret set in the environment, even one the function does not need', async () => {
    const s = await standIn();
    const err = await refusal(loadFunctionConfig({ ...PROD_ENV, CODE_PEPPER: value(4) }, ['identityPepper'], { ssm: s.provider() }));
    expect(err.message).toContain('CODE_PEPPER must not be set in the environment of stage prod');
    expect(err.message).not.toContain(value(4));
  });

  it('lists problems of the settings and of the secrets together', async () => {
    const s = await standIn({});
    const err = await refusal(
      loadFunctionConfig(
        { ...PROD_ENV, DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000', APP_JWKS_URL: 'http://idp.example.com/jwks' },
        ['appJwtSecret', 'codePepper'],
        {
          ssm: s.provider(),
        },
      ),
    );
    expect(err.message).toContain('DYNAMODB_ENDPOINT');
    expect(err.message).toContain('APP_JWKS_URL must be an https:// URL');
    expect(err.message).toContain(`CODE_PEPPER (parameter ${PATH}/code-pepper) is missing`);
  });

  it('says so when it may not read the parameters, without asking again', async () => {
    const s = await standIn(ALL_PARAMETERS, 'deny');
    const err = await loadFunctionConfig(PROD_ENV, ['identityPepper'], { ssm: s.provider({ maxAttempts: 3 }) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretsUnavailableError);
    expect((err as Error).message).toContain('AccessDeniedException');
    expect((err as Error).message).toContain(`${PATH}/identity-pepper`);
    expect(s.calls).toHaveLength(1);
  });

  it('names the error and the parameters when the parameter store keeps failing, and never a value', async () => {
    const s = await standIn(ALL_PARAMETERS, 'fail');
    const err = await loadFunctionConfig(PROD_ENV, ['codePepper', 'identityPepper'], { ssm: s.provider({ maxAttempts: 3 }) }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SecretsUnavailableError);
    expect((err as Error).message).toBe(
      `could not read ${PATH}/code-pepper, ${PATH}/identity-pepper from SSM Parameter Store: InternalServerError: internal failure (after 3 attempts)`,
    );
    expect(s.calls).toHaveLength(3);
  });

  it('reads the secrets after being throttled and after a server error', async () => {
    const s = await standIn(ALL_PARAMETERS, ['throttle', 'fail', 'answer']);
    const config = await loadFunctionConfig(PROD_ENV, ['identityPepper'], { ssm: s.provider({ maxAttempts: 3 }) });
    expect(config.identityPepper).toBe(value(5));
    expect(s.calls).toHaveLength(3);
  });

  it('names a refused connection, after trying it three times', async () => {
    const s = await standIn();
    const endpoint = s.endpoint;
    await s.close();
    ssm = undefined;
    const provider = new ParameterStoreProvider({
      region: 'ap-southeast-1',
      endpoint,
      credentials: async () => ({ accessKeyId: 'stand-in', secretAccessKey: 'stand-in' }),
    });
    const err = await loadFunctionConfig(PROD_ENV, ['identityPepper'], { ssm: provider }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretsUnavailableError);
    expect((err as Error).message).toMatch(/: ECONNREFUSED: .*\(after 3 attempts\)$/);
  });

  it('gives up on an answer whose body never comes', async () => {
    const s = await standIn(ALL_PARAMETERS, 'stall-body');
    const started = Date.now();
    const err = await loadFunctionConfig(PROD_ENV, ['identityPepper'], { ssm: s.provider({ maxAttempts: 1 }) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretsUnavailableError);
    expect((err as Error).message).toContain('TimeoutError');
    expect(Date.now() - started).toBeLessThan(4_000);
  }, 10_000);

  it('starts no attempt that could end past its read budget: answers whose bodies never come get 2 attempts, not 3', async () => {
    const s = await standIn(ALL_PARAMETERS, 'stall-body');
    const started = Date.now();
    const err = await loadFunctionConfig(PROD_ENV, ['identityPepper'], { ssm: s.provider({ maxAttempts: 3 }) }).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(err).toBeInstanceOf(SecretsUnavailableError);
    expect((err as Error).message).toMatch(/TimeoutError: .*\(after 2 attempts\)$/);
    // Two attempts of 2.5 s: a third would start past 5 s and could end past SSM_READ_BUDGET_MS.
    expect(s.calls).toHaveLength(2);
    expect(elapsed).toBeLessThanOrEqual(SSM_READ_BUDGET_MS);
  }, 15_000);

  it('gives up on a stalled parameter store within its cold-start budget, with the provider it builds itself', async () => {
    const s = await standIn(ALL_PARAMETERS, 'stall');
    // The SDK's standard endpoint override lets the function's own provider (timeouts, retries) reach the stand-in.
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ENDPOINT_URL_SSM: s.endpoint, AWS_ACCESS_KEY_ID: 'stand-in', AWS_SECRET_ACCESS_KEY: 'stand-in' });
    const started = Date.now();
    try {
      const err = await loadFunctionConfig(PROD_ENV, ['identityPepper']).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SecretsUnavailableError);
      expect((err as Error).message).toContain('TimeoutError');
    } finally {
      process.env = saved;
    }
    const elapsed = Date.now() - started;
    // 3 attempts of at most 2 s each plus backoff, inside SSM_READ_BUDGET_MS and Lambda's 10 s init phase.
    expect(s.calls).toHaveLength(3);
    expect(elapsed).toBeLessThan(8_000);
  }, 20_000);
});

describe('each function asks only for its own secrets', () => {
  const cases = [
    [
      'checkIdentity',
      async () => (await import('../../functions/check-identity.js')).loadCheckIdentityRuntime,
      ['partner-jwt-secret', 'identity-pepper', 'partner-key-encryption-key'],
    ],
    [
      'sendVerificationCode',
      async () => (await import('../../functions/send-verification-code.js')).loadSendVerificationCodeRuntime,
      ['captcha-secret', 'code-pepper', 'identity-pepper', 'outbox-key'],
    ],
    [
      'verifyVerificationCode',
      async () => (await import('../../functions/verify-verification-code.js')).loadVerifyVerificationCodeRuntime,
      ['app-jwt-secret', 'code-pepper', 'identity-pepper'],
    ],
    [
      'registerCustomer',
      async () => (await import('../../functions/register-customer.js')).loadRegisterCustomerRuntime,
      ['identity-pepper'],
    ],
    [
      'deregisterCustomer',
      async () => (await import('../../functions/deregister-customer.js')).loadDeregisterCustomerRuntime,
      ['identity-pepper'],
    ],
    ['deliverCode', async () => (await import('../../functions/deliver-code.js')).loadDeliverCodeRuntime, ['outbox-key']],
    ['recordReceipt', async () => (await import('../../functions/record-receipt.js')).loadRecordReceiptRuntime, []],
  ] as const;

  it.each(cases)('%s reads exactly its parameters, decrypted, and holds no other secret', async (_fn, loader, expected) => {
    const s = await standIn();
    const load = await loader();
    const rt = await load({ env: PROD_ENV, ssm: s.provider() });
    expect(s.calls.every((c) => c.withDecryption)).toBe(true);
    expect([...s.requestedNames()].sort()).toEqual(expected.map((p) => `${PATH}/${p}`).sort());
    const secretFieldsHeld = SECRET_SETTINGS.filter((f) => f in rt.config);
    expect(secretFieldsHeld).toHaveLength(expected.length);
    const dump = JSON.stringify(rt.config);
    const valuesHeld = Object.keys(ALL_PARAMETERS).filter((name) => dump.includes(ALL_PARAMETERS[name]!.value));
    expect(valuesHeld.sort()).toEqual(expected.map((p) => `${PATH}/${p}`).sort());
  });
});
