import { DynamoDBClient, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { MiddlewareStack } from '@smithy/types';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { budgetSignal } from '../deadline.js';
import { DYNAMODB_MAX_ATTEMPTS } from '../policy.js';

export interface DbSettings {
  region: string;
  endpoint: string | undefined;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  /** Attempts per call, the first included (the SDK retries throttling, timeouts and transient faults). */
  maxAttempts?: number;
}

export interface Db {
  doc: DynamoDBDocumentClient;
  raw: DynamoDBClient;
}

/**
 * The one place a DynamoDB client is built. Every attempt is bounded (the SDK has no request timeout
 * by default, and `requestTimeout` only logs unless `throwOnRequestTimeout` is set), the SDK's
 * standard retry handles throttling and transient faults, and every call also ends when the
 * request's budget does (shared/deadline.ts), however many attempts are left.
 */
export function createDb(s: DbSettings): Db {
  const raw = new DynamoDBClient({
    region: s.region,
    maxAttempts: s.maxAttempts ?? DYNAMODB_MAX_ATTEMPTS,
    requestHandler: { requestTimeout: s.requestTimeoutMs, connectionTimeout: s.connectTimeoutMs, throwOnRequestTimeout: true },
    ...(s.endpoint ? { endpoint: s.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
  // The SDK's logger middleware filters every whole request and answer for a logger we never give it
  // (the default NoOpLogger drops the result): on send's six-item transaction, a tenth of the client's CPU.
  raw.middlewareStack.remove('loggerMiddleware');
  // Inside the SDK's retry loop (after it): an unrepeatable write whose attempt got no answer ends the call.
  raw.middlewareStack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        if ((context as Record<string, unknown>)[UNREPEATABLE] === true && answerLost(err)) throw new UnansweredWrite(err);
        throw err;
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'endUnrepeatableWithoutAnswer' },
  );
  const doc = DynamoDBDocumentClient.from(raw, {
    marshallOptions: { removeUndefinedValues: true },
  });
  return { doc: withBudget(doc), raw };
}

/** The document client whose every call carries the request budget's abort signal. */
function withBudget(doc: DynamoDBDocumentClient): DynamoDBDocumentClient {
  const send = doc.send.bind(doc) as (command: unknown, options?: { abortSignal?: AbortSignal }) => Promise<unknown>;
  (doc as { send: unknown }).send = (command: unknown, options?: { abortSignal?: AbortSignal }) => {
    const abortSignal = options?.abortSignal ?? budgetSignal();
    return send(command, abortSignal ? { ...options, abortSignal } : options);
  };
  return doc;
}

const UNREPEATABLE = 'verigateUnrepeatable';

/** An attempt ended without a clear answer: none at all, or a server error (a write may have been applied either way). */
const answerLost = (err: unknown): boolean => {
  const status = (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  return typeof status !== 'number' || status >= 500;
};

/**
 * An unrepeatable write's attempt got no answer: it may have been applied. Carries the attempt's error as
 * `lost`, not as `cause` (the SDK retries an error whose cause is a timeout).
 */
export class UnansweredWrite extends Error {
  override name = 'UnansweredWrite';
  constructor(readonly lost: unknown) {
    super(`a write that must not be repeated got no answer (${lost instanceof Error ? lost.name : String(lost)})`);
  }
}

/**
 * Marks a write the SDK must not repeat after an attempt that got no answer, because applying it twice
 * is wrong (giving back a counted unit): it ends with UnansweredWrite instead. Answered failures
 * (throttling) are retried as usual: nothing was applied.
 */
export function unrepeatable<C extends { middlewareStack: MiddlewareStack<any, any> }>(command: C): C {
  command.middlewareStack.add(
    (next, context) => (args) => {
      (context as Record<string, unknown>)[UNREPEATABLE] = true;
      return next(args);
    },
    // override: a document client's command shares its stack with the command it wraps, which adds it twice
    { step: 'initialize', name: 'markUnrepeatable', override: true },
  );
  return command;
}

/**
 * True when a call ended without an answer from DynamoDB (a timeout, the budget running out, a
 * dropped connection): a write may or may not have been applied. An answer, even an error, carries
 * its HTTP status.
 */
export function outcomeUnknown(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  // An SDK retry (same ClientRequestToken, so idempotent) that meets its first attempt still running is
  // answered TransactionInProgress: that first attempt may yet commit.
  if (err.name === 'TransactionInProgressException') return true;
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return typeof status !== 'number';
}

/** A conditional write whose failed condition means there is nothing to do (already done, or overtaken). */
export async function unlessConditionFails(write: Promise<unknown>): Promise<void> {
  try {
    await write;
  } catch (err) {
    if (!isConditionalCheckFailed(err)) throw err;
  }
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
