// The service's real runtime in this process against DynamoDB Local, on a table of its own: what the
// integration tests and the bench drive the handlers through.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { loadConfig, type Config } from '../../shared/config.js';
import { createRuntime, type Runtime } from '../../shared/runtime.js';
import { createDb } from '../../shared/store/client.js';
import { createTable } from '../table.js';
import { readOutbox, type OutboxMessage } from './outbox.js';

export interface LocalRuntime {
  rt: Runtime;
  config: Config;
  outboxPath: string;
  /** Messages the outbox notifier wrote, oldest first. */
  outbox(): OutboxMessage[];
  /** Every item of the table (consistent scan). */
  scan(): Promise<Record<string, unknown>[]>;
  /** Audit records whose platform request id or caller's X-Request-Id is `id` (a scan: tests only). */
  auditRecords(id: string): Promise<Record<string, unknown>[]>;
}

export interface LocalRuntimeOptions {
  /** DynamoDB Local's endpoint. */
  endpoint: string;
  /** A folder this runtime may write in (its outbox); the caller removes it. */
  workDir: string;
  /** Environment on top of the local stage's defaults (OUTBOX_PATH, limits, ...). */
  env?: Record<string, string>;
  clock?: () => Date;
}

/** A runtime of the local stage on a fresh table (so test files can run in parallel on one DynamoDB Local). */
export async function createLocalRuntime(o: LocalRuntimeOptions): Promise<LocalRuntime> {
  const tableName = `verigate-${randomUUID().slice(0, 8)}`;
  await createTable({ endpoint: o.endpoint, tableName });
  const outboxPath = o.env?.OUTBOX_PATH ?? path.join(mkdtempSync(path.join(o.workDir, 'outbox-')), 'outbox.jsonl');
  const config = loadConfig({ STAGE: 'local', DYNAMODB_ENDPOINT: o.endpoint, TABLE_NAME: tableName, OUTBOX_PATH: outboxPath, ...o.env });
  const rt = createRuntime(config, o.clock ? { clock: o.clock } : {});
  const scan = async () => {
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await rt.db.doc.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start }));
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  };
  return {
    rt,
    config,
    outboxPath,
    outbox: () => readOutbox(outboxPath),
    scan,
    auditRecords: async (id) =>
      (await scan()).filter((i) => String(i.pk).startsWith('AUDIT#') && (i.requestId === id || i.clientRequestId === id)),
  };
}

/**
 * A runtime of its own over the same table and clock: what a consumer running in its own Lambda has (its own
 * DynamoDB client, so a test counts each function's calls apart).
 */
export function ownRuntime(local: Pick<LocalRuntime, 'config' | 'rt'>): Runtime {
  const { config } = local;
  const db = createDb({
    region: config.region,
    endpoint: config.dynamodbEndpoint,
    requestTimeoutMs: config.ddbRequestTimeoutMs,
    connectTimeoutMs: config.ddbConnectTimeoutMs,
  });
  return createRuntime(config, { db, clock: local.rt.clock });
}
