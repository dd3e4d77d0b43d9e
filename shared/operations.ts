import type { Family } from './errors.js';
import { DELIVER_FUNCTION_TIMEOUT_MS } from './policy.js';
import type { SecretName } from './secrets/catalog.js';
import { keys } from './store/keys.js';

/**
 * The one declaration of each operation, in two tables keyed by its name: OPERATIONS, what the operation is
 * (the functions' code reads it, so every bundle carries it), and DEPLOYMENT, how AWS runs it (read by
 * infra/ through infra/operations.cjs and by the tests; tree-shaken out of every bundle). serverless.yml's
 * functions, the IAM roles, the HTTP API's route settings and each function's secrets derive from them;
 * a new operation is one entry in each (tsc asks for the second).
 */

/** Who may call an operation: what its caller authentication middleware checks. */
export type CallerAuth =
  /** A partner: `X-Auth-Token` or an AK/SK `SDK-HMAC-SHA256` signature. */
  | 'partner'
  /** An app: `X-Access-Token`. */
  | 'app'
  /** Nobody in particular: a single-use CAPTCHA pass bound to the body's `user`. */
  | 'captcha'
  /** Only an AWS principal allowed to invoke the function (events, the table's stream). */
  | 'iam';

export interface HttpOperationEntry {
  /** Reached through the HTTP API (and by direct invocation). */
  trigger: 'http';
  /** The Lambda function name in serverless.yml (`verigate-<stage>-<name>` once deployed). */
  name: string;
  route: { method: 'POST'; path: string };
  family: Family;
  auth: Exclude<CallerAuth, 'iam'>;
  /** The secrets the function holds, loaded at its cold start; the only parameters its role may read. */
  secrets: readonly SecretName[];
}

/** Reached through its own SQS queue, fed by an EventBridge rule (infra/events.cjs), or by direct invocation. */
export interface EventOperationEntry {
  trigger: 'event';
  name: string;
  auth: 'iam';
  secrets: readonly SecretName[];
}

/** A consumer of the table's change stream (DynamoDB Streams), never invoked by a caller. */
export interface StreamOperationEntry {
  trigger: 'stream';
  name: string;
  auth: 'iam';
  secrets: readonly SecretName[];
}

export const OPERATIONS = {
  checkIdentity: {
    trigger: 'http',
    name: 'checkIdentity',
    route: { method: 'POST', path: '/v2/partners/sub-customers/users/check-identity' },
    family: 'CBC',
    auth: 'partner',
    // partner tokens; hashes of partners, sources and subjects; sealed AK/SK pairs
    secrets: ['partnerJwtSecret', 'identityPepper', 'partnerKeyEncryptionKey'],
  },
  sendVerificationCode: {
    trigger: 'http',
    name: 'sendVerificationCode',
    route: { method: 'POST', path: '/v1/usg/acs/verifycode/send' },
    family: 'USG',
    auth: 'captcha',
    // the delivery request key (outboxKey) seals the delivery request
    secrets: ['captchaSecret', 'codePepper', 'identityPepper', 'outboxKey'],
  },
  verifyVerificationCode: {
    trigger: 'http',
    name: 'verifyVerificationCode',
    route: { method: 'POST', path: '/v1/usg/dcs/member/verification-code/verify' },
    family: 'USG',
    auth: 'app',
    secrets: ['appJwtSecret', 'codePepper', 'identityPepper'],
  },
  // the identity pepper hashes the audit subject of a name
  registerCustomer: { trigger: 'event', name: 'registerCustomer', auth: 'iam', secrets: ['identityPepper'] },
  deregisterCustomer: { trigger: 'event', name: 'deregisterCustomer', auth: 'iam', secrets: ['identityPepper'] },
  // Sends the code of each accepted send from the table's stream (its delivery request), and refunds what cannot be;
  // the delivery request key (outboxKey) opens the delivery request.
  deliverCode: { trigger: 'stream', name: 'deliverCode', auth: 'iam', secrets: ['outboxKey'] },
} as const satisfies Record<string, HttpOperationEntry | EventOperationEntry | StreamOperationEntry>;

