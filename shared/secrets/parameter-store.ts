import { BaseProvider } from '@aws-lambda-powertools/parameters/base';
import { SECRET_CACHE_SECONDS } from '../policy.js';
import { parameterName, type SecretName } from './catalog.js';
import { createGetParameters, SsmCallError, type GetParameters, type SsmCallOptions } from './ssm-get-parameters.js';

/**
 * Reads secrets from SSM Parameter Store through Powertools Parameters: one GetParameters call (with
 * decryption) for the names a function needs, and nothing else under the path. Values are read once,
 * at cold start; Powertools keeps them cached for SECRET_CACHE_SECONDS (shared/policy.ts), so a second load in the same
 * execution environment does not call SSM again.
 */

export class SecretsUnavailableError extends Error {
  override name = 'SecretsUnavailableError';
}

// Powertools' cache key of a value read without a transform (BaseProvider.get, SSMProvider.getParametersByName).
const cacheKey = (name: string) => [name, undefined].toString();

/**
 * A Powertools Parameters provider ("bring your own provider": BaseProvider's cache, `get`) over a signed
 * GetParameters call (ssm-get-parameters.ts) rather than the SDK's SSM client, which no function bundles.
 */
export class ParameterStoreProvider extends BaseProvider {
  readonly #getParameters: GetParameters;
  /** Parameter name → Type as SSM answered it: tells a SecureString from a plain String put there by mistake. */
  readonly #types = new Map<string, string>();

  constructor(options: SsmCallOptions) {
    super({});
    this.#getParameters = createGetParameters(options);
  }

  /**
   * Several parameters by name, decrypted: those in Powertools' cache from it, the others in one
   * GetParameters call, then cached for `maxAge` seconds. A name SSM does not hold is absent.
   */
  async getParametersByName(
    names: readonly string[],
    options: { maxAge: number },
  ): Promise<Map<string, { value: string; type: string | undefined }>> {
    const found = new Map<string, { value: string; type: string | undefined }>();
    const missing: string[] = [];
    for (const name of new Set(names)) {
      const key = cacheKey(name);
      if (this.hasKeyExpiredInCache(key)) missing.push(name);
      else found.set(name, { value: this.store.get(key)!.value as string, type: this.#types.get(name) });
    }
    for (let i = 0; i < missing.length; i += 10) {
      const answer = await this.#getParameters(missing.slice(i, i + 10));
      for (const p of answer.parameters) {
        this.#types.set(p.name, p.type);
        this.addToCache(cacheKey(p.name), p.value, options.maxAge);
        found.set(p.name, { value: p.value, type: p.type });
      }
    }
    return found;
  }

  /** One parameter, decrypted (what BaseProvider.get calls on a cache miss). */
  protected async _get(name: string): Promise<string | undefined> {
    const [p] = (await this.#getParameters([name])).parameters;
    if (p) this.#types.set(p.name, p.type);
    return p?.value;
  }

  /** Reading a whole path would hand a function other functions' secrets: each reads its own by name. */
  protected _getMultiple(path: string): Promise<Record<string, unknown> | undefined> {
    return Promise.reject(new Error(`ParameterStoreProvider does not read by path (${path}): read parameters by name`));
  }
}

/** The provider a function reads its secrets through: bounded timeouts, up to 3 attempts, the role's credentials. */
export function createParameterStoreProvider(region: string): ParameterStoreProvider {
  return new ParameterStoreProvider({ region });
}

export interface SecretParameters {
  /** The secrets found, by name; an absent name is a missing parameter. */
  values: Partial<Record<SecretName, string>>;
  /** Names whose parameter exists but is not a SecureString. */
  notSecureString: SecretName[];
}

export async function readSecretParameters(
  names: readonly SecretName[],
  options: { secretsPath: string; provider: ParameterStoreProvider },
): Promise<SecretParameters> {
  if (names.length === 0) return { values: {}, notSecureString: [] };
  const byParameter = new Map(names.map((n) => [parameterName(options.secretsPath, n), n] as const));
  let found: Awaited<ReturnType<ParameterStoreProvider['getParametersByName']>>;
  try {
    found = await options.provider.getParametersByName([...byParameter.keys()], { maxAge: SECRET_CACHE_SECONDS });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    const reason =
      e instanceof SsmCallError ? `${e.message}${e.attempts > 1 ? ` (after ${e.attempts} attempts)` : ''}` : `${e.name}: ${e.message}`;
    throw new SecretsUnavailableError(
      `could not read ${[...byParameter.keys()].join(', ')} from SSM Parameter Store: ${reason.slice(0, 400)}`,
    );
  }
  const values: SecretParameters['values'] = {};
  const notSecureString: SecretName[] = [];
  for (const [parameter, name] of byParameter) {
    const p = found.get(parameter);
    if (!p) continue;
    values[name] = p.value;
    if (p.type !== undefined && p.type !== 'SecureString') notSecureString.push(name);
  }
  return { values, notSecureString };
}
