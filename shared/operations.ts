import { DELIVERY_STREAM_FILTER_PATTERNS } from './channels.js';
import type { ErrorCode, Family } from './errors.js';
import { LIFECYCLE_STREAM_FILTER_PATTERNS } from './events/lifecycle-stream.js';
import { DELIVER_FUNCTION_TIMEOUT_MS, EVENTS_FUNCTION_TIMEOUT_MS } from './policy.js';
import type { SecretName } from './secrets/catalog.js';
import { keys } from './store/keys.js';

/**
 * The one declaration of each operation, in two tables keyed by its name: OPERATIONS, what the operation is
 * (the functions' code reads it, so every bundle carries it), and DEPLOYMENT, how AWS runs it (read by
 * infra/ through infra/operations.cjs and by the tests; tree-shaken out of every bundle). serverless.yml's
 * functions, the IAM roles, the REST API stage's method settings, the web ACL's rules and each function's
 * secrets derive from them; a new operation is one entry in each (tsc asks for the second).
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
  /** Reached through the REST API stage (and by direct invocation). */
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

/** Subscribed to an SNS topic of the stack (invoked asynchronously: Lambda retries, then its on-failure queue). */
export interface TopicOperationEntry {
  trigger: 'topic';
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
  // Records the providers' receipts (End User Messaging's and SES's configuration sets publish them to the
  // receipts topic) on their delivery requests: refunds a failure, suppresses a hard bounce or a complaint.
  // It holds no secret: a receipt names its request by id, and the request holds the keyed hashes it needs.
  recordReceipt: { trigger: 'topic', name: 'recordReceipt', auth: 'iam', secrets: [] },
  // Publishes the lifecycle events (CodeSent, CodeDelivered, CodeDeliveryFailed, CodeVerified, VerificationLocked)
  // from the table's stream, and reports verified SMS and voice codes received to End User Messaging. It holds
  // no secret and reads no item: what it says is in the stream's images.
  publishLifecycleEvents: { trigger: 'stream', name: 'publishLifecycleEvents', auth: 'iam', secrets: [] },
} as const satisfies Record<string, HttpOperationEntry | EventOperationEntry | StreamOperationEntry | TopicOperationEntry>;

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
export type KeyKind = Exclude<keyof typeof keys, 'auditBySubject' | 'suppressions'>;

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
   * `<stageParams>BurstLimit`, `<stageParams>ReservedConcurrency`, and those of its edge rules
   * (`<stageParams>IpRateLimit`, `<stageParams>TokenRateLimit`), e.g. `--param="sendRateLimit=10"`.
   */
  stageParams: string;
  /** API Gateway throttling of its method: requests per second and burst, all callers together. */
  throttle: { rate: number; burst: number };
  /** Concurrent executions reserved for (and capping) the function: a flood of one route cannot take another's. */
  reservedConcurrency: number;
  /** The web ACL in front of the stage (infra/waf.cjs): how it answers this route, and the route's own rules. */
  edge: {
    /** The route family's answer to a caller over a rate the web ACL counts (429, Retry-After the WAF window). */
    overRate: ErrorCode;
    /** The route family's answer to a source on AWS's IP reputation lists (403: it hit no limit). */
    listedSource: ErrorCode;
    /** A stricter rate per source address for this route alone, requests per WAF window. */
    sourceIpRate?: number;
    /** A rate per value of this request header (a partner's token), by default the partner's flow control over the window. */
    tokenHeader?: string;
  };
}

interface EventDeployment extends FunctionDeployment {
  /** The EventBridge detail-type (source `verigate.customers`) its queue receives. */
  detailType: string;
}

interface StreamDeployment extends FunctionDeployment {
  /**
   * Sends codes: SMS and voice calls through the stage's End User Messaging configuration set and origination
   * identities, email as the stage's SES identity through its configuration set, and nothing else.
   */
  deliversCodes?: boolean;
  /**
   * Publishes the lifecycle events on the stage's bus (infra/lifecycle.cjs, EVENT_BUS_NAME) and reports
   * message feedback to End User Messaging, and nothing else.
   */
  publishesLifecycle?: boolean;
  /**
   * The prefix of its stage parameters: `<stageParams>BatchSize`, `<stageParams>ParallelizationFactor`,
   * `<stageParams>StreamRetries`.
   */
  stageParams: string;
  /**
   * How Lambda reads the stream: records per invocation, invocations at once per shard (1–10), and which
   * records (Lambda event filtering: the patterns the code exports, which the local poller applies too).
   * Each consumer has its own event source mapping and on-failure queue (infra/streams.cjs).
   */
  stream: { batchSize: number; parallelizationFactor: number; filterPatterns: readonly object[] };
}

/**
 * How the stage admits requests before a function runs (infra/rest-api.cjs, infra/waf.cjs); each number is
 * the default of the stage parameter named beside it. docs/operations.md "Capacity and throttles" sizes them.
 */
export const EDGE = {
  /** API Gateway throttle of every method without its own, the OPTIONS preflights (apiRateLimit / apiBurstLimit). */
  stageThrottle: { rate: 200, burst: 400 },
  /** The window WAF's rate-based rules count over (EvaluationWindowSec), and so the Retry-After of their 429. */
  wafWindowSeconds: 60,
  /**
   * Requests of one source address per window, all routes together (wafIpRateLimit): twice a partner's default
   * flow control from one address, under half of the smallest route's throttle.
   */
  sourceIpRate: 1200,
} as const;

interface TopicDeployment extends FunctionDeployment {
  /** The stack's topic it is subscribed to: `receipts`, the providers' delivery receipts (infra/receipts.cjs). */
  topic: 'receipts';
}

