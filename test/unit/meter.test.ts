// The meter's billing arithmetic against AWS's own words and examples (DynamoDB developer guide: "Item sizes
// and formats", "Capacity unit consumption for reads / writes", "Capacity management for transactions",
// "Global secondary indexes: read and write capacity units"; DynamoDB pricing, on-demand: request units).
import { describe, expect, it } from 'vitest';
import {
  indexEntry,
  indexWrites,
  itemBytes,
  itemWriteUnits,
  KB,
  numberBytes,
  readUnits,
  writeUnits,
  type IndexShape,
} from '../../dev/support/meter.js';

describe('item size', () => {
  it('counts a string as its attribute name plus its UTF-8 bytes', () => {
    expect(itemBytes({ name: { S: 'abc' } })).toBe(4 + 3);
    expect(itemBytes({ 名前: { S: '値' } })).toBe(6 + 3);
  });

  it('counts a number as 1 byte per two significant digits plus 1, leading and trailing zeros trimmed', () => {
    expect(numberBytes('12345')).toBe(3 + 1);
    expect(numberBytes('1763830000000')).toBe(3 + 1); // 176383
    expect(numberBytes('00120')).toBe(1 + 1); // 12
    expect(numberBytes('-0.05')).toBe(1 + 1); // 5
    expect(numberBytes('3.14159')).toBe(3 + 1);
    expect(itemBytes({ ttl: { N: '1781000000' } })).toBe(3 + 2 + 1); // 1781
  });

  it('counts a binary value by its raw bytes, however it is encoded on the wire', () => {
    expect(itemBytes({ b: { B: new Uint8Array(10) } })).toBe(1 + 10);
    expect(itemBytes({ b: { B: Buffer.alloc(10).toString('base64') } })).toBe(1 + 10);
  });

  it('counts null and Boolean as 1 byte', () => {
    expect(itemBytes({ ok: { BOOL: false }, no: { NULL: true } })).toBe(2 + 1 + 2 + 1);
  });

  it('gives a list or map 3 bytes of overhead and each element 1 more, map keys counted like names', () => {
    expect(itemBytes({ l: { L: [] } })).toBe(1 + 3);
    expect(itemBytes({ l: { L: [{ S: 'ab' }, { N: '7' }] } })).toBe(1 + 3 + (1 + 2) + (1 + 2));
    expect(itemBytes({ m: { M: { key: { S: 'v' } } } })).toBe(1 + 3 + (1 + 3 + 1));
    expect(itemBytes({ m: { M: { inner: { M: {} } } } })).toBe(1 + 3 + (1 + 5 + 3));
  });

  it('counts a set as the sum of its elements', () => {
    expect(itemBytes({ ss: { SS: ['a', 'bc'] }, ns: { NS: ['1', '22'] } })).toBe(2 + 3 + 2 + (2 + 2));
  });
});

describe('write request units', () => {
  it('rounds each item up to the next KB: 500 bytes is 1, 1 KB is 1, 1.1 KB and 1.6 KB are 2, 3 KB is 3', () => {
    expect(writeUnits(500)).toBe(1);
    expect(writeUnits(KB)).toBe(1);
    expect(writeUnits(KB + 1)).toBe(2);
    expect(writeUnits(1.1 * KB)).toBe(2);
    expect(writeUnits(1.6 * KB)).toBe(2);
    expect(writeUnits(3 * KB)).toBe(3);
  });

  it('doubles inside a transaction: a 3 KB item is 6, three 500-byte items are 6', () => {
    expect(writeUnits(3 * KB, true)).toBe(6);
    expect([500, 500, 500].reduce((s, b) => s + writeUnits(b, true), 0)).toBe(6);
  });

  it('rounds each item of a batch on its own: 500 bytes and 3.5 KB are 5, not 4', () => {
    expect(writeUnits(500) + writeUnits(3.5 * KB)).toBe(5);
  });

  it('charges an update or a replacing put the larger of the item before and after', () => {
    expect(itemWriteUnits({ before: 2.5 * KB, after: 300, applied: true, transactional: false })).toBe(3);
    expect(itemWriteUnits({ before: 900, after: 1100, applied: true, transactional: false })).toBe(2);
    expect(itemWriteUnits({ before: undefined, after: 1100, applied: true, transactional: true })).toBe(4);
  });

  it('still charges a write whose condition failed: the new item of an existing one, one unit for a new one', () => {
    expect(itemWriteUnits({ before: KB, after: KB, wouldBe: KB, applied: false, transactional: false })).toBe(1);
    expect(itemWriteUnits({ before: KB, after: KB, wouldBe: 2 * KB, applied: false, transactional: false })).toBe(2);
    expect(itemWriteUnits({ before: undefined, after: undefined, wouldBe: undefined, applied: false, transactional: false })).toBe(1);
  });
});

