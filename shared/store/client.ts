import { DynamoDBClient, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';

export interface DbSettings {
  region: string;
  endpoint: string | undefined;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
}

export interface Db {
  doc: DynamoDBDocumentClient;
  raw: DynamoDBClient;
}

/**
 * The one place a DynamoDB client is built. The SDK has no request timeout by default, so a stalled
 * connection would hold a Lambda until its own timeout; we bound every request and let the SDK's
 * standard retry (3 attempts) handle throttling and transient faults.
 */
export function createDb(s: DbSettings): Db {
  const raw = new DynamoDBClient({
    region: s.region,
    maxAttempts: 3,
    requestHandler: { requestTimeout: s.requestTimeoutMs, connectionTimeout: s.connectTimeoutMs },
    ...(s.endpoint ? { endpoint: s.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
  const doc = DynamoDBDocumentClient.from(raw, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return { doc, raw };
}

export function isConditionalCheckFailed(err: unknown): err is Error {
  return err instanceof Error && err.name === 'ConditionalCheckFailedException';
}

export interface CancellationReason {
  Code?: string;
  Item?: Record<string, unknown>;
}

/**
 * Reasons of a cancelled transaction, items unmarshalled: the document client converts results
 * but not the items that come back inside an error.
 */
export function cancellationReasons(err: unknown): CancellationReason[] | undefined {
  if (!(err instanceof Error && err.name === 'TransactionCanceledException')) return undefined;
  const reasons =
    (err as Error & { CancellationReasons?: Array<{ Code?: string; Item?: Record<string, AttributeValue> }> }).CancellationReasons ?? [];
  return reasons.map((r) => ({ Code: r.Code, Item: r.Item ? unmarshall(r.Item) : undefined }));
}

/** The old item returned by a failed conditional write (ReturnValuesOnConditionCheckFailure), unmarshalled. */
export function conditionFailureItem(err: unknown): Record<string, unknown> | undefined {
  const item = (err as { Item?: Record<string, AttributeValue> }).Item;
  return item ? unmarshall(item) : undefined;
}
