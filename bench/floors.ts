// The floor: bare round trips of the request shapes the operations are made of, to read each
// operation's latency against.
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../shared/store/client.js';
import { admitEvent, attributeNames } from '../shared/store/sliding-window.js';
import { SOURCE_IP_WINDOW } from '../shared/store/code-sends.js';
import { stats, type Stats } from './measure.js';

export interface Floors {
  getItem: Stats;
  conditionalUpdate: Stats;
  transaction4: Stats;
  /** Send's transaction today, bare: 6 items, each a plain conditional write (the country budget's ADD on one hot item). */
  sendShape: Stats;
  /** The same with the source IP's item written as the exact 30-slot window send writes it. */
  sendShapeIpWindow: Stats;
}

interface IpUpdate {
  UpdateExpression: string;
  ConditionExpression: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues: Record<string, unknown>;
}

/** One call of each floor shape; `i` makes the keys of the items a shape creates fresh. Writes the shared item first. */
export async function floorShapes(db: Db, tableName: string): Promise<Record<keyof Floors, (i: number) => Promise<unknown>>> {
  const key = { pk: 'FLOOR', sk: 'FLOOR' };
  await db.doc.send(new PutCommand({ TableName: tableName, Item: { ...key, n: 0 } }));
  // The conditional update every write floor is made of.
  const conditionalUpdate = {
    TableName: tableName,
    Key: key,
    UpdateExpression: 'ADD n :one',
    ConditionExpression: 'attribute_exists(pk)',
    ExpressionAttributeValues: { ':one': 1 },
  };
  const fresh = (x: string, i: number) => ({ pk: `FLOOR#${x}#${i}`, sk: 'T' });
  // Send's six items: CAPTCHA pass (put), audit record (put), delivery request (put), destination (update),
  // source IP (update), the country's budget this hour (ADD on an item every send of that country shares).
  const sendShape = (shape: string, i: number, ip: IpUpdate) =>
    db.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: tableName, Item: fresh(`${shape}C`, i), ConditionExpression: 'attribute_not_exists(pk)' } },
          { Put: { TableName: tableName, Item: fresh(`${shape}A`, i), ConditionExpression: 'attribute_not_exists(pk)' } },
          { Put: { TableName: tableName, Item: fresh(`${shape}R`, i), ConditionExpression: 'attribute_not_exists(pk)' } },
          {
            Update: {
              TableName: tableName,
              Key: fresh(`${shape}D`, i),
              UpdateExpression: 'SET c = :one',
              ConditionExpression: 'attribute_not_exists(c) OR c < :one',
              ExpressionAttributeValues: { ':one': 1 },
            },
          },
          { Update: { TableName: tableName, Key: fresh(`${shape}I`, i), ...ip } },
          {
            Update: {
              ...conditionalUpdate,
              Key: { pk: 'FLOOR#SMS', sk: 'T' },
              ConditionExpression: 'attribute_not_exists(n) OR n < :big',
              ExpressionAttributeValues: { ':one': 1, ':big': 1e12 },
            },
          },
        ],
      }),
    );
  const plainIp: IpUpdate = {
    UpdateExpression: 'SET c = :one',
    ConditionExpression: 'attribute_not_exists(c) OR c < :one',
    ExpressionAttributeValues: { ':one': 1 },
  };
  const windowIp = (nowMs: number): IpUpdate => {
    const w = admitEvent(SOURCE_IP_WINDOW, nowMs);
    return {
      UpdateExpression: `SET ${w.set.join(', ')}`,
      ConditionExpression: w.condition,
      ExpressionAttributeNames: attributeNames(w.names),
      ExpressionAttributeValues: w.values,
    };
  };
  const shapes: Record<keyof Floors, (i: number) => Promise<unknown>> = {
    getItem: () => db.doc.send(new GetCommand({ TableName: tableName, Key: key })),
    conditionalUpdate: () => db.doc.send(new UpdateCommand(conditionalUpdate)),
    // Send's request shape (3 conditional puts and 1 conditional update, one transaction), bare: what a
    // transaction of four items costs on this engine, to read send's ratio against.
    transaction4: (i) =>
      db.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            ...['A', 'B', 'C'].map((x) => ({
              Put: { TableName: tableName, Item: { pk: `FLOOR#${x}#${i}`, sk: 'T' }, ConditionExpression: 'attribute_not_exists(pk)' },
            })),
            { Update: conditionalUpdate },
          ],
        }),
      ),
    sendShape: (i) => sendShape('SEND', i, plainIp),
    sendShapeIpWindow: (i) => sendShape('SENDIP', i, windowIp(Date.now())),
  };
  return shapes;
}

/**
 * Every shape measured one call at a time, round-robin (shape 1, shape 2, …, shape 1, …), so what the
 * machine or DynamoDB Local does meanwhile (warming up, others' load on shared cores) falls on all of
 * them alike: measured one after the other, the floors of send's two shapes came out up to 1.7× apart.
 */
export async function measureFloors(db: Db, tableName: string, o: { iterations: number; warmup: number }): Promise<Floors> {
  const shapes = await floorShapes(db, tableName);
  const names = Object.keys(shapes) as Array<keyof Floors>;
  const latencies = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<keyof Floors, number[]>;
  for (let i = 0; i < o.warmup + o.iterations; i++) {
    for (const name of names) {
      const t0 = performance.now();
      await shapes[name](i);
      if (i >= o.warmup) latencies[name].push(performance.now() - t0);
    }
  }
  const floors = {} as Floors;
  for (const name of names) {
    // Throughput as if the shape ran alone: its calls over the time they took.
    floors[name] = stats(
      latencies[name],
      latencies[name].reduce((a, b) => a + b, 0),
    );
    process.stderr.write(`floor ${name}: p50 ${floors[name].p50} ms\n`);
  }
  return floors;
}
