// Counts DynamoDB requests (in order, by operation) with one SDK middleware that also asks every call for
// ReturnConsumedCapacity: the tests assert request counts with it. DynamoDB Local's capacity figures are
// not AWS's (it reports the same units for any successful transaction, none for a failed condition), so
// they are kept as reported and nothing is priced from them.
//
// With `billing`, the meter also bills every call as DynamoDB on-demand does, from the items the call
// really touched: it reads each item a write names from the same DynamoDB Local just before and just after
// the call (a second client the meter does not count), and applies AWS's documented rules to those images
// (item size, write and read units, transactions, failed conditions, index writes: "AWS's arithmetic"
// below). That is exact only while one call runs at a time against items no one else writes, which is how
// the bench runs its billing passes; a call that overlaps another is counted in `billed.overlapped` and
// the bench refuses such figures.
import {
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import type { Db } from '../../shared/store/client.js';

const READS = new Set(['GetItem', 'Query', 'BatchGetItem', 'TransactGetItems', 'Scan']);

// ---------- AWS's arithmetic (DynamoDB developer guide: "Item sizes and formats", "Capacity unit
// consumption", "Capacity management for transactions", "Global secondary indexes: write capacity units") ----------

/** An attribute value as the SDK returns it (binary as bytes) or as it travels in a request (binary as base64). */
export type AnyAttributeValue = AttributeValue | Record<string, unknown>;
export type Item = Record<string, AnyAttributeValue>;

export const KB = 1024;
const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');
const binaryBytes = (b: unknown): number => (typeof b === 'string' ? Buffer.from(b, 'base64').length : (b as Uint8Array).length);

/**
 * A number's size: "1 byte per two significant digits, plus 1 byte", leading and trailing zeros trimmed.
 * AWS calls this approximate: the stored form pairs digits on either side of the decimal point, so a
 * number can take one byte more than this (e.g. 110 as 01|10).
 */
export function numberBytes(n: string): number {
  const mantissa = n.trim().replace(/^[-+]/, '').replace(/e.*$/i, '').replace('.', '');
  const significant = mantissa.replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(significant.length / 2) + 1;
}

/** A value's size (its attribute name not included). */
export function valueBytes(v: AnyAttributeValue): number {
  const a = v as Record<string, unknown>;
  if (a.S !== undefined) return utf8(a.S as string);
  if (a.N !== undefined) return numberBytes(a.N as string);
  if (a.B !== undefined) return binaryBytes(a.B);
  if (a.BOOL !== undefined || a.NULL !== undefined) return 1;
  if (a.SS !== undefined) return (a.SS as string[]).reduce((s, x) => s + utf8(x), 0);
  if (a.NS !== undefined) return (a.NS as string[]).reduce((s, x) => s + numberBytes(x), 0);
  if (a.BS !== undefined) return (a.BS as unknown[]).reduce<number>((s, x) => s + binaryBytes(x), 0);
  // A list or a map: 3 bytes, and 1 byte per element; a map's keys count like attribute names.
  if (a.L !== undefined) return 3 + (a.L as AnyAttributeValue[]).reduce((s, x) => s + 1 + valueBytes(x), 0);
  if (a.M !== undefined) return 3 + Object.entries(a.M as Item).reduce((s, [k, x]) => s + 1 + utf8(k) + valueBytes(x), 0);
  throw new Error(`not an attribute value: ${JSON.stringify(v)}`);
}

/** An item's size: the lengths of its attribute names and values. */
export const itemBytes = (item: Item): number => Object.entries(item).reduce((s, [k, v]) => s + utf8(k) + valueBytes(v), 0);

/** Every item is stored with 100 bytes more than its size (and so is every index entry). */
export const STORAGE_OVERHEAD_BYTES = 100;

/** Write request units of one write of an item of `bytes` (1 per KB or part of one; 2 per KB in a transaction). */
export const writeUnits = (bytes: number, transactional = false): number => Math.max(1, Math.ceil(bytes / KB)) * (transactional ? 2 : 1);

export type ReadKind = 'strong' | 'eventual' | 'transactional';
const READ_FACTOR: Record<ReadKind, number> = { strong: 1, eventual: 0.5, transactional: 2 };
/** Read request units of one read of `bytes` (1 per 4 KB or part, strongly consistent; an item not found counts as one unit's read). */
export const readUnits = (bytes: number, kind: ReadKind): number => Math.max(1, Math.ceil(bytes / (4 * KB))) * READ_FACTOR[kind];

/** The table as DynamoDB describes it: what an item's index entries and lifetime are read from. */
export interface TableShape {
  name: string;
  /** Partition key attribute, then sort key attribute if any. */
  keys: string[];
  indexes: IndexShape[];
  /** The TTL attribute, when TTL is enabled. */
  ttlAttribute: string | undefined;
}

export interface IndexShape {
  name: string;
  keys: string[];
  projection: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  /** INCLUDE's non-key attributes. */
  include: string[];
}

const pick = (item: Item, names: string[]): Item =>
  Object.fromEntries(names.filter((n) => item[n] !== undefined).map((n) => [n, item[n]!]));

/** The item's entry in a global secondary index (table keys, index keys, projected attributes), or undefined when it has no index key. */
export function indexEntry(item: Item | undefined, table: Pick<TableShape, 'keys'>, index: IndexShape): Item | undefined {
  if (!item || index.keys.some((k) => item[k] === undefined)) return undefined;
  if (index.projection === 'ALL') return item;
  return pick(item, [...new Set([...table.keys, ...index.keys, ...(index.projection === 'INCLUDE' ? index.include : [])])]);
}

const sameValue = (a: AnyAttributeValue | undefined, b: AnyAttributeValue | undefined): boolean =>
  JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
function canonical(v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  return v;
}
const sameItem = (a: Item, b: Item): boolean =>
  Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => sameValue(a[k], b[k]));

