import { LOCAL_SECRETS } from '../local-defaults.js';

/**
 * Every secret of the service, by its one name. Its external forms, which operators set and which never
 * change, are spelled from that name: the environment variable that may set it in the local stage
 * (`captchaSecret` → `CAPTCHA_SECRET`) and the SecureString parameter it is read from in every other stage
 * (`captcha-secret` under the stage's SECRETS_PATH). Each has a documented local default
 * (shared/local-defaults.ts). A function holds only the secrets its operation declares (shared/operations.ts).
 */
export const SECRET_NAMES = [
  /** Verifies partner tokens (HS256), unless PARTNER_JWKS_URL gives their keys. */
  'partnerJwtSecret',
  /** Verifies app tokens (HS256), unless APP_JWKS_URL gives their keys. */
  'appJwtSecret',
  /** Verifies signed CAPTCHA passes, or is the CAPTCHA provider's server-side secret. */
  'captchaSecret',
  /** Keys the hash a code is stored as. */
  'codePepper',
  /** Keys the hashes of destinations, sources, requesters and audit subjects. */
  'identityPepper',
  /** Seals partner secret keys in the table (shared/secrets/seal.ts). */
  'partnerKeyEncryptionKey',
  /** Seals the destination and code a delivery request carries from send to deliverCode (store/delivery-requests.ts). */
  'outboxKey',
] as const;

export type SecretName = (typeof SECRET_NAMES)[number];

const words = (name: SecretName): string[] => name.split(/(?=[A-Z])/).map((w) => w.toLowerCase());

/** The environment variable of a secret (`partnerKeyEncryptionKey` → `PARTNER_KEY_ENCRYPTION_KEY`). */
export const envVariable = (name: SecretName): string => words(name).join('_').toUpperCase();

/** The full parameter name of a secret under a stage's path (`/verigate/prod` → `/verigate/prod/code-pepper`). */
export const parameterName = (secretsPath: string, name: SecretName): string => `${secretsPath}/${words(name).join('-')}`;

/** The documented development value of a secret, used in the local stage only. */
export const localDefault = (name: SecretName): string => LOCAL_SECRETS[name];
