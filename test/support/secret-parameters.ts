// The SSM parameters (under /verigate/<stage>/) each function reads at cold start, by the names operators
// create them under (docs/operations.md "Secrets"): the operators' contract, written out here rather than derived
// from shared/operations.ts and shared/secrets/catalog.ts, so that a declaration or a spelling of the
// names that changes it fails test/unit/template.test.ts (the roles' grants) and
// test/artifact/secrets-from-ssm.test.ts (what the packaged functions read).
import type { OperationName } from '../../shared/operations.js';

export const SECRET_PARAMETERS: Record<OperationName, string[]> = {
  checkIdentity: ['partner-jwt-secret', 'identity-pepper', 'partner-key-encryption-key'], // partner tokens, subject hashes, sealed AK/SK pairs
  sendVerificationCode: ['captcha-secret', 'code-pepper', 'identity-pepper', 'outbox-key'], // outbox-key seals the delivery request
  verifyVerificationCode: ['app-jwt-secret', 'code-pepper', 'identity-pepper'],
  registerCustomer: ['identity-pepper'], // the audit subject of a name
  deregisterCustomer: ['identity-pepper'],
  deliverCode: ['outbox-key'], // opens the delivery request
  recordReceipt: [], // a receipt names its delivery request by id; the request holds the keyed hashes
  publishLifecycleEvents: [], // what it publishes is in the stream's images
};
