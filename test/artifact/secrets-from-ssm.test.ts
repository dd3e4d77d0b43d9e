// The packaged bundles in the stage they deploy to: at cold start each reads its own secrets from SSM
// Parameter Store (here the stand-in on loopback, reached through the SDK's standard endpoint variable)
// with the signed GetParameters call the bundle carries, under the role's credentials from the
// environment; a denied read fails the cold start with a named error. What each reads is held to the
// operators' contract (test/support/secret-parameters.ts), not to the declaration it is built from, and to
// what its role in the same package may read.
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { OperationName } from '../../shared/operations.js';
import { SECRET_PARAMETERS as PARAMETERS } from '../support/secret-parameters.js';
import { startSsmStandIn, type SsmBehaviour, type SsmStandIn } from '../support/ssm-stand-in.js';
import { invokePackaged, lambdaEnvironment } from './packaged-function.js';

const ALL = [...new Set(Object.values(PARAMETERS).flat())];

let ssm: SsmStandIn | undefined;
afterEach(async () => {
  await ssm?.close();
  ssm = undefined;
});

async function standIn(secretsPath: string, behaviour?: SsmBehaviour): Promise<SsmStandIn> {
  ssm = await startSsmStandIn(
    Object.fromEntries(ALL.map((name, i) => [`${secretsPath}/${name}`, { value: `artifact-${name}-${i}-`.padEnd(48, 'k') }])),
    { behaviour },
  );
  return ssm;
}

/** The function's environment as Lambda gives it in prod: the template's variables, the stage parameters a deploy passes. */
function prodEnvironment(operation: OperationName): Record<string, string> {
  const fn = inject('packaged').functions[operation];
  const lambda = lambdaEnvironment(operation, { tableName: 'unused', dynamodbEndpoint: 'unused', outboxPath: 'unused' });
  // Only what Lambda sets, then the template's own variables: nothing of the local stage.
  const { STAGE: _s, TABLE_NAME: _t, DYNAMODB_ENDPOINT: _d, NOTIFIER: _n, OUTBOX_PATH: _o, ...runtime } = lambda;
  return {
    ...runtime,
    ...fn.environment,
    JWT_ISSUER: 'https://issuer.artifact.example',
    EMAIL_FROM: 'no-reply@artifact.example',
    MESSAGE_BRAND: 'Artifact',
    // deliverCode calls by voice from an origination identity the stage names (docs/operations.md "Delivery").
    VOICE_ORIGINATION_IDENTITIES: '*=pool-artifact',
    // What the template's Ref of the stack's lifecycle bus resolves to (publishLifecycleEvents).
    ...(fn.computedVariables.includes('EVENT_BUS_NAME') ? { EVENT_BUS_NAME: 'verigate-prod' } : {}),
  };
}

describe('the packaged functions in prod read their secrets from the parameter store', () => {
  it.each((Object.keys(PARAMETERS) as OperationName[]).filter((op) => PARAMETERS[op].length > 0))(
    '%s starts after one signed GetParameters call for exactly its own parameters, all of which its role may read',
    async (operation) => {
      const env = prodEnvironment(operation);
      const secretsPath = env.SECRETS_PATH!;
      const s = await standIn(secretsPath);
      const report = await invokePackaged(operation, [], { ...env, AWS_ENDPOINT_URL_SSM: s.endpoint });
      expect(report.initError).toBeUndefined();
      expect(s.calls).toHaveLength(1);
      expect(s.calls[0]!.target).toBe('AmazonSSM.GetParameters');
      expect(s.calls[0]!.withDecryption).toBe(true);
      expect([...s.calls[0]!.names].sort()).toEqual(PARAMETERS[operation].map((n) => `${secretsPath}/${n}`).sort());
      expect([...s.calls[0]!.names].sort()).toEqual([...inject('packaged').functions[operation].readableParameters].sort());
      const request = s.requests[0]!;
      expect(request.headers.authorization).toMatch(
        new RegExp(`^AWS4-HMAC-SHA256 Credential=${env.AWS_ACCESS_KEY_ID}/\\d{8}/${env.AWS_REGION}/ssm/aws4_request, `),
      );
      expect(request.headers['x-amz-security-token']).toBe(env.AWS_SESSION_TOKEN);
    },
    30_000,
  );

  it.each((Object.keys(PARAMETERS) as OperationName[]).filter((op) => PARAMETERS[op].length === 0))(
    '%s holds no secret: it starts without asking the parameter store, and its role may read none',
    async (operation) => {
      const env = prodEnvironment(operation);
      const s = await standIn(env.SECRETS_PATH!);
      const report = await invokePackaged(operation, [], { ...env, AWS_ENDPOINT_URL_SSM: s.endpoint });
      expect(report.initError).toBeUndefined();
      expect(s.calls).toEqual([]);
      expect(inject('packaged').functions[operation].readableParameters).toEqual([]);
    },
    30_000,
  );

  it('refuses to start when the role may not read its parameters, naming the error', async () => {
    const env = prodEnvironment('registerCustomer');
    const s = await standIn(env.SECRETS_PATH!, 'deny');
    const report = await invokePackaged('registerCustomer', [], { ...env, AWS_ENDPOINT_URL_SSM: s.endpoint });
    expect(report.initError?.name).toBe('SecretsUnavailableError');
    expect(report.initError?.message).toContain('AccessDeniedException');
    expect(report.initError?.message).toContain(`${env.SECRETS_PATH}/identity-pepper`);
    expect(s.calls).toHaveLength(1);
  }, 30_000);
});