/**
 * The index writes one table write causes, as units per index write: a new entry is one write, a removed
 * entry one, an entry whose index key changed two (delete + put), an entry whose projected attributes
 * changed one; no write when the item is in the index neither before nor after, or its entry is unchanged.
 * Not doubled inside a transaction: the transaction's two phases are the table's, indexes follow it.
 */
export function indexWrites(
  before: Item | undefined,
  after: Item | undefined,
  table: Pick<TableShape, 'keys'>,
  index: IndexShape,
): number[] {
  const b = indexEntry(before, table, index);
  const a = indexEntry(after, table, index);
  if (!b && !a) return [];
  if (!b) return [writeUnits(itemBytes(a!))];
  if (!a) return [writeUnits(itemBytes(b))];
  if (index.keys.some((k) => !sameValue(b[k], a[k]))) return [writeUnits(itemBytes(b)), writeUnits(itemBytes(a))];
  if (sameItem(b, a)) return [];
  return [writeUnits(Math.max(itemBytes(b), itemBytes(a)))];
}

/**
 * Units of one write of an item, by AWS's rules: the larger of its size before and after, rounded up to
 * the KB; a write whose condition failed (alone, or anywhere in its transaction) is charged the size of
 * the item as the write would have left it when the item exists, else one unit. Transactions: twice.
 */
export function itemWriteUnits(w: {
  before: number | undefined;
  after: number | undefined;
  wouldBe?: number | undefined;
  applied: boolean;
  transactional: boolean;
}): number {
  if (!w.applied) return writeUnits(w.before === undefined ? 0 : (w.wouldBe ?? w.before), w.transactional);
  return writeUnits(Math.max(w.before ?? 0, w.after ?? 0), w.transactional);
}

// ---------- what the meter records ----------

/** One item a write named: its images' sizes and what it was billed. */
export interface ItemWrite {
  /** The table's partition key up to its first `#` (`AUDIT`, `DEST`, ...): what kind of item it is. */
  kind: string;
  action: 'Put' | 'Update' | 'Delete' | 'ConditionCheck';
  transactional: boolean;
  /** False when its condition, or another element of its transaction, failed: nothing changed. */
  applied: boolean;
  atMs: number;
  /** Sizes (bytes) before and after; undefined: no item. */
  beforeBytes: number | undefined;
  afterBytes: number | undefined;
  /** Its TTL (epoch seconds) before and after, when it has one. */
  beforeTtl: number | undefined;
  afterTtl: number | undefined;
  /** Its index entries: how many (one per index it is in) and their sizes, all indexes together. */
  beforeIndexEntries: number;
  afterIndexEntries: number;
  beforeIndexBytes: number;
  afterIndexBytes: number;
  writeUnits: number;
  indexWriteUnits: number;
}

