import { describe, expect, it } from 'vitest';
import {
  admitEvent,
  combine,
  eventsInWindow,
  hasRoom,
  msUntilRoom,
  retractEvent,
  type StoredWindow,
} from '../../shared/store/sliding-window.js';

const W: StoredWindow = { prefix: 'va', limit: 5, windowMs: 60_000 };
const NOW = Date.parse('2025-06-01T10:00:00.000Z');

/** An item holding events at the given times, newest first (va1 = newest). */
const itemWith = (...times: number[]) => Object.fromEntries(times.map((t, i) => [`va${i + 1}`, t]));

describe('eventsInWindow', () => {
  it('counts nothing for a missing item', () => {
    expect(eventsInWindow(W, undefined, NOW)).toBe(0);
  });

  it('counts the events within the last W ms', () => {
    expect(eventsInWindow(W, itemWith(NOW - 1, NOW - 10_000, NOW - 59_999, NOW - 60_001), NOW)).toBe(3);
  });

  it('leaves out an event exactly W ms ago', () => {
    expect(eventsInWindow(W, itemWith(NOW - 60_000), NOW)).toBe(0);
  });

  it('counts an event 1 ms short of W ms ago', () => {
    expect(eventsInWindow(W, itemWith(NOW - 59_999), NOW)).toBe(1);
  });

  it('counts an event happening now', () => {
    expect(eventsInWindow(W, itemWith(NOW), NOW)).toBe(1);
  });

  it('counts a full window as the limit', () => {
    expect(eventsInWindow(W, itemWith(NOW, NOW - 1, NOW - 2, NOW - 3, NOW - 4), NOW)).toBe(5);
  });

  it('ignores attributes that are not numbers and slots beyond the limit', () => {
    expect(eventsInWindow(W, { va1: String(NOW), va2: NOW, va6: NOW }, NOW)).toBe(1);
  });
});

describe('msUntilRoom', () => {
  it('is 0 for a missing item', () => {
    expect(msUntilRoom(W, undefined, NOW)).toBe(0);
  });

  it('is 0 while the window is not full', () => {
    expect(msUntilRoom(W, itemWith(NOW, NOW, NOW, NOW), NOW)).toBe(0);
  });

  it('waits until the oldest of a full window leaves it', () => {
    expect(msUntilRoom(W, itemWith(NOW, NOW - 1, NOW - 2, NOW - 3, NOW - 10_000), NOW)).toBe(50_000);
  });

  it('is 0 when the oldest event is exactly W ms ago', () => {
    expect(msUntilRoom(W, itemWith(NOW, NOW, NOW, NOW, NOW - 60_000), NOW)).toBe(0);
  });

  it('is 1 when the oldest event is 1 ms short of W ms ago', () => {
    expect(msUntilRoom(W, itemWith(NOW, NOW, NOW, NOW, NOW - 59_999), NOW)).toBe(1);
  });

  it('agrees with eventsInWindow: room exactly when fewer than limit events are inside', () => {
    for (const age of [0, 1, 30_000, 59_999, 60_000, 60_001, 120_000]) {
      const item = itemWith(NOW, NOW, NOW, NOW, NOW - age);
      expect(msUntilRoom(W, item, NOW) === 0).toBe(eventsInWindow(W, item, NOW) < W.limit);
    }
  });
});

