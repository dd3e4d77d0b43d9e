// One signed `AmazonSSM.GetParameters` call (JSON 1.1 protocol), built from the parts of the AWS SDK the
// DynamoDB client already bundles (SigV4 signer, SHA-256, HTTP request, Node HTTP handler, credentials
// provider) instead of the SDK's SSM client package: the full client added ~87 KiB and ~8 ms of import to every
// function for one call at cold start. test/unit/ssm-signing.test.ts proves the request is the one the
// SDK's own SSMClient sends.
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Sha256 } from '@smithy/core/checksum';
import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import { HttpRequest } from '@smithy/core/transport';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, HttpHandlerOptions, HttpResponse, SdkError } from '@smithy/types';
import {
  SSM_ATTEMPT_MS,
  SSM_CONNECT_TIMEOUT_MS,
  SSM_HEADERS_TIMEOUT_MS,
  SSM_READ_BUDGET_MS,
  SSM_RETRY,
  SSM_THROTTLED_RETRY,
} from '../policy.js';
import { retry } from '../retry.js';

export interface SsmParameter {
  name: string;
  /** String, StringList or SecureString. */
  type: string;
  value: string;
}

export interface GetParametersAnswer {
  parameters: SsmParameter[];
  /** Names SSM does not know (GetParameters' InvalidParameters). */
  invalid: string[];
}

export type GetParameters = (names: readonly string[]) => Promise<GetParametersAnswer>;

/** The AWS error type (AccessDeniedException, ThrottlingException, …) or transport error (TimeoutError, ECONNREFUSED) of a failed call. */
export class SsmCallError extends Error {
  override name = 'SsmCallError';
  /** How many attempts were made before giving up. */
  attempts = 1;
  constructor(
    readonly errorType: string,
    message: string,
    readonly retryable: boolean,
    /** Throttled: the next attempt waits longer. */
    readonly throttled = false,
  ) {
    super(`${errorType}: ${message}`);
  }
}

/** Something that sends a signed request: the Node HTTP handler, or a stand-in in a test. */
export interface RequestHandler {
  handle(request: HttpRequest, options?: HttpHandlerOptions): Promise<{ response: HttpResponse }>;
}

export interface SsmCallOptions {
  region: string;
  /** Default: AWS_ENDPOINT_URL_SSM, else AWS_ENDPOINT_URL, else the region's public endpoint (ssmEndpoint). */
  endpoint?: string;
  /** Default: the SDK's provider chain (in the Lambda bundles, the role's credentials in the environment). */
  credentials?: AwsCredentialIdentityProvider;
  /** Attempts in all, on throttling, 5xx, timeouts and network errors. Default SSM_RETRY's. */
  maxAttempts?: number;
  requestHandler?: RequestHandler;
}

// Cold start budget (shared/policy.ts SSM_*): each attempt has SSM_CONNECT_TIMEOUT_MS to connect and
// SSM_HEADERS_TIMEOUT_MS to the answer's headers (the handler's timeouts; without throwOnRequestTimeout it only warns when requestTimeout passes,
// @smithy/node-http-handler 4.x), and SSM_ATTEMPT_MS in all, body included; retried within SSM_READ_BUDGET_MS.
export const SSM_TIMEOUTS = {
  connectionTimeout: SSM_CONNECT_TIMEOUT_MS,
  requestTimeout: SSM_HEADERS_TIMEOUT_MS,
  throwOnRequestTimeout: true,
};
const MAX_ERROR_MESSAGE = 300;

