// Item sizes per kind, as the billing passes saw them written: what each kind of item weighs, how much of
// it is attribute names, its index entry, and its heaviest attributes: what a cut has to work on.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { itemBytes, KB, valueBytes, type Billed } from '../dev/support/meter.js';

export interface KindSize {
  kind: string;
  /** Scenarios that wrote it, and its writes per call: `send: Put×1`. */
  writtenBy: string[];
  /** The largest size it was seen at after a write, bytes. */
  bytes: number;
  nameBytes: number;
  /** Its entries in the indexes, bytes (0: in none). */
  indexEntryBytes: number;
  /** Seconds it lives after the write that made it that size (its TTL), if it has one. */
  lifetimeSeconds: number | undefined;
  /** Attributes by bytes (name + value), largest first. */
  attributes: Array<{ name: string; bytes: number }>;
}

export function itemSizes(passes: Array<{ scenario: string; calls: number; billed: Billed }>): KindSize[] {
  const kinds = new Map<string, KindSize>();
  for (const { scenario, calls, billed } of passes) {
    const seen = new Map<string, Map<string, number>>();
    for (const w of billed.writes) {
      if (!w.applied) continue;
      const counts = seen.get(w.kind) ?? new Map<string, number>();
      counts.set(w.action, (counts.get(w.action) ?? 0) + 1);
      seen.set(w.kind, counts);
      const k = kinds.get(w.kind) ?? {
        kind: w.kind,
        writtenBy: [],
        bytes: 0,
        nameBytes: 0,
        indexEntryBytes: 0,
        lifetimeSeconds: undefined,
        attributes: [],
      };
      if ((w.afterBytes ?? 0) >= k.bytes && w.afterBytes !== undefined) {
        k.bytes = w.afterBytes;
        k.indexEntryBytes = w.afterIndexBytes;
        k.lifetimeSeconds = w.afterTtl === undefined ? undefined : Math.round(w.afterTtl - w.atMs / 1000);
      }
      kinds.set(w.kind, k);
    }
    for (const [kind, counts] of seen)
      kinds
        .get(kind)!
        .writtenBy.push(`${scenario}: ${[...counts].map(([a, n]) => `${a}×${Math.round((n / calls) * 100) / 100}`).join(', ')}`);
    for (const [kind, sample] of Object.entries(billed.samples)) {
      const k = kinds.get(kind);
      // The pass's largest image, when it is the largest of all passes.
      if (!k || itemBytes(sample) < k.bytes) continue;
      k.attributes = attributesOf(sample);
      k.nameBytes = Object.keys(sample).reduce((s, n) => s + Buffer.byteLength(n), 0);
    }
  }
  return [...kinds.values()].sort((a, b) => b.bytes - a.bytes);
}

const attributesOf = (item: Record<string, AttributeValue>) =>
  Object.entries(item)
    .map(([name, v]) => ({ name, bytes: Buffer.byteLength(name) + valueBytes(v) }))
    .sort((a, b) => b.bytes - a.bytes);

/** Bytes an item could lose before its writes get cheaper: write units fall only below a KB boundary. */
export const bytesOverKbBoundary = (bytes: number): number => bytes - Math.max(0, Math.ceil(bytes / KB) - 1) * KB;
