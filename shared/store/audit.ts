import { randomUUID } from 'node:crypto';
import { PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Db } from './client.js';
import { keys, ttlAt } from './keys.js';

/** One record per request to any function (SPEC §6). Never holds a raw contact or a code. */
export interface AuditRecord {
  requestId: string;
  operation: string;
  /** Who called: `partner-token:<sub>`, `partner-ak:<AK>`, `app:<sub>`, `direct`, `event`, `anonymous`. */
  caller: string;
  outcome: string;
  status: number;
  subjectHash?: string | undefined;
  subjectMasked?: string | undefined;
  sourceIp?: string | undefined;
  at: Date;
  latencyMs: number;
  detail?: Record<string, string | number | boolean> | undefined;
}

export type AuditItem = Record<string, unknown>;

export function createAuditLog(db: Db, table: string, retentionDays: number) {
  const toItem = (r: AuditRecord): AuditItem => {
    const at = r.at.toISOString();
    // The sort key is unique per record: a caller may reuse an X-Request-Id, and each request
    // still keeps its own record.
    const sk = `${at}#${randomUUID()}`;
    return {
      pk: keys.audit(r.requestId).pk,
      sk,
      ...(r.subjectHash ? { gsi1pk: keys.auditBySubject(r.subjectHash), gsi1sk: sk } : {}),
      requestId: r.requestId,
      operation: r.operation,
      caller: r.caller,
      outcome: r.outcome,
      status: r.status,
      subjectHash: r.subjectHash,
      subjectMasked: r.subjectMasked,
      sourceIp: r.sourceIp,
      at,
      latencyMs: r.latencyMs,
      detail: r.detail,
      ttl: ttlAt(r.at.getTime() + retentionDays * 86_400_000),
    };
  };

  return {
    toItem,
    tableName: table,
    async write(r: AuditRecord): Promise<void> {
      await db.doc.send(new PutCommand({ TableName: table, Item: toItem(r) }));
    },
    /** Corrects the outcome of a record committed with a state change, when the answer changed after. */
    async amend(item: AuditItem, outcome: string, status: number, latencyMs: number): Promise<void> {
      await db.doc.send(
        new UpdateCommand({
          TableName: table,
          Key: { pk: item.pk, sk: item.sk },
          UpdateExpression: 'SET outcome = :o, #s = :s, latencyMs = :l, committedOutcome = :c',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':o': outcome, ':s': status, ':l': latencyMs, ':c': item.outcome },
        }),
      );
    },
    async byRequestId(requestId: string): Promise<AuditItem[]> {
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
    /** Records about one destination (by its keyed hash), newest first. */
    async bySubject(subjectHash: string, since?: Date): Promise<AuditItem[]> {
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

export type AuditLog = ReturnType<typeof createAuditLog>;