describe('admitEvent', () => {
  const parts = admitEvent(W, NOW);

  it('conditions on the oldest slot being absent or at most now − W', () => {
    expect(parts.condition).toBe('(attribute_not_exists(va5) OR va5 <= :vaCut)');
    expect(parts.values[':vaCut']).toBe(NOW - 60_000);
    expect(parts.values[':vaNow']).toBe(NOW);
  });

  it('shifts every slot down by one and writes now into the newest', () => {
    expect(parts.set).toEqual([
      'va5 = if_not_exists(va4, :zero)',
      'va4 = if_not_exists(va3, :zero)',
      'va3 = if_not_exists(va2, :zero)',
      'va2 = if_not_exists(va1, :zero)',
      'va1 = :vaNow',
    ]);
    expect(parts.values[':zero']).toBe(0);
  });

  it('names the slots as they are, with no name map (letters and digits are never a reserved word)', () => {
    expect(parts.names).toEqual({});
    expect([parts.condition, ...parts.set].join(' ')).not.toContain('#');
  });

  it('uses only values it declares', () => {
    const text = [parts.condition, ...parts.set].join(' ');
    for (const value of text.match(/:\w+/g) ?? []) expect(parts.values).toHaveProperty([value]);
  });

  it('refuses a prefix that is not letters only (it could make a slot name DynamoDB reads otherwise)', () => {
    expect(() => admitEvent({ prefix: 'a_b', limit: 2, windowMs: 1000 }, NOW)).toThrow(/letters only/);
  });

  it('builds the same text again for the same window, with fresh values and its own clause list', () => {
    const later = admitEvent(W, NOW + 1000);
    expect(later.condition).toBe(parts.condition);
    expect(later.set).toEqual(parts.set);
    expect(later.set).not.toBe(parts.set);
    expect(later.values[':vaNow']).toBe(NOW + 1000);
  });

  it('for a limit of 1 only replaces the single slot', () => {
    const one = admitEvent({ prefix: 'sc', limit: 1, windowMs: 60_000 }, NOW);
    expect(one.condition).toBe('(attribute_not_exists(sc1) OR sc1 <= :scCut)');
    expect(one.set).toEqual(['sc1 = :scNow']);
  });

  it('evaluated like DynamoDB would, admits exactly limit events within one window', () => {
    // A tiny evaluator for the exact expression shapes admitEvent produces: the condition and every
    // SET right-hand side are read against the item as it was before the update.
    const apply = (item: Record<string, number> | undefined, nowMs: number) => {
      const p = admitEvent(W, nowMs);
      const name = (ref: string) => ref;
      const value = (ref: string) => p.values[ref]!;
      const cond = /^\(attribute_not_exists\((\w+)\) OR (\w+) <= (:\w+)\)$/.exec(p.condition);
      if (!cond) throw new Error(`unexpected condition ${p.condition}`);
      const current = item?.[name(cond[1]!)];
      if (current !== undefined && !(current <= value(cond[3]!))) return undefined;
      const next: Record<string, number> = { ...item };
      for (const clause of p.set) {
        const shift = /^(\w+) = if_not_exists\((\w+), (:\w+)\)$/.exec(clause);
        const assign = /^(\w+) = (:\w+)$/.exec(clause);
        if (shift) next[name(shift[1]!)] = item?.[name(shift[2]!)] ?? value(shift[3]!);
        else if (assign) next[name(assign[1]!)] = value(assign[2]!);
        else throw new Error(`unexpected clause ${clause}`);
      }
      return next;
    };
    let item: Record<string, number> | undefined;
    const admittedAt: number[] = [];
    for (let t = 0; t < 10; t++) {
      const next = apply(item, NOW + t * 1000);
      if (next) {
        item = next;
        admittedAt.push(t);
      }
    }
    expect(admittedAt).toEqual([0, 1, 2, 3, 4]);
    expect(item).toEqual(itemWith(NOW + 4000, NOW + 3000, NOW + 2000, NOW + 1000, NOW));
    expect(eventsInWindow(W, item, NOW + 9000)).toBe(5);
    expect(msUntilRoom(W, item, NOW + 9000)).toBe(51_000);
    expect(apply(item, NOW + 59_999)).toBeUndefined();
    expect(apply(item, NOW + 60_000)?.va5).toBe(NOW + 1000);
  });
});

describe('retractEvent', () => {
  it('conditions on the newest slot holding the admitted time and shifts slots back up', () => {
    const parts = retractEvent(W, NOW);
    expect(parts.condition).toBe('va1 = :vaAdmitted');
    expect(parts.values[':vaAdmitted']).toBe(NOW);
    expect(parts.set[0]).toBe('va1 = if_not_exists(va2, :zero)');
    expect(parts.set.at(-1)).toBe('va5 = :zero');
    expect(parts.set).toHaveLength(5);
  });
});

describe('hasRoom', () => {
  it('checks the oldest slot without writing', () => {
    const parts = hasRoom(W, NOW);
    expect(parts.condition).toBe('(attribute_not_exists(va5) OR va5 <= :vaCut)');
    expect(parts.set).toEqual([]);
    expect(parts.values).toEqual({ ':vaCut': NOW - 60_000 });
  });
});

describe('combine', () => {
  it('joins conditions with AND and merges clauses', () => {
    const a = admitEvent(W, NOW);
    const b = hasRoom({ prefix: 'vf', limit: 20, windowMs: 86_400_000 }, NOW);
    const c = combine([a, b]);
    expect(c.condition).toBe(`${a.condition} AND ${b.condition}`);
    expect(c.set).toEqual(a.set);
    expect(c.names).toEqual({ ...a.names, ...b.names });
    expect(c.values).toEqual({ ...a.values, ':vfCut': NOW - 86_400_000 });
  });
});