type DeploymentOf<K extends OperationName> = (typeof OPERATIONS)[K]['trigger'] extends 'http'
  ? HttpDeployment
  : (typeof OPERATIONS)[K]['trigger'] extends 'event'
    ? EventDeployment
    : (typeof OPERATIONS)[K]['trigger'] extends 'topic'
      ? TopicDeployment
      : StreamDeployment;

export const DEPLOYMENT = {
  checkIdentity: {
    handler: 'functions/check-identity.handler',
    stageParams: 'checkIdentity',
    throttle: { rate: 100, burst: 200 },
    reservedConcurrency: 20,
    // A partner over its CBC.0250 rate; an address on the reputation lists is not a partner.
    edge: { overRate: 'CBC.0250', listedSource: 'CBC.0151', tokenHeader: 'X-Auth-Token' },
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
    // An address over its send rate at the edge is over its hourly cap (SEND_PER_SOURCE_IP, which the template
    // test holds this equal to) within the window, which the function would refuse anyway: the web ACL answers
    // it without an invocation or a write. (A literal: a value read from another module would keep this table
    // in every bundle.)
    edge: { overRate: 'USG.201050004', listedSource: 'USG.000000005', sourceIpRate: 30 },
    dynamodb: {
      // registry.contactsOfAccount; suppressions.isSuppressed; sends.passUsed: a pass refused by the country budget may be a used one
      GetItem: ['name', 'suppression', 'captcha'],
      BatchGetItem: ['countryBudget'], // countryBudget.admit / hasRoom: every shard's count, before a refusal
      PutItem: ['audit', 'captcha', 'delivery'], // audit.write; sends.issue transaction: CAPTCHA use, audit record, delivery request
      // countryBudget.admit / hasRoom (adding 0) / giveBack: a shard's count; sends.issue transaction: destination, IP window;
      // sends.undo of a send without an answer: also voids the CAPTCHA pass and withdraws the delivery request
      UpdateItem: ['destination', 'sourceIp', 'captcha', 'countryBudget', 'delivery'],
      DeleteItem: ['audit'], // sends.undo: the 200 record of a send that committed after it was answered 503
    },
  },
  verifyVerificationCode: {
    handler: 'functions/verify-verification-code.handler',
    stageParams: 'verify',
    throttle: { rate: 50, burst: 100 },
    reservedConcurrency: 10,
    edge: { overRate: 'USG.201050003', listedSource: 'USG.000000005' },
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
    // A batch's deliveries, each up to DELIVERY_RETRY's attempts.
    timeoutMs: DELIVER_FUNCTION_TIMEOUT_MS,
    deliversCodes: true,
    // Sized for a country's peak (docs/operations.md "Capacity and throttles"): up to 10 × 50 deliveries in
    // flight per stream shard; 50 is also the SDK's sockets per host, so a batch's calls all run at once.
    stageParams: 'delivery',
    stream: { batchSize: 50, parallelizationFactor: 10, filterPatterns: DELIVERY_STREAM_FILTER_PATTERNS },
    // What the messages say (docs/messages.md), and how they are sent (docs/operations.md "Delivery"): only
    // the function that renders and sends them reads these.
    environment: {
      MESSAGE_BRAND: 'messageBrand',
      MESSAGE_TEMPLATES: 'messageTemplates',
      WEBOTP_DOMAIN: 'webOtpDomain',
      SMS_MAX_PARTS: 'smsMaxParts',
      SMS_ORIGINATION_IDENTITIES: 'smsOriginationIdentities',
      VOICE_ORIGINATION_IDENTITIES: 'voiceOriginationIdentities',
      SMS_VOICE_CONFIGURATION_SET: 'smsVoiceConfigurationSet',
      SMS_PROTECT_CONFIGURATION_ID: 'smsProtectConfigurationId',
      SMS_MAX_PRICE: 'smsMaxPrice',
      VOICE_MAX_PRICE_PER_MINUTE: 'voiceMaxPricePerMinute',
      SES_CONFIGURATION_SET: 'sesConfigurationSet',
    },
    dynamodb: {
      // deliveryRequests.claim; deliveryRequests.settle transaction; sends.undo of a refunded send: destination, IP window,
      // CAPTCHA pass; sends.sent: the message id on the destination
      UpdateItem: ['delivery', 'destination', 'sourceIp', 'captcha'],
      // deliveryRequests.settle transaction: the delivery's audit record, and the suppression of a number that opted out
      PutItem: ['audit', 'suppression'],
    },
  },
  recordReceipt: {
    handler: 'functions/record-receipt.handler',
    topic: 'receipts',
    dynamodb: {
      GetItem: ['delivery'], // deliveryRequests.read
      // deliveryRequests.recordReceipt transaction; sends.undo of a failed delivery: destination, IP window, CAPTCHA pass
      UpdateItem: ['delivery', 'destination', 'sourceIp', 'captcha'],
      PutItem: ['audit', 'suppression'], // deliveryRequests.recordReceipt transaction: the audit record, a suppression
    },
  },
  publishLifecycleEvents: {
    handler: 'functions/publish-lifecycle-events.handler',
    // A batch's PutEvents calls and message feedback, each within its attempts.
    timeoutMs: EVENTS_FUNCTION_TIMEOUT_MS,
    publishesLifecycle: true,
    // Ten PutEvents calls of ten entries per invocation, at once; two invocations per shard keep up with
    // the delivery's ten (a send leaves about three records for it, each handled in a fraction of a delivery).
    stageParams: 'events',
    stream: { batchSize: 100, parallelizationFactor: 2, filterPatterns: LIFECYCLE_STREAM_FILTER_PATTERNS },
    // What it publishes is in the records' images: no item is read or written.
    dynamodb: {},
  },
} as const satisfies { [K in OperationName]: DeploymentOf<K> };