export interface Billed {
  readUnits: number;
  writeUnits: number;
  indexWriteUnits: number;
  writes: ItemWrite[];
  /** The largest image of each kind of item written (SDK form): what the report breaks down by attribute. */
  samples: Record<string, Record<string, AttributeValue>>;
  /** Calls billed while another was in flight: their images may hold another call's changes. */
  overlapped: number;
}

export interface Usage {
  requests: number;
  /** Operations in the order they were sent, e.g. ['GetItem', 'PutItem']. */
  operations: string[];
  byOperation: Record<string, number>;
  /** As DynamoDB Local reports them (not AWS's figures: see the top of this file). */
  readUnits: number;
  writeUnits: number;
  /** Failed conditions, for which DynamoDB Local reports nothing: 1 unit per item, 2 in a transaction. */
  estimatedWriteUnits: number;
  /** AWS's figures from the items touched (only while billing is on). */
  billed: Billed;
}

const emptyBilled = (): Billed => ({ readUnits: 0, writeUnits: 0, indexWriteUnits: 0, writes: [], samples: {}, overlapped: 0 });

export const emptyUsage = (): Usage => ({
  requests: 0,
  operations: [],
  byOperation: {},
  readUnits: 0,
  writeUnits: 0,
  estimatedWriteUnits: 0,
  billed: emptyBilled(),
});

type Capacity = { CapacityUnits?: number; ReadCapacityUnits?: number; WriteCapacityUnits?: number };

export interface Meter {
  usage: Usage;
  reset(): void;
  /** Whether calls are billed now (only with the `billing` option): costs reads around every call. */
  billing: boolean;
}

export interface MeterOptions {
  /** The DynamoDB the metered client talks to, read around each call to bill it (one call at a time). */
  billing?: { endpoint: string; region: string };
}

export function attachMeter(db: Db, o: MeterOptions = {}): Meter {
  const meter: Meter = { usage: emptyUsage(), reset: () => (meter.usage = emptyUsage()), billing: false };
  db.raw.middlewareStack.add(
    (next, context) => async (args) => {
      const op = String(context.commandName ?? '').replace(/Command$/, '');
      const input = args.input as Record<string, unknown>;
      input.ReturnConsumedCapacity = 'TOTAL';
      const u = meter.usage;
      u.requests++;
      u.operations.push(op);
      u.byOperation[op] = (u.byOperation[op] ?? 0) + 1;
      try {
        const result = await next(args);
        const cc = (result.output as { ConsumedCapacity?: Capacity | Capacity[] }).ConsumedCapacity;
        for (const c of [cc ?? []].flat()) {
          const units = c.CapacityUnits ?? 0;
          if (READS.has(op)) u.readUnits += units;
          else u.writeUnits += units;
        }
        return result;
      } catch (err) {
        const name = err instanceof Error ? err.name : '';
        if (name === 'ConditionalCheckFailedException') u.estimatedWriteUnits += 1;
        if (name === 'TransactionCanceledException')
          u.estimatedWriteUnits += 2 * ((input.TransactItems as unknown[] | undefined)?.length ?? 1);
        throw err;
      }
    },
    { step: 'initialize' },
  );
  if (o.billing) {
    const biller = createBiller(o.billing);
    let inFlight = 0;
    // At the build step the request is serialized: its body is the low-level request (attribute values
    // typed as DynamoDB receives them), whichever client (document or not) sent it.
    db.raw.middlewareStack.add(
      (next) => async (args) => {
        if (!meter.billing) return next(args);
        const request = args.request as { headers: Record<string, string>; body?: unknown };
        const op = (request.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
        const body = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body as Uint8Array);
        const billed = meter.usage.billed;
        inFlight++;
        if (inFlight > 1) billed.overlapped++;
        try {
          return await biller.bill(op, JSON.parse(body) as Record<string, unknown>, billed, () => next(args));
        } finally {
          inFlight--;
        }
      },
      { step: 'build', name: 'billingMeter' },
    );
  }
  return meter;
}

// ---------- billing a call from the items it touched ----------

type Action = ItemWrite['action'];
interface Target {
  table: string;
  key: Item;
  action: Action;
  /** The element as sent: a Put's Item, an Update's expressions. */
  element: Record<string, unknown>;
  transactional: boolean;
}

const KIND_OF_ACTION: Record<string, Action> = { Put: 'Put', Update: 'Update', Delete: 'Delete', ConditionCheck: 'ConditionCheck' };

