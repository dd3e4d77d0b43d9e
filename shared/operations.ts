import type { Family } from './errors.js';

/**
 * The one table of operations: name, how it is reached, its error family and its function. The
 * handlers, the tests, the bench and the dev tooling read it; a test fails when serverless.yml
 * disagrees with it.
 */
export interface HttpOperationEntry {
  trigger: 'http';
  /** The Lambda function name in serverless.yml (`verigate-<stage>-<name>` once deployed). */
  name: string;
  route: { method: 'POST'; path: string };
  family: Family;
  /** serverless.yml `handler:` of the function. */
  handler: string;
}

export interface EventOperationEntry {
  trigger: 'event';
  name: string;
  handler: string;
}

/** A consumer of the table's change stream (DynamoDB Streams), never invoked by a caller. */
export interface StreamOperationEntry {
  trigger: 'stream';
  name: string;
  handler: string;
}

export const OPERATIONS = {
  checkIdentity: {
    trigger: 'http',
    name: 'checkIdentity',
    route: { method: 'POST', path: '/v2/partners/sub-customers/users/check-identity' },
    family: 'CBC',
    handler: 'functions/check-identity.handler',
  },
  sendVerificationCode: {
    trigger: 'http',
    name: 'sendVerificationCode',
    route: { method: 'POST', path: '/v1/usg/acs/verifycode/send' },
    family: 'USG',
    handler: 'functions/send-verification-code.handler',
  },
  verifyVerificationCode: {
    trigger: 'http',
    name: 'verifyVerificationCode',
    route: { method: 'POST', path: '/v1/usg/dcs/member/verification-code/verify' },
    family: 'USG',
    handler: 'functions/verify-verification-code.handler',
  },
  registerCustomer: { trigger: 'event', name: 'registerCustomer', handler: 'functions/register-customer.handler' },
  deregisterCustomer: { trigger: 'event', name: 'deregisterCustomer', handler: 'functions/deregister-customer.handler' },
  // Sends the code of each accepted send from the table's stream (the outbox), and refunds what cannot be.
  deliverCode: { trigger: 'stream', name: 'deliverCode', handler: 'functions/deliver-code.handler' },
} as const satisfies Record<string, HttpOperationEntry | EventOperationEntry | StreamOperationEntry>;

export type OperationName = keyof typeof OPERATIONS;
export type HttpOperationName = { [K in OperationName]: (typeof OPERATIONS)[K] extends { trigger: 'http' } ? K : never }[OperationName];

export const HTTP_OPERATIONS = Object.values(OPERATIONS).filter((o): o is Extract<(typeof OPERATIONS)[OperationName], { trigger: 'http' }> => o.trigger === 'http');

/** The function's deployed name in a stage (`verigate-local-checkIdentity`). */
export const functionName = (stage: string, operation: OperationName): string => `verigate-${stage}-${operation}`;
