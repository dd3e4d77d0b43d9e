import { LOCAL_SECRETS } from '../local-defaults.js';

/**
 * Every secret of the service: the environment variable that may set it in the local stage, the
 * parameter (a SecureString under the stage's SECRETS_PATH) it is read from in every other stage, and
 * its documented local default. A function reads only the secrets it needs (runtime.ts FUNCTION_SECRETS).
 */
export const SECRETS = {
  partnerJwtSecret: { env: 'PARTNER_JWT_SECRET', parameter: 'partner-jwt-secret', localDefault: LOCAL_SECRETS.partnerJwtSecret },
  appJwtSecret: { env: 'APP_JWT_SECRET', parameter: 'app-jwt-secret', localDefault: LOCAL_SECRETS.appJwtSecret },
  captchaSecret: { env: 'CAPTCHA_SECRET', parameter: 'captcha-secret', localDefault: LOCAL_SECRETS.captchaSecret },
  codePepper: { env: 'CODE_PEPPER', parameter: 'code-pepper', localDefault: LOCAL_SECRETS.codePepper },
  identityPepper: { env: 'IDENTITY_PEPPER', parameter: 'identity-pepper', localDefault: LOCAL_SECRETS.identityPepper },
  partnerKeyEncryptionKey: {
    env: 'PARTNER_KEY_ENCRYPTION_KEY',
    parameter: 'partner-key-encryption-key',
    localDefault: LOCAL_SECRETS.partnerKeyEncryptionKey,
  },
  /** Seals the destination and code a delivery request carries from send to deliverCode (store/deliveries.ts). */
  outboxKey: { env: 'OUTBOX_KEY', parameter: 'outbox-key', localDefault: LOCAL_SECRETS.outboxKey },
} as const;

export type SecretName = keyof typeof SECRETS;
export const SECRET_NAMES = Object.keys(SECRETS) as SecretName[];

/** The full parameter name of a secret under a stage's path (`/verigate/prod` → `/verigate/prod/code-pepper`). */
export const parameterName = (secretsPath: string, name: SecretName): string => `${secretsPath}/${SECRETS[name].parameter}`;