/** The items a write request names, in order. */
function writeTargets(op: string, input: Record<string, unknown>, keysOf: (table: string) => string[]): Target[] {
  const keyOf = (table: string, item: Item) => pick(item, keysOf(table));
  const one = (action: Action, e: Record<string, unknown>, transactional: boolean): Target => {
    const table = e.TableName as string;
    return { table, key: action === 'Put' ? keyOf(table, e.Item as Item) : (e.Key as Item), action, element: e, transactional };
  };
  if (op === 'PutItem') return [one('Put', input, false)];
  if (op === 'UpdateItem') return [one('Update', input, false)];
  if (op === 'DeleteItem') return [one('Delete', input, false)];
  if (op === 'TransactWriteItems')
    return (input.TransactItems as Array<Record<string, Record<string, unknown>>>).map((t) => {
      const [name, e] = Object.entries(t)[0]!;
      return one(KIND_OF_ACTION[name]!, e, true);
    });
  if (op === 'BatchWriteItem')
    return Object.entries(input.RequestItems as Record<string, Array<Record<string, Record<string, unknown>>>>).flatMap(([TableName, rs]) =>
      rs.map((r) =>
        r.PutRequest ? one('Put', { TableName, ...r.PutRequest }, false) : one('Delete', { TableName, ...r.DeleteRequest }, false),
      ),
    );
  return [];
}

/** An attribute value from a request body (binary as base64) in the SDK's form. */
function toSdk(v: AnyAttributeValue): AttributeValue {
  const a = v as Record<string, unknown>;
  if (typeof a.B === 'string') return { B: Buffer.from(a.B, 'base64') };
  if (a.BS) return { BS: (a.BS as unknown[]).map((b) => (typeof b === 'string' ? Buffer.from(b, 'base64') : (b as Uint8Array))) };
  if (a.L) return { L: (a.L as AnyAttributeValue[]).map(toSdk) };
  if (a.M) return { M: toSdkItem(a.M as Item) };
  return v as AttributeValue;
}
const toSdkItem = (item: Item): Record<string, AttributeValue> => Object.fromEntries(Object.entries(item).map(([k, v]) => [k, toSdk(v)]));

/** The placeholders (`#name`, `:value`) `expressions` use, out of `map`; undefined when none. */
function usedIn<T>(map: Record<string, T> | undefined, expressions: Array<unknown>): Record<string, T> | undefined {
  if (!map) return undefined;
  const text = expressions.filter((e): e is string => typeof e === 'string').join(' ');
  const used = Object.entries(map).filter(([k]) => new RegExp(`${k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9_])`).test(text));
  return used.length ? Object.fromEntries(used) : undefined;
}

