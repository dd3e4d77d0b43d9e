/**
 * An exact sliding-window limit ("at most N events in any span of W ms") kept in one item as a
 * shift register of the last N event times: attributes <prefix>1 (newest) … <prefix>N (oldest).
 * A new event is admitted iff <prefix>N is missing or older than now − W, and admitting it shifts
 * every slot down by one. DynamoDB evaluates the right-hand sides against the item as it was before
 * the update, so check and shift happen in one conditional write: exact under any concurrency, with
 * no read first.
 */
export interface SlidingWindow {
  readonly prefix: string;
  readonly limit: number;
  readonly windowMs: number;
}

export interface ExpressionParts {
  condition: string;
  set: string[];
  names: Record<string, string>;
  values: Record<string, number>;
}

const slot = (w: SlidingWindow, i: number) => `${w.prefix}${i}`;

/** Condition + SET clauses that admit one event at `nowMs` into the window. */
export function admitEvent(w: SlidingWindow, nowMs: number): ExpressionParts {
  const names: Record<string, string> = {};
  for (let i = 1; i <= w.limit; i++) names[`#${slot(w, i)}`] = slot(w, i);
  const oldest = `#${slot(w, w.limit)}`;
  const set: string[] = [];
  for (let i = w.limit; i > 1; i--) set.push(`#${slot(w, i)} = if_not_exists(#${slot(w, i - 1)}, :zero)`);
  set.push(`#${slot(w, 1)} = :${w.prefix}Now`);
  return {
    condition: `(attribute_not_exists(${oldest}) OR ${oldest} <= :${w.prefix}Cut)`,
    set,
    names,
    values: { ':zero': 0, [`:${w.prefix}Now`]: nowMs, [`:${w.prefix}Cut`]: nowMs - w.windowMs },
  };
}

/**
 * Takes back the event admitted at `admittedAtMs` (e.g. a send whose delivery failed): shifts the
 * slots up again. The slot that fell off on admission was outside the window by then, so a zero
 * in its place is equivalent.
 */
export function withdrawEvent(w: SlidingWindow, admittedAtMs: number): ExpressionParts {
  const names: Record<string, string> = {};
  for (let i = 1; i <= w.limit; i++) names[`#${slot(w, i)}`] = slot(w, i);
  const set: string[] = [];
  for (let i = 1; i < w.limit; i++) set.push(`#${slot(w, i)} = if_not_exists(#${slot(w, i + 1)}, :zero)`);
  set.push(`#${slot(w, w.limit)} = :zero`);
  return { condition: `#${slot(w, 1)} = :${w.prefix}Admitted`, set, names, values: { ':zero': 0, [`:${w.prefix}Admitted`]: admittedAtMs } };
}

/** Condition that the window still has room at `nowMs`, without recording an event. */
export function hasRoom(w: SlidingWindow, nowMs: number): ExpressionParts {
  const oldest = slot(w, w.limit);
  return {
    condition: `(attribute_not_exists(#${oldest}) OR #${oldest} <= :${w.prefix}Cut)`,
    set: [],
    names: { [`#${oldest}`]: oldest },
    values: { [`:${w.prefix}Cut`]: nowMs - w.windowMs },
  };
}

function slotValue(item: Record<string, unknown> | undefined, name: string): number {
  const v = item?.[name];
  return typeof v === 'number' ? v : 0;
}

/** Events of the window that fall inside (now − W, now], read from an item. */
export function eventsInWindow(w: SlidingWindow, item: Record<string, unknown> | undefined, nowMs: number): number {
  let n = 0;
  for (let i = 1; i <= w.limit; i++) if (slotValue(item, slot(w, i)) > nowMs - w.windowMs) n++;
  return n;
}

/** Milliseconds until the window admits another event (0 when it has room now). */
export function msUntilRoom(w: SlidingWindow, item: Record<string, unknown> | undefined, nowMs: number): number {
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
