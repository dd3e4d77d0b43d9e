// The floor: bare round trips of the request shapes the operations are made of, to read each
// operation's latency against.
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../shared/store/client.js';
import { measure, type Stats } from './measure.js';

export interface Floors {
  getItem: Stats;
  conditionalUpdate: Stats;
  transaction4: Stats;
}

export async function measureFloors(db: Db, tableName: string, o: { iterations: number; warmup: number }): Promise<Floors> {
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
  };
  const floors = {} as Floors;
  for (const name of Object.keys(shapes) as Array<keyof Floors>) {
    const inputs = Array.from({ length: o.warmup + o.iterations }, (_, i) => i);
    floors[name] = await measure(inputs, o.warmup, 1, async (i) => void (await shapes[name](i)));
    process.stderr.write(`floor ${name}: p50 ${floors[name].p50} ms\n`);
  }
  return floors;
}