function createBiller(settings: { endpoint: string; region: string }) {
  const reader = new DynamoDBClient({
    region: settings.region,
    endpoint: settings.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const shapes = new Map<string, Promise<TableShape>>();
  const scratches = new Map<string, Promise<string>>();

  const shapeOf = (table: string): Promise<TableShape> => {
    let s = shapes.get(table);
    if (!s) {
      s = (async () => {
        const { Table } = await reader.send(new DescribeTableCommand({ TableName: table }));
        const keys = (ks: KeySchemaElement[] | undefined) =>
          [...(ks ?? [])].sort((a, b) => (a.KeyType === 'HASH' ? -1 : b.KeyType === 'HASH' ? 1 : 0)).map((k) => k.AttributeName!);
        const ttl = await reader.send(new DescribeTimeToLiveCommand({ TableName: table }));
        const on = ttl.TimeToLiveDescription?.TimeToLiveStatus;
        return {
          name: table,
          keys: keys(Table!.KeySchema),
          indexes: (Table!.GlobalSecondaryIndexes ?? []).map((i) => ({
            name: i.IndexName!,
            keys: keys(i.KeySchema),
            projection: (i.Projection?.ProjectionType ?? 'ALL') as IndexShape['projection'],
            include: i.Projection?.NonKeyAttributes ?? [],
          })),
          ttlAttribute: on === 'ENABLED' || on === 'ENABLING' ? ttl.TimeToLiveDescription?.AttributeName : undefined,
        };
      })();
      shapes.set(table, s);
    }
    return s;
  };

  const read = async (table: string, key: Item): Promise<Record<string, AttributeValue> | undefined> =>
    (await reader.send(new GetItemCommand({ TableName: table, Key: toSdkItem(key), ConsistentRead: true }))).Item;

  /** A table of the same keys where an update that failed its condition is applied without it, to see the item it would have left. */
  const scratchOf = (table: string): Promise<string> => {
    let s = scratches.get(table);
    if (!s) {
      s = (async () => {
        const { Table } = await reader.send(new DescribeTableCommand({ TableName: table }));
        const name = `${table}-meter-scratch`;
        const keyNames = new Set(Table!.KeySchema!.map((k) => k.AttributeName));
        await reader.send(
          new CreateTableCommand({
            TableName: name,
            KeySchema: Table!.KeySchema,
            AttributeDefinitions: Table!.AttributeDefinitions!.filter((d) => keyNames.has(d.AttributeName)),
            BillingMode: 'PAY_PER_REQUEST',
          }),
        );
        return name;
      })();
      scratches.set(table, s);
    }
    return s;
  };

  /** The size of the item a write that failed would have left (the item exists). */
  const wouldBeBytes = async (t: Target, before: Record<string, AttributeValue>): Promise<number> => {
    if (t.action === 'Put') return itemBytes(t.element.Item as Item);
    if (t.action !== 'Update') return itemBytes(before);
    const scratch = await scratchOf(t.table);
    const Key = toSdkItem(t.key);
    await reader.send(new DeleteItemCommand({ TableName: scratch, Key }));
    await reader.send(new PutItemCommand({ TableName: scratch, Item: before }));
    const e = t.element;
    const values = usedIn(e.ExpressionAttributeValues as Item | undefined, [e.UpdateExpression]);
    const { Attributes } = await reader.send(
      new UpdateItemCommand({
        TableName: scratch,
        Key,
        UpdateExpression: e.UpdateExpression as string,
        ExpressionAttributeNames: usedIn(e.ExpressionAttributeNames as Record<string, string> | undefined, [e.UpdateExpression]),
        ExpressionAttributeValues: values && toSdkItem(values),
        ReturnValues: 'ALL_NEW',
      }),
    );
    return itemBytes(Attributes ?? {});
  };

  const entries = (shape: TableShape, item: Item | undefined): Item[] =>
    shape.indexes.flatMap((i) => {
      const e = indexEntry(item, shape, i);
      return e ? [e] : [];
    });
  const indexBytes = (shape: TableShape, item: Item | undefined): number => entries(shape, item).reduce((s, e) => s + itemBytes(e), 0);

  const ttlOf = (shape: TableShape, item: Record<string, AttributeValue> | undefined): number | undefined => {
    const v = shape.ttlAttribute ? item?.[shape.ttlAttribute]?.N : undefined;
    return v === undefined ? undefined : Number(v);
  };

  async function billWrites<T>(op: string, input: Record<string, unknown>, billed: Billed, call: () => Promise<T>): Promise<T> {
    const tables = [...new Set(writeTargets(op, input, () => []).map((t) => t.table))];
    const shapeList = await Promise.all(tables.map(shapeOf));
    const shapeByTable = new Map(shapeList.map((s) => [s.name, s]));
    const targets = writeTargets(op, input, (t) => shapeByTable.get(t)!.keys);
    const before = await Promise.all(targets.map((t) => read(t.table, t.key)));
    const atMs = Date.now();
    let result: T | undefined;
    let failure: unknown;
    try {
      result = await call();
    } catch (err) {
      failure = err;
    }
    const name = failure instanceof Error ? failure.name : '';
    // Refused before any item was evaluated (validation, throttling, no answer): nothing is billed.
    if (failure && name !== 'ConditionalCheckFailedException' && name !== 'TransactionCanceledException') throw failure;
    const applied = !failure;
    const after = applied ? await Promise.all(targets.map((t) => read(t.table, t.key))) : before;
    for (const [i, t] of targets.entries()) {
      const shape = shapeByTable.get(t.table)!;
      const b = before[i];
      const a = t.action === 'ConditionCheck' ? b : after[i];
      const beforeBytes = b && itemBytes(b);
      const afterBytes = a && itemBytes(a);
      const wouldBe = !applied && b ? await wouldBeBytes(t, b) : undefined;
      // A ConditionCheck is billed as a write of the item it checks (its two phases in the transaction).
      const units = itemWriteUnits({ before: beforeBytes, after: afterBytes, wouldBe, applied, transactional: t.transactional });
      const indexUnits =
        applied && t.action !== 'ConditionCheck'
          ? shape.indexes.flatMap((ix) => indexWrites(b, a, shape, ix)).reduce((s, x) => s + x, 0)
          : 0;
      const pk = (t.key[shape.keys[0]!] as { S?: string } | undefined)?.S ?? '';
      const kind = pk.split('#')[0] ?? '';
      billed.writes.push({
        kind,
        action: t.action,
        transactional: t.transactional,
        applied,
        atMs,
        beforeBytes,
        afterBytes,
        beforeTtl: ttlOf(shape, b),
        afterTtl: ttlOf(shape, a),
        beforeIndexEntries: entries(shape, b).length,
        afterIndexEntries: entries(shape, a).length,
        beforeIndexBytes: indexBytes(shape, b),
        afterIndexBytes: indexBytes(shape, a),
        writeUnits: units,
        indexWriteUnits: indexUnits,
      });
      billed.writeUnits += units;
      billed.indexWriteUnits += indexUnits;
      const sample = billed.samples[kind];
      if (a && applied && (!sample || itemBytes(a) >= itemBytes(sample))) billed.samples[kind] = a;
    }
    if (failure) throw failure;
    return result as T;
  }

  /** Read units of a read request, from what it read (read again: reads change nothing). */
  async function readUnitsOf(op: string, input: Record<string, unknown>): Promise<number> {
    if (op === 'GetItem') {
      const item = await read(input.TableName as string, input.Key as Item);
      return readUnits(item ? itemBytes(item) : 0, input.ConsistentRead ? 'strong' : 'eventual');
    }
    if (op === 'BatchGetItem') {
      let units = 0;
      for (const [table, r] of Object.entries(input.RequestItems as Record<string, { Keys: Item[]; ConsistentRead?: boolean }>))
        for (const key of r.Keys) {
          const item = await read(table, key);
          units += readUnits(item ? itemBytes(item) : 0, r.ConsistentRead ? 'strong' : 'eventual');
        }
      return units;
    }
    if (op === 'TransactGetItems') {
      let units = 0;
      for (const t of input.TransactItems as Array<{ Get: { TableName: string; Key: Item } }>) {
        const item = await read(t.Get.TableName, t.Get.Key);
        units += readUnits(item ? itemBytes(item) : 0, 'transactional');
      }
      return units;
    }
    if (op === 'Query' || op === 'Scan') {
      // What the request evaluated: the same page, without the filter and the projection (neither
      // changes what is read); an index is read as its entries.
      const keep = [input.KeyConditionExpression];
      const values = usedIn(input.ExpressionAttributeValues as Item | undefined, keep);
      const common = {
        TableName: input.TableName as string,
        IndexName: input.IndexName as string | undefined,
        ExpressionAttributeNames: usedIn(input.ExpressionAttributeNames as Record<string, string> | undefined, keep),
        ExpressionAttributeValues: values && toSdkItem(values),
        ExclusiveStartKey: input.ExclusiveStartKey ? toSdkItem(input.ExclusiveStartKey as Item) : undefined,
        Limit: input.Limit as number | undefined,
        ConsistentRead: input.ConsistentRead as boolean | undefined,
      };
      const page =
        op === 'Query'
          ? await reader.send(
              new QueryCommand({
                ...common,
                KeyConditionExpression: input.KeyConditionExpression as string,
                ScanIndexForward: input.ScanIndexForward as boolean | undefined,
              }),
            )
          : await reader.send(
              new ScanCommand({
                ...common,
                Segment: input.Segment as number | undefined,
                TotalSegments: input.TotalSegments as number | undefined,
              }),
            );
      const bytes = (page.Items ?? []).reduce((s, i) => s + itemBytes(i), 0);
      return readUnits(bytes, input.ConsistentRead ? 'strong' : 'eventual');
    }
    return 0;
  }

  return {
    async bill<T>(op: string, input: Record<string, unknown>, billed: Billed, call: () => Promise<T>): Promise<T> {
      if (READS.has(op)) {
        const result = await call();
        billed.readUnits += await readUnitsOf(op, input);
        return result;
      }
      return billWrites(op, input, billed, call);
    },
  };
}

export interface RequestCounter {
  /** Operations seen since the last reset, in order. */
  readonly operations: string[];
  reset(): void;
  total(): number;
}

/** The request-count view of the meter, for tests. */
export function countRequests(db: Db): RequestCounter {
  const meter = attachMeter(db);
  return {
    get operations() {
      return meter.usage.operations;
    },
    reset: () => meter.reset(),
    total: () => meter.usage.requests,
  };
}
