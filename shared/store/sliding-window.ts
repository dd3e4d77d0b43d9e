import { ttlAfter, type SlidingWindow } from '../policy.js';
import type { Key } from './keys.js';
import type { TransactItem } from './transactions.js';

/**
 * A sliding window ("at most N events in any span of W ms", shared/policy.ts) kept exactly in one item
 * as a shift register of the last N event times: attributes <prefix>1 (newest) … <prefix>N (oldest).
 * A new event is admitted iff <prefix>N is missing or older than now − W, and admitting it shifts
 * every slot down by one. DynamoDB evaluates the right-hand sides against the item as it was before
 * the update, so check and shift happen in one conditional write: exact under any concurrency, with
 * no read first.
 */
export interface StoredWindow extends SlidingWindow {
  /** The item's attributes that hold the window's slots: `<prefix>1` … `<prefix><limit>`. */
  readonly prefix: string;
}

export interface ExpressionParts {
  condition: string;
  set: string[];
  names: Record<string, string>;
  values: Record<string, number>;
}

/**
 * Slots are named in the expressions as they are (`ip30`, not `#ip30` with a name map): a prefix of
 * letters followed by digits is never one of DynamoDB's reserved words, and send's 30-slot window
 * alone would otherwise carry 30 name substitutions in every request.
 */
const slot = (w: StoredWindow, i: number) => `${w.prefix}${i}`;

/** A window's expression text depends on the window only: built once, the values per call. */
function memoized<T>(build: (w: StoredWindow) => T): (w: StoredWindow) => T {
  const built = new WeakMap<StoredWindow, T>();
  return (w) => {
    let text = built.get(w);
    if (text === undefined) {
      if (!/^[A-Za-z]+$/.test(w.prefix)) throw new Error(`sliding window prefix must be letters only, got "${w.prefix}"`);
      built.set(w, (text = build(w)));
    }
    return text;
  };
}

const admitText = memoized((w) => {
  const oldest = slot(w, w.limit);
  const set: string[] = [];
  for (let i = w.limit; i > 1; i--) set.push(`${slot(w, i)} = if_not_exists(${slot(w, i - 1)}, :zero)`);
  set.push(`${slot(w, 1)} = :${w.prefix}Now`);
  return { condition: `(attribute_not_exists(${oldest}) OR ${oldest} <= :${w.prefix}Cut)`, set };
});

/** Condition + SET clauses that admit one event at `nowMs` into the window. */
export function admitEvent(w: StoredWindow, nowMs: number): ExpressionParts {
  const { condition, set } = admitText(w);
  return {
    condition,
    set: [...set],
    names: {},
    values: { ':zero': 0, [`:${w.prefix}Now`]: nowMs, [`:${w.prefix}Cut`]: nowMs - w.windowMs },
  };
}

const retractText = memoized((w) => {
  const set: string[] = [];
  for (let i = 1; i < w.limit; i++) set.push(`${slot(w, i)} = if_not_exists(${slot(w, i + 1)}, :zero)`);
  set.push(`${slot(w, w.limit)} = :zero`);
  return { condition: `${slot(w, 1)} = :${w.prefix}Admitted`, set };
});

/**
 * Retracts the event admitted at `admittedAtMs` (a send being undone): shifts the slots up again. The
 * slot that fell off on admission was outside the window by then, so a zero in its place is equivalent.
 */
export function retractEvent(w: StoredWindow, admittedAtMs: number): ExpressionParts {
  const { condition, set } = retractText(w);
  return { condition, set: [...set], names: {}, values: { ':zero': 0, [`:${w.prefix}Admitted`]: admittedAtMs } };
}

/** Condition that the window still has room at `nowMs`, without recording an event. */
export function hasRoom(w: StoredWindow, nowMs: number): ExpressionParts {
  return { condition: admitText(w).condition, set: [], names: {}, values: { [`:${w.prefix}Cut`]: nowMs - w.windowMs } };
}

/** An ExpressionAttributeNames map, or nothing when it is empty (DynamoDB refuses an empty one). */
export const attributeNames = (names: Record<string, string>): Record<string, string> | undefined =>
  Object.keys(names).length > 0 ? names : undefined;

function slotValue(item: Record<string, unknown> | undefined, name: string): number {
  const v = item?.[name];
  return typeof v === 'number' ? v : 0;
}

/** Events of the window that fall inside (now − W, now], read from an item. */
export function eventsInWindow(w: StoredWindow, item: Record<string, unknown> | undefined, nowMs: number): number {
  let n = 0;
  for (let i = 1; i <= w.limit; i++) if (slotValue(item, slot(w, i)) > nowMs - w.windowMs) n++;
  return n;
}

/** Milliseconds until the window admits another event (0 when it has room now). */
export function msUntilRoom(w: StoredWindow, item: Record<string, unknown> | undefined, nowMs: number): number {
  const oldest = slotValue(item, slot(w, w.limit));
  return Math.max(0, oldest + w.windowMs - nowMs);
}

/** Joins parts of several windows (and extra clauses) into one UpdateItem's expressions. */
export function combine(parts: ExpressionParts[]): ExpressionParts {
  return {
    condition: parts
      .map((p) => p.condition)
      .filter(Boolean)
      .join(' AND '),
    set: parts.flatMap((p) => p.set),
    names: Object.assign({}, ...parts.map((p) => p.names)),
    values: Object.assign({}, ...parts.map((p) => p.values)),
  };
}

/** Transaction element: admit one event into a window kept on an item of its own, or fail its condition. */
export function admitEventItem(w: StoredWindow, table: string, key: Key, nowMs: number, lifetimeMs: number): TransactItem {
  const parts = admitEvent(w, nowMs);
  return {
    Update: {
      TableName: table,
      Key: key,
      UpdateExpression: `SET ${[...parts.set, '#ttl = :windowTtl'].join(', ')}`,
      ConditionExpression: parts.condition,
      ExpressionAttributeNames: { ...parts.names, '#ttl': 'ttl' },
      ExpressionAttributeValues: { ...parts.values, ':windowTtl': ttlAfter(nowMs, lifetimeMs) },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}

/** Transaction element: fail unless the window kept on an item of its own has room, recording nothing. */
export function roomCheckItem(w: StoredWindow, table: string, key: Key, nowMs: number): TransactItem {
  const room = hasRoom(w, nowMs);
  return {
    ConditionCheck: {
      TableName: table,
      Key: key,
      ConditionExpression: room.condition,
      ExpressionAttributeNames: attributeNames(room.names),
      ExpressionAttributeValues: room.values,
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  };
}
