// The meter bills calls to DynamoDB Local as AWS bills them on demand, from the items each call really
// touched: read before and after the call from the same table (the service's, infra/table.json, with its
// audit index). Sizes here are built from strings of known length: a name and a value are one byte per
// ASCII character.
import { vi, describe, it, expect, beforeAll, beforeEach } from 'vitest';

vi.hoisted(() => {
  process.env.LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

import { DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { attachMeter, type Meter } from '../../dev/support/meter.js';
import { createTestRuntime, type TestRuntime } from '../support/runtime.js';

let t: TestRuntime;
let meter: Meter;
let table: string;
let serial = 0;

/** An item of exactly `bytes` bytes, keyed `<kind>#<n>` / `S`, without the audit index's keys. */
function item(kind: string, bytes: number, extra: Record<string, unknown> = {}) {
  const pk = `${kind}#${String(++serial).padStart(6, '0')}`;
  const base = { pk, sk: 'S', ...extra };
  // pk (2) + its value, sk (2) + 'S' (1), fil (3) + its value; extra given in strings only.
  const used = Object.entries(base).reduce((s, [k, v]) => s + k.length + String(v).length, 0) + 3;
  return { ...base, fil: 'x'.repeat(bytes - used) };
}

const billed = () => meter.usage.billed;

beforeAll(async () => {
  t = await createTestRuntime();
  table = t.config.tableName;
  meter = attachMeter(t.rt.db, { billing: { endpoint: t.config.dynamodbEndpoint!, region: t.config.region } });
  meter.billing = true;
});

beforeEach(() => meter.reset());

describe('the meter billing writes', () => {
  it('bills a new 500-byte item 1 unit and a 1.6 KB one 2, each at its size', async () => {
    await t.rt.db.doc.send(new PutCommand({ TableName: table, Item: item('T', 500) }));
    await t.rt.db.doc.send(new PutCommand({ TableName: table, Item: item('T', 1638) }));
    expect(billed().writes.map((w) => [w.kind, w.afterBytes, w.writeUnits])).toEqual([
      ['T', 500, 1],
      ['T', 1638, 2],
    ]);
    expect(billed().writeUnits).toBe(3);
    expect(billed().indexWriteUnits).toBe(0);
  });

  it('bills a replacing put and an update by the larger of the item before and after', async () => {
    const big = item('T', 2500);
    await t.rt.db.doc.send(new PutCommand({ TableName: table, Item: big }));
    meter.reset();
    await t.rt.db.doc.send(new PutCommand({ TableName: table, Item: { pk: big.pk, sk: 'S', small: 'y' } }));
    expect(billed().writes[0]).toMatchObject({ beforeBytes: 2500, afterBytes: 2 + big.pk.length + 2 + 1 + 5 + 1, writeUnits: 3 });
    meter.reset();
    const grown = item('T', 900);
    await t.rt.db.doc.send(new PutCommand({ TableName: table, Item: grown }));
    meter.reset();
    await t.rt.db.doc.send(
      new UpdateCommand({
        TableName: table,
        Key: { pk: grown.pk, sk: 'S' },
        UpdateExpression: 'SET more = :m',
        ExpressionAttributeValues: { ':m': 'z'.repeat(196) },
      }),
    );
    expect(billed().writes[0]).toMatchObject({ action: 'Update', beforeBytes: 900, afterBytes: 900 + 4 + 196, writeUnits: 2 });
  });

  it('bills three 500-byte items written in one transaction 6 units', async () => {
    await t.rt.db.doc.send(
      new TransactWriteCommand({ TransactItems: [1, 2, 3].map(() => ({ Put: { TableName: table, Item: item('T', 500) } })) }),
    );
    expect(billed().writes.map((w) => [w.transactional, w.writeUnits])).toEqual([
      [true, 2],
      [true, 2],
      [true, 2],
    ]);
    expect(billed().writeUnits).toBe(6);
  });

  it('bills a failed conditional update the item it would have left, and a failed write of a new item 1 unit', async () => {
    const one = item('T', 1000);
    await t.rt.db.doc.send(new PutCommand({ TableName: table, Item: one }));
    meter.reset();
    const grow = new UpdateCommand({
      TableName: table,
      Key: { pk: one.pk, sk: 'S' },
      UpdateExpression: 'SET more = :m',
      ConditionExpression: 'attribute_not_exists(pk) OR nope = :never',
      ExpressionAttributeValues: { ':m': 'z'.repeat(1000), ':never': 'never' },
    });
    await expect(t.rt.db.doc.send(grow)).rejects.toThrow(expect.objectContaining({ name: 'ConditionalCheckFailedException' }));
    expect(billed().writes[0]).toMatchObject({ applied: false, beforeBytes: 1000, afterBytes: 1000, writeUnits: 2 });
    meter.reset();
    await expect(
      t.rt.db.doc.send(new PutCommand({ TableName: table, Item: item('T', 3000), ConditionExpression: 'attribute_exists(pk)' })),
    ).rejects.toThrow(expect.objectContaining({ name: 'ConditionalCheckFailedException' }));
    expect(billed().writes[0]).toMatchObject({ applied: false, beforeBytes: undefined, writeUnits: 1 });
  });

  it('bills every item of a cancelled transaction twice, as written, and changes nothing', async () => {
    const kept = item('T', 700);
    await t.rt.db.doc.send(new PutCommand({ TableName: table, Item: kept }));
    meter.reset();
    await expect(
      t.rt.db.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: table, Item: item('T', 1500) } },
            { ConditionCheck: { TableName: table, Key: { pk: kept.pk, sk: 'S' }, ConditionExpression: 'attribute_not_exists(pk)' } },
          ],
        }),
      ),
    ).rejects.toThrow(expect.objectContaining({ name: 'TransactionCanceledException' }));
    // The new item did not exist: 1 unit, twice; the checked 700-byte item: 1 unit, twice.
    expect(billed().writes.map((w) => [w.action, w.applied, w.writeUnits])).toEqual([
      ['Put', false, 2],
      ['ConditionCheck', false, 2],
    ]);
  });

  it('adds an index write for an item with the index key, two when its index key moves, none for an attribute not projected', async () => {
    const audit = item('AUDIT', 400, { gsi1pk: 'AUDIT#subject', gsi1sk: '2026-01-01', outcome: 'USG.000000000' });
    await t.rt.db.doc.send(new PutCommand({ TableName: table, Item: audit }));
    expect(billed().writes[0]).toMatchObject({ writeUnits: 1, indexWriteUnits: 1 });
    const key = { pk: audit.pk, sk: 'S' };
    const update = (expression: string, values: Record<string, unknown>) =>
      t.rt.db.doc.send(new UpdateCommand({ TableName: table, Key: key, UpdateExpression: expression, ExpressionAttributeValues: values }));
    meter.reset();
    await update('SET gsi1sk = :s', { ':s': '2026-01-02' });
    expect(billed().indexWriteUnits).toBe(2);
    meter.reset();
    await update('SET outcome = :o', { ':o': 'USG.201050004' });
    expect(billed().indexWriteUnits).toBe(1);
    meter.reset();
    await update('SET fil = :p', { ':p': 'shorter' });
    expect(billed().indexWriteUnits).toBe(0);
    meter.reset();
    await t.rt.db.doc.send(new DeleteCommand({ TableName: table, Key: key }));
    expect(billed().writes[0]).toMatchObject({ action: 'Delete', afterBytes: undefined, writeUnits: 1, indexWriteUnits: 1 });
  });

  it('reads the TTL of the items it bills from the table', async () => {
    await t.rt.db.doc.send(new PutCommand({ TableName: table, Item: { ...item('T', 200), ttl: 1_900_000_000 } }));
    expect(billed().writes[0]!.afterTtl).toBe(1_900_000_000);
  });
});

