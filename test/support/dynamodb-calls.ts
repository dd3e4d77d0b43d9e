// The DynamoDB item actions each function's code calls, and on which items, stated once for two tests:
// test/unit/template.test.ts checks each function's IAM role grants exactly these, and
// test/integration/dynamodb-calls.test.ts drives every function and checks its calls are exactly these.
import type { OperationName } from '../../shared/operations.js';
import { keys } from '../../shared/store/keys.js';

export type KeyKind = Exclude<keyof typeof keys, 'auditBySubject'>;

/** The partition-key prefix of an item kind as shared/store/keys.ts builds it (`NAME#`). */
export const keyPrefix = (kind: KeyKind): string =>
  (keys[kind] as (...parts: unknown[]) => { pk: string })('\u0000', '\u0000').pk.split('\u0000')[0]!;

/**
 * Per function: action → item kinds. A TransactWriteItems is authorized item by item, as PutItem /
 * UpdateItem / DeleteItem. Nothing calls Query, Scan or ConditionCheckItem (the audit queries are for
 * operators and tests, not for a function).
 */
export const DYNAMODB_CALLS: Record<OperationName, Record<string, KeyKind[]>> = {
  checkIdentity: {
    GetItem: ['name', 'email', 'mobile', 'accessKeySource', 'partnerKey'], // registry.usage, lockouts.state, partnerKeys.secretOf
    PutItem: ['audit'], // audit.write
    UpdateItem: ['accessKeySource', 'partnerRate'], // lockouts.recordFailure, lockouts.clearFailures; partnerRate.admit (CBC.0250)
  },
  sendVerificationCode: {
    GetItem: ['name'], // registry.contactsOfAccount
    PutItem: ['audit', 'captcha', 'delivery'], // audit.write; codes.issue: CAPTCHA use + audit record + delivery request
    UpdateItem: ['destination', 'sourceIp', 'captcha', 'smsBudget', 'delivery'], // codes.issue, codes.undo; IP window; voiding the pass and withdrawing the delivery request of a send without an answer; the country's SMS budget
    ConditionCheckItem: ['smsBudget'], // codes.issue of a withheld send: room in the budget, nothing spent
    DeleteItem: ['audit'], // codes.undo: the 200 record of a send committed after it was answered 500
  },
  verifyVerificationCode: {
    PutItem: ['audit'], // audit.write; codes.attempt and codes.recordWrong: audit record
    UpdateItem: ['destination', 'requester'], // codes.attempt, codes.recordWrong (its audit record never needs amending); the requester's failures
    ConditionCheckItem: ['requester'], // codes.attempt: the requester has failure budget left
  },
  registerCustomer: {
    PutItem: ['audit', 'customer', 'name', 'email'], // audit.write; registry.register
    UpdateItem: ['mobile'], // registry.register: mobile slot
  },
  deliverCode: {
    UpdateItem: ['delivery', 'destination', 'sourceIp', 'captcha'], // deliveries.claim, deliveries.settle; codes.undo of a refund: code, windows, CAPTCHA pass
    PutItem: ['audit'], // deliveries.settle: the delivery's audit record
  },
  deregisterCustomer: {
    GetItem: ['customer'], // registry.deregister
    PutItem: ['audit'], // audit.write
    DeleteItem: ['customer', 'name', 'email'], // registry.deregister
    UpdateItem: ['mobile'], // registry.deregister: mobile slot
  },
};

/** `PutItem AUDIT#` strings of a function, the form both tests compare. */
export const expectedCalls = (op: OperationName): string[] =>
  Object.entries(DYNAMODB_CALLS[op])
    .flatMap(([action, kinds]) => kinds.map((k) => `${action} ${keyPrefix(k)}`))
    .sort();
