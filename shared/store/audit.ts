import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditRecord, AuditSink } from '../audit/request-audit.js';
import { ITEM_LIFETIME_MS, ttlAfter } from '../policy.js';
import { unlessConditionFails, type Db } from './client.js';
import { keys } from './keys.js';
import type { TransactItem } from './transactions.js';

/** The audit records in the table (SPEC §6): the sink requests write to, and the queries an operator runs. */
export interface AuditLog extends AuditSink {
  /** Transaction element: a record committed together with the state change it reports. */
  putItem(r: AuditRecord): TransactItem;
  /** Removes a committed record that no longer tells the truth (a send undone after its answer), if it still says what it said. */
  remove(r: AuditRecord): Promise<void>;
  /** The record of one request, by its platform request id (the audit record's `requestId`). */
  byRequestId(requestId: string): Promise<AuditItem[]>;
  /** Records about one destination (by its keyed hash), newest first. */
  bySubject(subjectHash: string, since?: Date): Promise<AuditItem[]>;
}

export type AuditItem = Record<string, unknown>;

export function createAuditLog(db: Db, table: string, retentionDays: number): AuditLog {
  const key = (r: AuditRecord) => ({ pk: keys.audit(r.requestId).pk, sk: `${r.at.toISOString()}#${r.id}` });
  const toItem = (r: AuditRecord): AuditItem => {
    const k = key(r);
    return {
      ...k,
      // The index sorts a subject's records by time alone: its keys need not be unique, and the record's id
      // after the time would be stored twice more (item and index entry) for nothing.
      ...(r.subjectHash ? { gsi1pk: keys.auditBySubject(r.subjectHash), gsi1sk: r.at.toISOString() } : {}),
      requestId: r.requestId,
      clientRequestId: r.clientRequestId,
      operation: r.operation,
      caller: r.caller,
      outcome: r.outcome,
      status: r.status,
      subjectHash: r.subjectHash,
      subjectMasked: r.subjectMasked,
      sourceIp: r.sourceIp,
      at: r.at.toISOString(),
      latencyMs: r.latencyMs,
      detail: r.detail,
      ttl: ttlAfter(r.at.getTime(), ITEM_LIFETIME_MS.audit(retentionDays)),
    };
  };

  const sink: AuditSink = {
    async write(r) {
      await db.doc.send(new PutCommand({ TableName: table, Item: toItem(r) }));
    },
    async amend(r, outcome, status, latencyMs) {
      await db.doc.send(
        new UpdateCommand({
          TableName: table,
          Key: key(r),
          UpdateExpression: 'SET outcome = :o, #s = :s, latencyMs = :l, committedOutcome = :c',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':o': outcome, ':s': status, ':l': latencyMs, ':c': r.outcome },
        }),
      );
    },
  };

  return {
    ...sink,
    async remove(r) {
      await unlessConditionFails(
        db.doc.send(
          new DeleteCommand({ TableName: table, Key: key(r), ConditionExpression: 'outcome = :o', ExpressionAttributeValues: { ':o': r.outcome } }),
        ),
      );
    },
    putItem(r) {
      return { Put: { TableName: table, Item: toItem(r) } };
    },
    async byRequestId(requestId) {
      const { Items } = await db.doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.audit(requestId).pk },
          ConsistentRead: true,
        }),
      );
      return Items ?? [];
    },
    async bySubject(subjectHash, since) {
      const { Items } = await db.doc.send(
        new QueryCommand({
          TableName: table,
          IndexName: 'gsi1',
          KeyConditionExpression: since ? 'gsi1pk = :pk AND gsi1sk >= :since' : 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.auditBySubject(subjectHash), ...(since ? { ':since': since.toISOString() } : {}) },
          ScanIndexForward: false,
        }),
      );
      return Items ?? [];
    },
  };
}