describe('the meter billing reads', () => {
  it('bills a 5 KB item 2 units strongly consistent, 1 eventually consistent, and a missing one half a unit', async () => {
    const five = item('T', 5 * 1024);
    await t.rt.db.doc.send(new PutCommand({ TableName: table, Item: five }));
    meter.reset();
    await t.rt.db.doc.send(new GetCommand({ TableName: table, Key: { pk: five.pk, sk: 'S' }, ConsistentRead: true }));
    expect(billed().readUnits).toBe(2);
    await t.rt.db.doc.send(new GetCommand({ TableName: table, Key: { pk: five.pk, sk: 'S' } }));
    expect(billed().readUnits).toBe(3);
    await t.rt.db.doc.send(new GetCommand({ TableName: table, Key: { pk: 'T#missing', sk: 'S' } }));
    expect(billed().readUnits).toBe(3.5);
  });

  it('bills an index query by the entries it returned, once rounded', async () => {
    for (let i = 0; i < 3; i++)
      await t.rt.db.doc.send(
        new PutCommand({ TableName: table, Item: item('AUDIT', 3000, { gsi1pk: 'AUDIT#queried', gsi1sk: `2026-01-0${i}`, outcome: 'x' }) }),
      );
    meter.reset();
    const { Items } = await t.rt.db.doc.send(
      new QueryCommand({
        TableName: table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': 'AUDIT#queried' },
      }),
    );
    expect(Items).toHaveLength(3);
    // Three small entries (keys and outcome), not three 3,000-byte items: under 4 KB, eventually consistent.
    expect(billed().readUnits).toBe(0.5);
  });

  it('says when a billed call overlapped another', async () => {
    await Promise.all([1, 2].map(() => t.rt.db.doc.send(new PutCommand({ TableName: table, Item: item('T', 100) }))));
    expect(billed().overlapped).toBeGreaterThan(0);
  });
});
