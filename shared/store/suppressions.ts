import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditRecord } from '../audit/request-audit.js';
import type { Channel } from '../channels.js';
import { ITEM_LIFETIME_MS, ttlAfter } from '../policy.js';
import type { AuditLog } from './audit.js';
import { cancellationReasons, type Db } from './client.js';
import { keys } from './keys.js';
import type { TransactItem } from './transactions.js';

/** Destinations no code goes to (SPEC §4): a hard bounce, a complaint or an opt-out suppresses one for a while. */
export interface Suppressions {
  /** Whether the destination (its keyed hash) is suppressed at `nowMs`: one read, which send makes before it spends anything. */
  isSuppressed(destinationHash: string, nowMs: number): Promise<boolean>;
  /** Transaction element: the destination suppressed from `atMs` for ITEM_LIFETIME_MS.suppression (a newer one replaces an older one). */
  suppressItem(s: Suppression): TransactItem;
  /** Lifts a suppression (the operator's command), with its audit record: false when there was none. */
  lift(destinationHash: string, audit: AuditRecord): Promise<boolean>;
  /** Every suppression in force at `nowMs`, newest first (the operator's list: masked, never the contact). */
  list(nowMs: number): Promise<SuppressionEntry[]>;
}

/** Why a destination is suppressed: an email's hard bounce or complaint (SES), a number's opt-out (End User Messaging). */
export type SuppressionReason = 'bounce' | 'complaint' | 'opt_out';

export interface Suppression {
  destinationHash: string;
  /** The destination masked (shared/identity/mask.ts): what an operator sees in the list. */
  subjectMasked: string;
  reason: SuppressionReason;
  /** The channel whose provider reported it. */
  channel: Channel;
  /** The send whose delivery reported it (its platform request id). */
  sendRequestId: string;
  atMs: number;
}

export interface SuppressionEntry {
  destinationHash: string;
  subjectMasked: string;
  reason: SuppressionReason;
  since: Date;
  until: Date;
}

const REASONS: ReadonlySet<string> = new Set<SuppressionReason>(['bounce', 'complaint', 'opt_out']);

/**
 * One item per suppressed destination (`SUPPRESSED#<keyed hash>`), written in the transaction that records
 * what caused it (a receipt, or deliverCode's refused delivery) and removed by DynamoDB's TTL when it ends;
 * until then `expiresAt` decides. Each item is also in the index under one partition (SUPPRESSIONS, sorted by
 * when and why) so the operator can list them without scanning the table; suppressions are rare writes.
 */
export function createSuppressions(db: Db, table: string, auditLog: Pick<AuditLog, 'putItem'>): Suppressions {
  return {
    async isSuppressed(destinationHash, nowMs) {
      const { Item } = await db.doc.send(
        new GetCommand({
          TableName: table,
          Key: keys.suppression(destinationHash),
          ProjectionExpression: 'expiresAt',
          ConsistentRead: true,
        }),
      );
      return typeof Item?.expiresAt === 'number' && Item.expiresAt > nowMs;
    },

    suppressItem(s) {
      const at = new Date(s.atMs).toISOString();
      return {
        Put: {
          TableName: table,
          Item: {
            ...keys.suppression(s.destinationHash),
            gsi1pk: keys.suppressions(),
            gsi1sk: `${at}#${s.reason}`,
            reason: s.reason,
            channel: s.channel,
            subjectMasked: s.subjectMasked,
            sendRequestId: s.sendRequestId,
            suppressedAt: s.atMs,
            expiresAt: s.atMs + ITEM_LIFETIME_MS.suppression,
            ttl: ttlAfter(s.atMs, ITEM_LIFETIME_MS.suppression),
          },
        },
      };
    },

    async lift(destinationHash, audit) {
      try {
        await db.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              { Delete: { TableName: table, Key: keys.suppression(destinationHash), ConditionExpression: 'attribute_exists(pk)' } },
              auditLog.putItem(audit),
            ],
          }),
        );
        return true;
      } catch (err) {
        if (cancellationReasons(err)?.[0]?.Code === 'ConditionalCheckFailed') return false;
        throw err;
      }
    },

    async list(nowMs) {
      const entries: SuppressionEntry[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await db.doc.send(
          new QueryCommand({
            TableName: table,
            IndexName: 'gsi1',
            KeyConditionExpression: 'gsi1pk = :pk',
            ExpressionAttributeValues: { ':pk': keys.suppressions() },
            ScanIndexForward: false,
            ExclusiveStartKey: start,
          }),
        );
        for (const item of page.Items ?? []) {
          // The index holds the keys and the masked subject; when and why are its sort key.
          const [at = '', reason = ''] = String(item.gsi1sk).split('#');
          const since = new Date(at);
          const until = new Date(since.getTime() + ITEM_LIFETIME_MS.suppression);
          if (Number.isNaN(since.getTime()) || !REASONS.has(reason) || until.getTime() <= nowMs) continue;
          entries.push({
            destinationHash: String(item.pk).slice(keys.suppression('').pk.length),
            subjectMasked: String(item.subjectMasked ?? ''),
            reason: reason as SuppressionReason,
            since,
            until,
          });
        }
        start = page.LastEvaluatedKey;
      } while (start);
      return entries;
    },
  };
}
