// A stand-in network in front of DynamoDB Local that adds what DynamoDB does under contention and load and
// DynamoDB Local does not: DynamoDB Local runs transactions one after another, so two transactions on one
// item never meet there. DynamoDB runs them at once and cancels a TransactWriteItems that meets another
// in-flight TransactWriteItems on one of its items (TransactionCanceledException, reason TransactionConflict
// for that item), and refuses a PutItem / UpdateItem / DeleteItem of an item a transaction is writing
// (TransactionConflictException). This proxy holds each transaction a few milliseconds on its way (so
// concurrent ones overlap as they do in DynamoDB), tracks the items of those in flight, and answers as
// DynamoDB documents it, in DynamoDB's JSON protocol (awsJson1_0). On request it also answers a kind of
// call with one of DynamoDB's throttling errors. Everything else is forwarded unchanged.
import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * DynamoDB's throttling errors, by the name the SDK gives them: the `__type` DynamoDB sends, its message, and
 * the ThrottlingReasons it adds (ResourceType + OperationType + LimitType, e.g. a hot key's write limit).
 */
export const THROTTLING_ERRORS = {
  ProvisionedThroughputExceededException: {
    type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
    message: 'You exceeded your maximum allowed provisioned throughput.',
    reason: 'TableWriteKeyRangeThroughputExceeded',
  },
  ThrottlingException: {
    type: 'com.amazon.coral.availability#ThrottlingException',
    message: 'Rate of requests exceeds the allowed throughput.',
    reason: 'TableWriteMaxOnDemandThroughputExceeded',
  },
  RequestLimitExceeded: {
    type: 'com.amazonaws.dynamodb.v20120810#RequestLimitExceeded',
    message: 'Throughput exceeds the current throughput quota for your account.',
    reason: 'TableWriteAccountLimitExceeded',
  },
} as const;
export type ThrottlingError = keyof typeof THROTTLING_ERRORS;

export interface ConflictProxyOptions {
  /** How long each TransactWriteItems is held before it is forwarded: the window in which others meet it. */
  holdMs?: number;
  /** The table's key attributes (this service's: pk, sk). */
  keyAttributes?: readonly [string, string];
}

export interface ConflictProxy {
  endpoint: string;
  /** Cancellations and refusals the proxy answered because of a transaction in flight. */
  conflicts(): { transactions: number; writes: number };
  /** Answers every call whose target ends with `operation` (or every call) with a throttling error, until `throttle(undefined)`. */
  throttle(rule: { error: ThrottlingError; operation?: string } | undefined): void;
  /** Calls seen, by target (e.g. `TransactWriteItems`). */
  seen(operation?: string): number;
  close(): Promise<void>;
}

type AttributeValue = Record<string, unknown>;
type TransactItem = Partial<
  Record<'Put' | 'Update' | 'Delete' | 'ConditionCheck', { TableName: string; Item?: AttributeValue; Key?: AttributeValue }>
>;

const SINGLE_WRITES: Record<string, 'Item' | 'Key'> = { PutItem: 'Item', UpdateItem: 'Key', DeleteItem: 'Key' };

export async function startConflictProxy(target: string, options: ConflictProxyOptions = {}): Promise<ConflictProxy> {
  const upstream = new URL(target);
  const holdMs = options.holdMs ?? 5;
  const [hashKey, rangeKey] = options.keyAttributes ?? ['pk', 'sk'];
  /** Items written by a transaction in flight: how many hold each. */
  const inFlight = new Map<string, number>();
  const counts = { transactions: 0, writes: 0 };
  const seen: string[] = [];
  let throttling: { error: ThrottlingError; operation?: string } | undefined;

  const itemId = (table: string, attributes: AttributeValue | undefined) =>
    `${table}\u0000${JSON.stringify(attributes?.[hashKey])}\u0000${JSON.stringify(attributes?.[rangeKey])}`;

  const itemsOf = (items: TransactItem[]): string[] =>
    items.map((t) => {
      const [kind, action] = Object.entries(t)[0]!;
      return itemId(action!.TableName, kind === 'Put' ? action!.Item : action!.Key);
    });

  const answer = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.0',
      'content-length': Buffer.byteLength(text),
      'x-amzn-requestid': randomUUID(),
    });
    res.end(text);
  };

  const forward = (req: IncomingMessage, body: Buffer, res: ServerResponse, done?: () => void) => {
    const out = httpRequest(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
      (reply) => {
        const chunks: Buffer[] = [];
        reply.on('data', (c: Buffer) => chunks.push(c));
        reply.on('end', () => {
          done?.();
          if (res.destroyed) return;
          res.writeHead(reply.statusCode ?? 502, reply.headers);
          res.end(Buffer.concat(chunks));
        });
      },
    );
    out.on('error', () => {
      done?.();
      res.destroy();
    });
    out.end(body);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.slice(target.indexOf('.') + 1);
      seen.push(operation);
      const body = Buffer.concat(chunks);

      if (throttling && (throttling.operation === undefined || operation.endsWith(throttling.operation))) {
        const { type, message, reason } = THROTTLING_ERRORS[throttling.error];
        const table = (JSON.parse(body.toString('utf8')) as { TableName?: string }).TableName ?? 'table';
        answer(res, 400, {
          __type: type,
          message,
          ThrottlingReasons: [{ reason, resource: `arn:aws:dynamodb:local:000000000000:table/${table}` }],
        });
        return;
      }

      if (operation === 'TransactWriteItems') {
        const items = itemsOf((JSON.parse(body.toString('utf8')) as { TransactItems: TransactItem[] }).TransactItems);
        const met = items.map((id) => inFlight.has(id));
        if (met.some(Boolean)) {
          counts.transactions++;
          const codes = met.map((m) => (m ? 'TransactionConflict' : 'None'));
          answer(res, 400, {
            __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
            CancellationReasons: met.map((m) =>
              m ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' } : { Code: 'None' },
            ),
            Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
          });
          return;
        }
        for (const id of items) inFlight.set(id, (inFlight.get(id) ?? 0) + 1);
        const release = () => {
          for (const id of items) {
            const left = (inFlight.get(id) ?? 1) - 1;
            if (left > 0) inFlight.set(id, left);
            else inFlight.delete(id);
          }
        };
        setTimeout(() => forward(req, body, res, release), holdMs);
        return;
      }

      const keyField = SINGLE_WRITES[operation];
      if (keyField) {
        const input = JSON.parse(body.toString('utf8')) as { TableName: string } & Record<string, AttributeValue>;
        if (inFlight.has(itemId(input.TableName, input[keyField]))) {
          counts.writes++;
          answer(res, 400, {
            __type: 'com.amazonaws.dynamodb.v20120810#TransactionConflictException',
            message: 'Transaction is ongoing for the item',
          });
          return;
        }
      }
      forward(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    conflicts: () => ({ ...counts }),
    throttle(rule) {
      throttling = rule;
    },
    seen: (operation) => seen.filter((op) => operation === undefined || op.endsWith(operation)).length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