/** The public SSM endpoint of a region, unless the SDK's standard endpoint variables name another. */
export function ssmEndpoint(region: string, env: Record<string, string | undefined> = process.env): string {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS !== 'true') {
    const configured = env.AWS_ENDPOINT_URL_SSM || env.AWS_ENDPOINT_URL;
    if (configured) return configured;
  }
  // The SDK's SSMClient would pick a FIPS or dual-stack host for these; without its endpoint ruleset, the
  // public host would quietly stand in for the one asked for, so refuse and say how to name it.
  for (const v of ['AWS_USE_FIPS_ENDPOINT', 'AWS_USE_DUALSTACK_ENDPOINT'] as const) {
    if (env[v]?.toLowerCase() === 'true')
      throw new SsmCallError('UnsupportedEndpointSetting', `${v}=true: set AWS_ENDPOINT_URL_SSM to the SSM endpoint to use`, false);
  }
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region))
    throw new SsmCallError('InvalidRegion', `not an AWS region: ${JSON.stringify(region)}`, false);
  return `https://ssm.${region}.${region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'}`;
}

/** Caches credentials until five minutes before they expire, as the SDK clients do. */
function memoized(provider: AwsCredentialIdentityProvider): AwsCredentialIdentityProvider {
  let current: Promise<AwsCredentialIdentity> | undefined;
  return async () => {
    const fresh = (c: AwsCredentialIdentity) => c.expiration === undefined || c.expiration.getTime() - Date.now() > 300_000;
    if (current) {
      const held = await current.catch(() => undefined);
      if (held && fresh(held)) return held;
    }
    current = provider();
    return current;
  };
}

/**
 * A function making one decrypting GetParameters call for at most 10 names (the API's limit), with
 * bounded timeouts and retries. Resolves with what SSM answered; rejects with SsmCallError.
 */
export function createGetParameters(options: SsmCallOptions): GetParameters {
  let resolved: URL | undefined;
  // Resolved at the first call, so a bad region or endpoint URL fails the call (SsmCallError), not the construction.
  const endpointUrl = (): URL => {
    if (resolved) return resolved;
    const configured = options.endpoint ?? ssmEndpoint(options.region);
    try {
      resolved = new URL(configured);
    } catch {
      throw new SsmCallError('InvalidEndpoint', `not a URL: ${JSON.stringify(configured)}`, false);
    }
    return resolved;
  };
  const signer = new SignatureV4({
    service: 'ssm',
    region: options.region,
    credentials: memoized(options.credentials ?? defaultProvider()),
    sha256: Sha256,
    uriEscapePath: true,
  });
  const handler: RequestHandler = options.requestHandler ?? new NodeHttpHandler(SSM_TIMEOUTS);
  const policy = options.maxAttempts === undefined ? SSM_RETRY : { ...SSM_RETRY, attempts: options.maxAttempts };

  const attempt = async (names: readonly string[]): Promise<GetParametersAnswer> => {
    const endpoint = endpointUrl();
    const body = JSON.stringify({ Names: names, WithDecryption: true });
    const request = new HttpRequest({
      method: 'POST',
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      port: endpoint.port ? Number(endpoint.port) : undefined,
      path: endpoint.pathname,
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AmazonSSM.GetParameters',
        'content-length': String(Buffer.byteLength(body)),
        host: endpoint.host,
      },
      body,
    });
    let signed: HttpRequest;
    try {
      signed = (await signer.sign(request)) as HttpRequest;
    } catch (err) {
      // No credentials: nothing a retry would change.
      throw new SsmCallError(errorName(err), errorMessage(err), false);
    }
    const deadline = AbortSignal.timeout(SSM_ATTEMPT_MS);
    let response: HttpResponse;
    let text: string;
    try {
      response = (await handler.handle(signed, { abortSignal: deadline })).response;
      text = await readBody(response.body, deadline);
    } catch (err) {
      // Nothing or part of an answer came back: connection refused or reset, a timeout.
      if (deadline.aborted) throw new SsmCallError('TimeoutError', `no complete answer within ${SSM_ATTEMPT_MS} ms`, true);
      throw new SsmCallError(errorName(err), errorMessage(err), true);
    }
    if (response.statusCode === 200) return parseAnswer(text);
    const { type, message } = awsError(response, text);
    // Classified as the SDK's standard retry strategy classifies an answered error.
    const answered: SdkError = { name: type, message, $metadata: { httpStatusCode: response.statusCode } };
    const throttled = isThrottlingError(answered);
    throw new SsmCallError(type, message, throttled || isTransientError(answered) || isServerError(answered), throttled);
  };

  return async (names) => {
    if (names.length === 0) return { parameters: [], invalid: [] };
    if (names.length > 10) throw new SsmCallError('ValidationException', 'GetParameters reads at most 10 names per call', false);
    return retry(
      policy,
      async (n) => {
        try {
          return await attempt(names);
        } catch (err) {
          const e = err instanceof SsmCallError ? err : new SsmCallError(errorName(err), errorMessage(err), false);
          e.attempts = n;
          throw e;
        }
      },
      {
        retryable: (err) => (err as SsmCallError).retryable,
        backoffAfter: (err) => ((err as SsmCallError).throttled ? SSM_THROTTLED_RETRY : policy),
        attemptMs: SSM_ATTEMPT_MS,
        // Cold start runs in no request: the read has a budget of its own.
        deadlineMs: Date.now() + SSM_READ_BUDGET_MS,
      },
    );
  };
}

