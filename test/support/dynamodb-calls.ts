// The DynamoDB item actions each function's code calls, and on which items, as its operation declares them
// (shared/operations.ts DEPLOYMENT), in the form two tests compare: test/integration/dynamodb-calls.test.ts
// records the calls each function really makes against DynamoDB Local and holds them to this (so a wrong
// declaration fails there), and test/unit/template.test.ts checks each function's IAM role grants exactly these.
import { DEPLOYMENT, keyPrefix, type DynamoDbAction, type KeyKind, type OperationName } from '../../shared/operations.js';

/** Per function: action → item kinds. A TransactWriteItems is authorized item by item, as its Put/Update/Delete/ConditionCheck. */
export const dynamodbCalls = (op: OperationName): Partial<Record<DynamoDbAction, readonly KeyKind[]>> => DEPLOYMENT[op].dynamodb;

/** `PutItem AUDIT#` strings of a function, the form both tests compare. */
export const expectedCalls = (op: OperationName): string[] =>
  Object.entries(dynamodbCalls(op))
    .flatMap(([action, kinds]) => kinds.map((k) => `${action} ${keyPrefix(k)}`))
    .sort();
