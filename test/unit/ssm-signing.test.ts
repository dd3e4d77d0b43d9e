// The functions read their secrets with a signed GetParameters call of their own (shared/secrets/
// ssm-get-parameters.ts) instead of @aws-sdk/client-ssm. Offline proof that SSM would accept it: for the
// same credentials, region, clock and names, the request that reaches a loopback server is the one the
// SDK's own SSMClient sends (@aws-sdk/client-ssm is a devDependency for this test only).
import { GetParametersCommand, SSMClient, type ServiceInputTypes, type ServiceOutputTypes } from '@aws-sdk/client-ssm';
import type { FinalizeRequestMiddleware } from '@smithy/types';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createGetParameters, ssmEndpoint } from '../../shared/secrets/ssm-get-parameters.js';
import { startSsmStandIn, type ReceivedRequest, type SsmStandIn } from '../support/ssm-stand-in.js';

const REGION = 'ap-southeast-1';
const CREDENTIALS = {
  accessKeyId: 'ASIAEXAMPLESIGNING00',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLE//////////session+token=',
};
const NAMES = ['/verigate/prod/code-pepper', '/verigate/prod/identity-pepper', '/verigate/prod/outbox-key'];
// Headers the SDK adds for its own telemetry and retry bookkeeping: the service does not need them.
const SDK_TELEMETRY_HEADERS = ['amz-sdk-invocation-id', 'amz-sdk-request', 'user-agent', 'x-amz-user-agent'];

let ssm: SsmStandIn;
beforeEach(async () => {
  ssm = await startSsmStandIn(Object.fromEntries(NAMES.map((n) => [n, { value: `value of ${n}` }])));
  // Only Date: the clock both signers read. The HTTP timers stay real.
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-11-22T18:04:05.000Z'));
});
afterEach(async () => {
  vi.useRealTimers();
  await ssm.close();
});

async function sendWithOurReader(): Promise<ReceivedRequest> {
  const getParameters = createGetParameters({
    region: REGION,
    endpoint: ssm.endpoint,
    credentials: async () => CREDENTIALS,
    maxAttempts: 1,
  });
  await getParameters(NAMES);
  return ssm.requests.at(-1)!;
}

async function sendWithSdk(options: { withoutTelemetryHeaders: boolean }): Promise<ReceivedRequest> {
  const client = new SSMClient({ region: REGION, endpoint: ssm.endpoint, credentials: CREDENTIALS, maxAttempts: 1 });
  if (options.withoutTelemetryHeaders) {
    const strip: FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes> = (next) => async (args) => {
      const headers = (args.request as { headers: Record<string, string> }).headers;
      for (const h of Object.keys(headers)) if (SDK_TELEMETRY_HEADERS.includes(h.toLowerCase())) delete headers[h];
      return next(args);
    };
    client.middlewareStack.addRelativeTo(strip, { relation: 'before', toMiddleware: 'httpSigningMiddleware', name: 'stripTelemetry' });
  }
  const out = await client.send(new GetParametersCommand({ Names: NAMES, WithDecryption: true }));
  expect(out.Parameters).toHaveLength(NAMES.length);
  client.destroy();
  return ssm.requests.at(-1)!;
}

const signedHeaderNames = (r: ReceivedRequest) => /SignedHeaders=([^,]+)/.exec(r.headers.authorization!)![1]!.split(';');
const credentialScope = (r: ReceivedRequest) => /Credential=([^,]+)/.exec(r.headers.authorization!)![1];

describe('the GetParameters request the functions sign', () => {
  it('is byte for byte the request the SDK sends without its telemetry headers: method, host, path, every header, signature, body', async () => {
    const ours = await sendWithOurReader();
    const sdk = await sendWithSdk({ withoutTelemetryHeaders: true });
    expect(ours).toEqual(sdk);
    // What the equality covers.
    expect(ours.method).toBe('POST');
    expect(ours.path).toBe('/');
    expect(ours.headers['x-amz-target']).toBe('AmazonSSM.GetParameters');
    expect(ours.headers['x-amz-date']).toBe('20261122T180405Z');
    expect(ours.headers['x-amz-security-token']).toBe(CREDENTIALS.sessionToken);
    expect(ours.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=ASIAEXAMPLESIGNING00\/20261122\/ap-southeast-1\/ssm\/aws4_request, /,
    );
    expect(JSON.parse(ours.body)).toEqual({ Names: NAMES, WithDecryption: true });
  });

  it('differs from the SDK as it ships only by the telemetry headers, which it neither sends nor signs', async () => {
    const ours = await sendWithOurReader();
    const sdk = await sendWithSdk({ withoutTelemetryHeaders: false });
    const onlySdk = Object.keys(sdk.headers).filter((h) => !(h in ours.headers));
    expect(onlySdk.sort()).toEqual(SDK_TELEMETRY_HEADERS);
    expect(Object.keys(ours.headers).filter((h) => !(h in sdk.headers))).toEqual([]);
    for (const h of Object.keys(ours.headers).filter((h) => h !== 'authorization'))
      expect([h, ours.headers[h]]).toEqual([h, sdk.headers[h]]);
    expect(ours.body).toBe(sdk.body);
    expect(credentialScope(ours)).toBe(credentialScope(sdk));
    // user-agent is never signed; the SDK signs its other three.
    expect(signedHeaderNames(ours)).toEqual(signedHeaderNames(sdk).filter((h) => !SDK_TELEMETRY_HEADERS.includes(h)));
  });
});

describe('the SSM endpoint', () => {
  it('is the region public endpoint, in the China partition for a cn- region', () => {
    expect(ssmEndpoint('ap-southeast-1', {})).toBe('https://ssm.ap-southeast-1.amazonaws.com');
    expect(ssmEndpoint('cn-north-1', {})).toBe('https://ssm.cn-north-1.amazonaws.com.cn');
  });

  it('follows the SDK endpoint variables: the SSM one first, then the global one, unless told to ignore them', () => {
    const env = { AWS_ENDPOINT_URL_SSM: 'https://ssm-fips.us-east-1.amazonaws.com', AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' };
    expect(ssmEndpoint('us-east-1', env)).toBe('https://ssm-fips.us-east-1.amazonaws.com');
    expect(ssmEndpoint('us-east-1', { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' })).toBe('http://127.0.0.1:4566');
    expect(ssmEndpoint('us-east-1', { ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' })).toBe('https://ssm.us-east-1.amazonaws.com');
  });

  it('refuses to stand the public endpoint in for a FIPS or dual-stack one the SDK settings ask for', () => {
    expect(() => ssmEndpoint('us-east-1', { AWS_USE_FIPS_ENDPOINT: 'true' })).toThrow(/AWS_USE_FIPS_ENDPOINT=true: set AWS_ENDPOINT_URL_SSM/);
    expect(() => ssmEndpoint('us-east-1', { AWS_USE_DUALSTACK_ENDPOINT: 'TRUE' })).toThrow(/AWS_USE_DUALSTACK_ENDPOINT/);
    expect(ssmEndpoint('us-east-1', { AWS_USE_FIPS_ENDPOINT: 'false' })).toBe('https://ssm.us-east-1.amazonaws.com');
    const fips = 'https://ssm-fips.us-east-1.amazonaws.com';
    expect(ssmEndpoint('us-east-1', { AWS_USE_FIPS_ENDPOINT: 'true', AWS_ENDPOINT_URL_SSM: fips })).toBe(fips);
  });

  it('refuses a region that is not one, rather than build a host name from it', () => {
    expect(() => ssmEndpoint('us-east-1.evil.example/', {})).toThrow(/not an AWS region/);
  });
});
