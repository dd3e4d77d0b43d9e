// Development-only secrets for the `local` stage, documented here (docs/operations.md points to this file) so
// that `npm start` and `npm test` need no configuration. The config module refuses them in every other stage.
export const LOCAL_PARTNER_DEFAULTS = {
  accessKey: 'VGLOCALPARTNERAK0001',
  secretKey: 'vglocalpartnersk0000000000000000000000001',
} as const;

export const LOCAL_SECRETS = {
  partnerJwtSecret: 'verigate-local-partner-jwt-secret-0001',
  appJwtSecret: 'verigate-local-app-jwt-secret-00000001',
  captchaSecret: 'verigate-local-captcha-secret-000000001',
  codePepper: 'verigate-local-code-pepper-00000000001',
  identityPepper: 'verigate-local-identity-pepper-0000001',
  partnerKeyEncryptionKey: 'verigate-local-partner-key-encryption-01',
  outboxKey: 'verigate-local-outbox-key-000000000000001',
  jwtIssuer: 'verigate-local',
} as const;

export const JWT_AUDIENCES = { partner: 'verigate-partner', app: 'verigate-app', captcha: 'verigate-captcha' } as const;