export type OperationName = keyof typeof OPERATIONS;
export type HttpOperationName = { [K in OperationName]: (typeof OPERATIONS)[K] extends { trigger: 'http' } ? K : never }[OperationName];

// Marked pure so that esbuild leaves it out of the bundles, which never read it.
export const HTTP_OPERATIONS = /* @__PURE__ */ Object.values(OPERATIONS).filter(
  (o): o is Extract<(typeof OPERATIONS)[OperationName], { trigger: 'http' }> => o.trigger === 'http',
);

/** The function's deployed name in a stage (`verigate-local-checkIdentity`). */
export const functionName = (stage: string, operation: OperationName): string => `verigate-${stage}-${operation}`;

// ---------- how AWS runs each operation (infra/ and the tests; no bundle) ----------

/** The DynamoDB item actions an IAM policy can grant; a transaction's items are authorized one by one as these, a BatchGetItem's keys as BatchGetItem. */
export type DynamoDbAction = 'GetItem' | 'BatchGetItem' | 'PutItem' | 'UpdateItem' | 'DeleteItem' | 'ConditionCheckItem';

/** A kind of item of the single table, by the builder of its key in shared/store/keys.ts. */
export type KeyKind = Exclude<keyof typeof keys, 'auditBySubject'>;

/** A key kind's partition-key prefix as shared/store/keys.ts builds it (`name` → `NAME#`). */
export const keyPrefix = (kind: KeyKind): string =>
  (keys[kind] as (...parts: unknown[]) => { pk: string })('\u0000', '\u0000').pk.split('\u0000')[0]!;

interface FunctionDeployment {
  /** serverless.yml `handler:`, the module under functions/ and its export. */
  handler: string;
  /**
   * The DynamoDB item actions its code calls, each limited to the items (by key kind) it touches: its role
   * grants exactly these (dynamodb:LeadingKeys), and test/integration/dynamodb-calls.test.ts records the
   * calls the code really makes against DynamoDB Local and holds them to this. No function queries the table.
   */
  dynamodb: Partial<Record<DynamoDbAction, readonly KeyKind[]>>;
  /** Lambda timeout, when not serverless.yml's provider.timeout (FUNCTION_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Settings only this function reads: its environment variable → the stage parameter that gives it (unset: left out). */
  environment?: Readonly<Record<string, string>>;
}

interface HttpDeployment extends FunctionDeployment {
  /**
   * The prefix of its stage parameters, which override the defaults below: `<stageParams>RateLimit`,
   * `<stageParams>BurstLimit` and `<stageParams>ReservedConcurrency` (`--param="sendRateLimit=10"`).
   */
  stageParams: string;
  /** API Gateway throttling of its route: requests per second and burst (a 429 not of the family). */
  throttle: { rate: number; burst: number };
  /** Concurrent executions reserved for (and capping) the function. */
  reservedConcurrency?: number;
}

interface EventDeployment extends FunctionDeployment {
  /** The EventBridge detail-type (source `verigate.customers`) its queue receives. */
  detailType: string;
}

interface StreamDeployment extends FunctionDeployment {
  /** Sends codes: SMS to phone numbers and email as the stage's SES identity, and nothing else. */
  deliversCodes?: boolean;
}

type DeploymentOf<K extends OperationName> = (typeof OPERATIONS)[K]['trigger'] extends 'http'
  ? HttpDeployment
  : (typeof OPERATIONS)[K]['trigger'] extends 'event'
    ? EventDeployment
    : StreamDeployment;

