import { SSMProvider } from '@aws-lambda-powertools/parameters/ssm';
import { SSMClient } from '@aws-sdk/client-ssm';
import { parameterName, type SecretName } from './catalog.js';

/**
 * Reads secrets from SSM Parameter Store through Powertools Parameters: one GetParameters call (with
 * decryption) for the names a function needs, and nothing else under the path. Values are read once,
 * at cold start; Powertools keeps them cached for SECRET_CACHE_SECONDS, so a second load in the same
 * execution environment does not call SSM again.
 */
export const SECRET_CACHE_SECONDS = 900;

// Cold start budget: the init phase has 10 s. 3 attempts of at most 1 s to connect / 2 s to answer,
// with the SDK's backoff between them, stay well inside it. Without throwOnRequestTimeout the SDK
// only warns when requestTimeout passes (@smithy/node-http-handler 4.x).
const SSM_TIMEOUTS = { connectionTimeout: 1000, requestTimeout: 2000, throwOnRequestTimeout: true };

export class SecretsUnavailableError extends Error {
  override name = 'SecretsUnavailableError';
}

export function createParameterStoreClient(region: string): SSMClient {
  return new SSMClient({ region, maxAttempts: 3, requestHandler: SSM_TIMEOUTS });
}

interface Reader {
  provider: SSMProvider;
  /** Parameter name → Type (String, StringList, SecureString) as GetParameters answered it. */
  types: Map<string, string>;
}

// Powertools' cache lives in the provider: one provider per client keeps it across loads.
const readers = new WeakMap<SSMClient, Reader>();

function readerFor(client: SSMClient): Reader {
  let reader = readers.get(client);
  if (!reader) {
    const types = new Map<string, string>();
    // Powertools returns values only; the type tells a SecureString from a plain String put there by mistake.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'GetParametersCommand') {
          const output = result.output as { Parameters?: Array<{ Name?: string; Type?: string }> };
          for (const p of output.Parameters ?? []) if (p.Name && p.Type) types.set(p.Name, p.Type);
        }
        return result;
      },
      { step: 'initialize', name: 'verigateParameterTypes', override: true },
    );
    reader = { provider: new SSMProvider({ awsSdkV3Client: client }), types };
    readers.set(client, reader);
  }
  return reader;
}

export interface SecretParameters {
  /** The secrets found, by name; an absent name is a missing parameter. */
  values: Partial<Record<SecretName, string>>;
  /** Names whose parameter exists but is not a SecureString. */
  notSecureString: SecretName[];
}

export async function readSecretParameters(
  names: readonly SecretName[],
  options: { secretsPath: string; client: SSMClient },
): Promise<SecretParameters> {
  if (names.length === 0) return { values: {}, notSecureString: [] };
  const { provider, types } = readerFor(options.client);
  const byParameter = new Map(names.map((n) => [parameterName(options.secretsPath, n), n] as const));
  let found: Record<string, unknown>;
  try {
    found = await provider.getParametersByName(Object.fromEntries([...byParameter.keys()].map((p) => [p, {}])), {
      decrypt: true,
      throwOnError: false,
      maxAge: SECRET_CACHE_SECONDS,
    });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    throw new SecretsUnavailableError(
      `could not read ${[...byParameter.keys()].join(', ')} from SSM Parameter Store: ${e.name}: ${e.message.slice(0, 300)}`,
    );
  }
  const values: SecretParameters['values'] = {};
  const notSecureString: SecretName[] = [];
  for (const [parameter, name] of byParameter) {
    const value = found[parameter];
    if (typeof value !== 'string') continue;
    values[name] = value;
    const type = types.get(parameter);
    if (type !== undefined && type !== 'SecureString') notSecureString.push(name);
  }
  return { values, notSecureString };
}