describe('read request units', () => {
  it('rounds up to 4 KB: 3.5 KB is one unit, 10 KB three', () => {
    expect(readUnits(3.5 * KB, 'strong')).toBe(1);
    expect(readUnits(10 * KB, 'strong')).toBe(3);
  });

  it('reads an 8 KB item for 2 units strongly consistent, 1 eventually consistent, 4 in a transaction', () => {
    expect(readUnits(8 * KB, 'strong')).toBe(2);
    expect(readUnits(8 * KB, 'eventual')).toBe(1);
    expect(readUnits(8 * KB, 'transactional')).toBe(4);
  });

  it('charges a read of an item that does not exist 1 unit, or 0.5 eventually consistent', () => {
    expect(readUnits(0, 'strong')).toBe(1);
    expect(readUnits(0, 'eventual')).toBe(0.5);
  });

  it('rounds each item of a batch get on its own: 1.5 KB and 6.5 KB read as 12 KB', () => {
    expect(readUnits(1.5 * KB, 'strong') + readUnits(6.5 * KB, 'strong')).toBe(3);
  });

  it('rounds a query once over what it returned: 40.8 KB as 44 KB, 1500 items of 64 bytes as 96 KB', () => {
    expect(readUnits(40.8 * KB, 'strong')).toBe(11);
    expect(readUnits(1500 * 64, 'strong')).toBe(24);
    expect(readUnits(80 * KB, 'eventual')).toBe(10);
  });

  it('reads eight 2,000-byte index entries for 2 units (index queries are eventually consistent)', () => {
    expect(readUnits(8 * 2000, 'eventual')).toBe(2);
  });
});

describe('global secondary index writes', () => {
  const table = { keys: ['pk', 'sk'] };
  const index: IndexShape = { name: 'gsi1', keys: ['gsi1pk', 'gsi1sk'], projection: 'INCLUDE', include: ['status'] };
  const item = (over: Record<string, string>) => ({
    pk: { S: 'AUDIT#1' },
    sk: { S: 'S' },
    gsi1pk: { S: 'AUDIT#h' },
    gsi1sk: { S: '2026' },
    status: { N: '200' },
    detail: { S: 'not projected' },
    ...Object.fromEntries(Object.entries(over).map(([k, v]) => [k, { S: v }])),
  });

  it('projects the table keys, the index keys and the included attributes only', () => {
    expect(Object.keys(indexEntry(item({}), table, index)!).sort()).toEqual(['gsi1pk', 'gsi1sk', 'pk', 'sk', 'status']);
    expect(indexEntry({ pk: { S: 'X' }, sk: { S: 'Y' } }, table, index)).toBeUndefined();
  });

  it('writes an entry once when an item gets the index key, and once when it loses it', () => {
    expect(indexWrites(undefined, item({}), table, index)).toEqual([1]);
    expect(indexWrites(item({}), undefined, table, index)).toEqual([1]);
  });

  it('writes twice when the index key moves (delete + put), once when a projected attribute changes', () => {
    expect(indexWrites(item({}), item({ gsi1sk: '2027' }), table, index)).toEqual([1, 1]);
    expect(indexWrites(item({}), item({ status: '429' }), table, index)).toEqual([1]);
  });

  it('writes nothing when neither image is in the index, or only attributes it does not project change', () => {
    expect(indexWrites({ pk: { S: 'A' } }, { pk: { S: 'A' }, x: { S: 'y' } }, table, index)).toEqual([]);
    expect(indexWrites(item({}), item({ detail: 'changed' }), table, index)).toEqual([]);
  });

  it('sizes an index write by its entry, not by the item', () => {
    const big = item({ detail: 'x'.repeat(3 * KB) });
    expect(indexWrites(undefined, big, table, index)).toEqual([1]);
    expect(indexWrites(undefined, big, table, { ...index, projection: 'ALL' })).toEqual([4]);
  });
});