export const DEPLOYMENT = {
  checkIdentity: {
    handler: 'functions/check-identity.handler',
    stageParams: 'checkIdentity',
    throttle: { rate: 100, burst: 200 },
    dynamodb: {
      GetItem: ['name', 'email', 'mobile', 'accessKeySource', 'partnerKey'], // registry.usage; lockouts.state; partnerKeys.secretOf
      PutItem: ['audit'], // audit.write
      UpdateItem: ['accessKeySource', 'partnerRate'], // lockouts.recordFailure / clearFailures; partnerRate.admit (CBC.0250): a shard's count
      BatchGetItem: ['partnerRate'], // partnerRate.admit: every shard's count, before a refusal
    },
  },
  sendVerificationCode: {
    handler: 'functions/send-verification-code.handler',
    stageParams: 'send',
    throttle: { rate: 20, burst: 40 },
    // Caps what a flood of the unauthenticated send route can run (and spend) at once, and keeps that
    // capacity from being taken by the other functions.
    reservedConcurrency: 20,
    dynamodb: {
      GetItem: ['name', 'captcha'], // registry.contactsOfAccount; sends.passUsed: a pass refused by the SMS budget may be a used one
      BatchGetItem: ['smsBudget'], // smsBudget.admit / hasRoom: every shard's count, before a refusal
      PutItem: ['audit', 'captcha', 'delivery'], // audit.write; sends.issue transaction: CAPTCHA use, audit record, delivery request
      // smsBudget.admit / hasRoom (adding 0) / giveBack: a shard's count; sends.issue transaction: destination, IP window;
      // sends.undo of a send without an answer: also voids the CAPTCHA pass and withdraws the delivery request
      UpdateItem: ['destination', 'sourceIp', 'captcha', 'smsBudget', 'delivery'],
      DeleteItem: ['audit'], // sends.undo: the 200 record of a send that committed after it was answered 503
    },
  },
  verifyVerificationCode: {
    handler: 'functions/verify-verification-code.handler',
    stageParams: 'verify',
    throttle: { rate: 50, burst: 100 },
    dynamodb: {
      PutItem: ['audit'], // audit.write; attempts.attempt and attempts.recordWrong transactions: audit record
      // attempts.attempt; attempts.recordWrong transaction: destination (its audit record never needs amending), the requester's failures
      UpdateItem: ['destination', 'requester'],
      ConditionCheckItem: ['requester'], // attempts.attempt: the requester has failure budget left
    },
  },
  registerCustomer: {
    handler: 'functions/register-customer.handler',
    detailType: 'CustomerRegistered',
    dynamodb: {
      PutItem: ['audit', 'customer', 'name', 'email'], // audit.write; registry.claim transaction: customer, name and email claims
      UpdateItem: ['mobile'], // registry.claim transaction: a slot of the mobile
    },
  },
  deregisterCustomer: {
    handler: 'functions/deregister-customer.handler',
    detailType: 'CustomerDeregistered',
    dynamodb: {
      GetItem: ['customer'], // registry.release reads what the customer claimed
      PutItem: ['audit'], // audit.write
      DeleteItem: ['customer', 'name', 'email'], // registry.release transaction: customer, name and email claims
      UpdateItem: ['mobile'], // registry.release transaction: the mobile's slot
    },
  },
  deliverCode: {
    handler: 'functions/deliver-code.handler',
    // A batch's deliveries, each up to DELIVERY_ATTEMPTS calls.
    timeoutMs: DELIVER_FUNCTION_TIMEOUT_MS,
    deliversCodes: true,
    // What the messages say (docs/messages.md): only the function that renders them reads these.
    environment: { MESSAGE_BRAND: 'messageBrand', MESSAGE_TEMPLATES: 'messageTemplates', WEBOTP_DOMAIN: 'webOtpDomain', SMS_MAX_PARTS: 'smsMaxParts' },
    dynamodb: {
      // deliveryRequests.claim; deliveryRequests.settle transaction; sends.undo of a refunded send: destination, IP window, CAPTCHA pass
      UpdateItem: ['delivery', 'destination', 'sourceIp', 'captcha'],
      PutItem: ['audit'], // deliveryRequests.settle transaction: the delivery's audit record
    },
  },
} as const satisfies { [K in OperationName]: DeploymentOf<K> };
