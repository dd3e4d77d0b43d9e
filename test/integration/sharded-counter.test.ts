// The sharded period counter (shared/store/sharded-counter.ts) against DynamoDB Local: exact under
// concurrency (never over the limit, refused only when every shard is full), give-backs that undo one
// admission each and are never repeated by the SDK when an attempt got no answer, and the partner rate's
// memory of a refusal (no write for the rest of the second).
import { randomUUID } from 'node:crypto';
import { GetCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { startFaultProxy, type FaultProxy } from '../../dev/support/fault-proxy.js';
import { countRequests } from '../../dev/support/meter.js';
import { createTable } from '../../dev/table.js';
import { SHARD_WRITES_PER_SECOND } from '../../shared/policy.js';
import { createDb, type Db } from '../../shared/store/client.js';
import { createPartnerRate } from '../../shared/store/partner-rate.js';
import { createShardedCounter, shardCapacity, shardCount, type CounterKind } from '../../shared/store/sharded-counter.js';

const HOUR_MS = 3_600_000;
/** A counter of its own kind: an hour's period on seven shards (a peak of seven shards' writes). */
const SEVEN_SHARDS: CounterKind = {
  periodMs: HOUR_MS,
  lifetimeMs: 2 * HOUR_MS,
  key: (id, periodStartMs, shard) => ({ pk: `TESTCOUNT#${id}#${periodStartMs}#${shard}`, sk: 'COUNT' }),
  peakPerSecond: 7 * SHARD_WRITES_PER_SECOND,
};
const LIMIT = 100;
const NOW = Math.floor(Date.now() / HOUR_MS) * HOUR_MS + 10 * 60_000;

let db: Db;
const tableName = `verigate-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  await createTable({ endpoint: inject('dynamodbEndpoint'), tableName });
  // Hundreds of calls at once share the client's sockets: waiting for one counts against the connect timeout.
  db = createDb({ region: 'local', endpoint: inject('dynamodbEndpoint'), requestTimeoutMs: 20_000, connectTimeoutMs: 10_000 });
});

/** Every shard's count of `id` in the period of NOW, by shard. */
async function shardCounts(id: string, kind = SEVEN_SHARDS, limit = LIMIT): Promise<number[]> {
  const start = NOW - (NOW % kind.periodMs);
  return Promise.all(
    Array.from({ length: shardCount(kind, limit) }, async (_, i) => {
      const { Item } = await db.doc.send(new GetCommand({ TableName: tableName, Key: kind.key(id, start, i), ConsistentRead: true }));
      return typeof Item?.n === 'number' ? Item.n : 0;
    }),
  );
}

const capacities = (kind: CounterKind, limit: number) =>
  Array.from({ length: shardCount(kind, limit) }, (_, i) => shardCapacity(limit, shardCount(kind, limit), i));

describe('a sharded counter under concurrency', () => {
  it('200 concurrent admits at a limit of 100 on 7 shards: exactly 100 admitted, each shard filled to its capacity', async () => {
    const counter = createShardedCounter(db, tableName, SEVEN_SHARDS);
    const id = randomUUID();
    const admissions = await Promise.all(Array.from({ length: 200 }, () => counter.admit(id, NOW, LIMIT)));

    expect(admissions.filter((a) => a.admitted)).toHaveLength(LIMIT);
    for (const refused of admissions.filter((a) => !a.admitted)) expect(refused).toEqual({ admitted: false, retryMs: 50 * 60_000 });
    expect(capacities(SEVEN_SHARDS, LIMIT)).toEqual([15, 15, 14, 14, 14, 14, 14]);
    expect(await shardCounts(id)).toEqual(capacities(SEVEN_SHARDS, LIMIT));
    expect(await counter.hasRoom(id, NOW, LIMIT)).toBe(50 * 60_000);
  });

  it('finds the last unit wherever it is: with every shard full but one, an admit succeeds whichever shard it tries first', async () => {
    const counter = createShardedCounter(db, tableName, SEVEN_SHARDS);
    const start = NOW - (NOW % HOUR_MS);
    for (let round = 0; round < 5; round++) {
      const id = randomUUID();
      const open = round % 7;
      // Every shard at its capacity, the open one a unit short of it.
      await Promise.all(
        capacities(SEVEN_SHARDS, LIMIT).map((cap, i) =>
          db.doc.send(
            new UpdateCommand({
              TableName: tableName,
              Key: SEVEN_SHARDS.key(id, start, i),
              UpdateExpression: 'SET n = :n',
              ExpressionAttributeValues: { ':n': i === open ? cap - 1 : cap },
            }),
          ),
        ),
      );
      expect(await counter.hasRoom(id, NOW, LIMIT)).toBeUndefined();
      const admitted = await counter.admit(id, NOW, LIMIT);
      expect(admitted).toEqual({ admitted: true, unit: { id, periodStartMs: start, shard: open } });
      expect(await counter.admit(id, NOW, LIMIT)).toEqual({ admitted: false, retryMs: 50 * 60_000 });
    }
  });

  it('gives back exactly what it took: 10 units given back admit 10 more of 40 concurrent, never more', async () => {
    const counter = createShardedCounter(db, tableName, SEVEN_SHARDS);
    const id = randomUUID();
    const first = await Promise.all(Array.from({ length: LIMIT }, () => counter.admit(id, NOW, LIMIT)));
    const units = first.flatMap((a) => (a.admitted ? [a.unit] : []));
    expect(units).toHaveLength(LIMIT);

    await Promise.all(units.slice(0, 10).map((unit) => counter.giveBack(unit)));
    const again = await Promise.all(Array.from({ length: 40 }, () => counter.admit(id, NOW, LIMIT)));
    expect(again.filter((a) => a.admitted)).toHaveLength(10);
    expect((await shardCounts(id)).reduce((a, b) => a + b, 0)).toBe(LIMIT);
  });

  it('asks for room with the very requests of an admission, adding nothing', async () => {
    const counter = createShardedCounter(db, tableName, SEVEN_SHARDS);
    const id = randomUUID();
    const meter = countRequests(db);
    expect(await counter.hasRoom(id, NOW, LIMIT)).toBeUndefined();
    expect(await counter.admit(id, NOW, LIMIT)).toMatchObject({ admitted: true });
    expect(meter.operations).toEqual(['UpdateItem', 'UpdateItem']);
    expect((await shardCounts(id)).reduce((a, b) => a + b, 0)).toBe(1);
  });
});

describe('a give-back whose attempt gets no answer', () => {
  let proxy: FaultProxy;
  let viaProxy: Db;

  beforeAll(async () => {
    proxy = await startFaultProxy(inject('dynamodbEndpoint'));
    viaProxy = createDb({ region: 'local', endpoint: proxy.endpoint, requestTimeoutMs: 300, connectTimeoutMs: 1000 });
  });
  afterAll(async () => {
    proxy.release();
    await proxy.close();
  });

  it('is not repeated: the unit comes back once (a plain update would be applied on every attempt)', async () => {
    const counter = createShardedCounter(viaProxy, tableName, SEVEN_SHARDS);
    const id = randomUUID();
    const admission = await counter.admit(id, NOW, LIMIT);
    if (!admission.admitted) throw new Error('not admitted');
    const { unit } = admission;
    const key = SEVEN_SHARDS.key(id, unit.periodStartMs, unit.shard);
    await db.doc.send(
      new UpdateCommand({ TableName: tableName, Key: key, UpdateExpression: 'SET n = :n', ExpressionAttributeValues: { ':n': 5 } }),
    );

    proxy.set('hold-response', 'UpdateItem'); // applied by DynamoDB, the answer never arrives
    const before = proxy.seen('UpdateItem');
    await expect(counter.giveBack(unit)).rejects.toMatchObject({ name: 'UnansweredWrite' });
    expect(proxy.seen('UpdateItem') - before).toBe(1);

    // The same fault on an ordinary write: the SDK repeats it after each attempt without an answer.
    const plain = proxy.seen('UpdateItem');
    await expect(
      viaProxy.doc.send(
        new UpdateCommand({ TableName: tableName, Key: key, UpdateExpression: 'ADD n :one', ExpressionAttributeValues: { ':one': 1 } }),
      ),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(proxy.seen('UpdateItem') - plain).toBe(3);
    proxy.release();

    await expect
      .poll(async () => (await db.doc.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item?.n)
      .toBe(5 - 1 + 3);
  });
});

describe('the partner rate', () => {
  it('remembers a refusal for the rest of its second: refused calls then cost no DynamoDB call; the next second admits again', async () => {
    const rate = createPartnerRate(db, tableName);
    const partner = randomUUID();
    const second = Math.floor(Date.now() / 1000) * 1000;
    for (let i = 0; i < 3; i++) expect(await rate.admit(partner, second + 100, 3)).toBeUndefined();
    expect(await rate.admit(partner, second + 200, 3)).toBe(800);

    const meter = countRequests(db);
    expect(await rate.admit(partner, second + 300, 3)).toBe(700);
    expect(meter.operations).toEqual([]);
    expect(await rate.admit(partner, second + 1000, 3)).toBeUndefined();
    expect(meter.operations).toEqual(['UpdateItem']);
  });

  it('counts 200 concurrent calls of one partner at 60 a second on 20 shards: exactly 60 admitted', async () => {
    const rate = createPartnerRate(db, tableName);
    const partner = randomUUID();
    const now = Math.floor(Date.now() / 1000) * 1000 + 100;
    const answers = await Promise.all(Array.from({ length: 200 }, () => rate.admit(partner, now, 60)));
    expect(answers.filter((a) => a === undefined)).toHaveLength(60);
    const { Items = [] } = await db.doc.send(
      new ScanCommand({
        TableName: tableName,
        ConsistentRead: true,
        FilterExpression: 'begins_with(pk, :p)',
        ExpressionAttributeValues: { ':p': 'RATE#' + partner },
      }),
    );
    expect(Items).toHaveLength(20);
    expect(Items.reduce((sum, item) => sum + Number(item.n), 0)).toBe(60);
  });
});