/** The whole body, or a rejection once `deadline` passes: the handler's timeouts end at the headers. */
async function readBody(body: unknown, deadline: AbortSignal): Promise<string> {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  const stream = body as AsyncIterable<Buffer | string> & { destroy?: (error?: Error) => void };
  const stop = () => stream.destroy?.(new Error('deadline passed'));
  deadline.throwIfAborted();
  deadline.addEventListener('abort', stop, { once: true });
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    deadline.removeEventListener('abort', stop);
  }
}

function parseAnswer(text: string): GetParametersAnswer {
  let raw: { Parameters?: unknown; InvalidParameters?: unknown };
  try {
    raw = JSON.parse(text) as typeof raw;
  } catch {
    throw new SsmCallError('InvalidResponse', 'GetParameters answered 200 with a body that is not JSON', false);
  }
  const parameters: SsmParameter[] = [];
  for (const p of Array.isArray(raw.Parameters) ? (raw.Parameters as Array<Record<string, unknown>>) : []) {
    if (typeof p?.Name === 'string' && typeof p.Type === 'string' && typeof p.Value === 'string') {
      parameters.push({ name: p.Name, type: p.Type, value: p.Value });
    }
  }
  const invalid = Array.isArray(raw.InvalidParameters) ? raw.InvalidParameters.filter((n): n is string => typeof n === 'string') : [];
  return { parameters, invalid };
}

/**
 * The error of a JSON 1.1 answer: its type from the X-Amzn-ErrorType header or the body's __type (either
 * may carry a namespace `com.amazonaws.ssm#` or a trailing `:http://…`), its message from the body.
 */
function awsError(response: HttpResponse, text: string): { type: string; message: string } {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
  } catch {
    // An answer from something other than SSM (a proxy, a load balancer): its status says enough.
  }
  const header = Object.entries(response.headers).find(([k]) => k.toLowerCase() === 'x-amzn-errortype')?.[1];
  const raw =
    header ?? (typeof body.__type === 'string' ? body.__type : typeof body.code === 'string' ? body.code : `HTTP${response.statusCode}`);
  const type = raw.split(':')[0]!.split('#').pop()!;
  const message =
    typeof body.message === 'string' ? body.message : typeof body.Message === 'string' ? body.Message : `status ${response.statusCode}`;
  return { type, message: message.slice(0, MAX_ERROR_MESSAGE) };
}

const errorName = (err: unknown): string => {
  if (!(err instanceof Error)) return 'Error';
  const code = (err as { code?: unknown }).code;
  // A TimeoutError carries code ETIMEDOUT; a socket error is best named by its code (ECONNREFUSED, ECONNRESET).
  return err.name === 'Error' && typeof code === 'string' ? code : err.name;
};
const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err)).slice(0, MAX_ERROR_MESSAGE);
