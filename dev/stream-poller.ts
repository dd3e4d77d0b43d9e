// The table's stream, consumed locally the way Lambda's event source mapping consumes it in AWS: the
// smallest poller over the DynamoDB Streams API of DynamoDB Local (DescribeStream, GetShardIterator,
// GetRecords every 100 ms), applying the same filter as the template (shared/channels.ts), handing
// the consumer batches in the event shape AWS sends, and honouring batchItemFailures the way Lambda does
// (the batch is retried from the first failed record, up to the template's retry count). Used by `npm start`
// and the e2e suite (dev/offline.ts) and by the integration tests, which drive deliverCode in-process.
import { startPolling } from './polling.js';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { DELIVERY_STREAM_FILTER_PATTERNS } from '../shared/channels.js';
import { localDynamoDbClient } from './emulator.js';

export interface StreamPollerOptions {
  endpoint: string;
  tableName: string;
  /** Runs the consumer with one batch, as Lambda would invoke it; resolves with its answer, rejects if it failed. */
  invoke: (event: DynamoDBStreamEvent) => Promise<unknown>;
  filterPatterns?: object[];
  batchSize?: number;
  /** How often the stream is read in the background; 0: only when drain() asks (tests that step through it). */
  intervalMs?: number;
  /** Retries of a failing batch before it is given up (Lambda: to the on-failure queue). */
  maximumRetryAttempts?: number;
  /** Where a shard is first read from, as an event source mapping's StartingPosition; default TRIM_HORIZON. */
  startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  /** Told about a batch given up, or a poll that failed (the poller carries on). */
  onProblem?: (message: string, error?: unknown) => void;
}

export interface StreamPoller {
  /** Reads the stream until nothing new is left, handing every record to the consumer; resolves when done. */
  drain(): Promise<void>;
  /** Every record read so far (after filtering), in the shape AWS delivers them. */
  records(): DynamoDBRecord[];
  stop(): Promise<void>;
}

type Pattern = { [key: string]: Pattern | Array<string | number | { prefix: string } | { exists: boolean }> };

/**
 * Lambda's event filtering for the patterns used here: exact values, `prefix`, and `exists` (on a leaf, as
 * Lambda's filtering requires it), nested objects. A missing field matches only `exists: false`.
 */
export function matchesPattern(value: unknown, pattern: Pattern): boolean {
  const fields = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  return Object.entries(pattern).every(([key, expected]) => {
    const actual = fields[key];
    if (!Array.isArray(expected)) return actual !== undefined && matchesPattern(actual, expected);
    return expected.some((e) => {
      if (typeof e !== 'object') return actual === e;
      if ('exists' in e) return (actual !== undefined) === e.exists;
      return typeof actual === 'string' && actual.startsWith(e.prefix);
    });
  });
}

/** A record from GetRecords in the shape of a Lambda event record. */
function lambdaRecord(r: StreamRecord, streamArn: string): DynamoDBRecord {
  const { ApproximateCreationDateTime, ...dynamodb } = r.dynamodb ?? {};
  return {
    eventID: r.eventID,
    eventName: r.eventName as DynamoDBRecord['eventName'],
    eventVersion: r.eventVersion,
    eventSource: r.eventSource ?? 'aws:dynamodb',
    awsRegion: r.awsRegion,
    dynamodb: {
      ...(dynamodb as NonNullable<DynamoDBRecord['dynamodb']>),
      ...(ApproximateCreationDateTime ? { ApproximateCreationDateTime: Math.floor(ApproximateCreationDateTime.getTime() / 1000) } : {}),
    },
    eventSourceARN: streamArn,
  };
}

export function startStreamPoller(o: StreamPollerOptions): StreamPoller {
  const options = {
    filterPatterns: DELIVERY_STREAM_FILTER_PATTERNS as object[],
    batchSize: 10,
    intervalMs: 100,
    maximumRetryAttempts: 5,
    startingPosition: 'TRIM_HORIZON' as const,
    onProblem: () => {},
    ...o,
  };
  const streams = new DynamoDBStreamsClient({
    region: 'local',
    endpoint: options.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: { requestTimeout: 5_000, connectionTimeout: 1_000, throwOnRequestTimeout: true },
  });
  const seen: DynamoDBRecord[] = [];
  /** Open shards and where to read them next; a closed shard is left out once read to its end. */
  const iterators = new Map<string, string>();
  const finished = new Set<string>();
  let streamArn: string | undefined;
  // The starting position applies to the shards open at the first read; a shard that appears later is
  // read from its start, as Lambda reads a child shard.
  let firstRefresh = true;

  async function refreshShards(): Promise<void> {
    if (!streamArn) {
      const table = localDynamoDbClient(options.endpoint);
      try {
        streamArn = (await table.send(new DescribeTableCommand({ TableName: options.tableName }))).Table?.LatestStreamArn;
      } finally {
        table.destroy();
      }
      if (!streamArn) throw new Error(`table ${options.tableName} has no stream (infra/table.json StreamSpecification)`);
    }
    let start: string | undefined;
    do {
      const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }));
      for (const shard of StreamDescription?.Shards ?? []) {
        const id = shard.ShardId!;
        if (iterators.has(id) || finished.has(id)) continue;
        const { ShardIterator } = await streams.send(
          new GetShardIteratorCommand({
            StreamArn: streamArn,
            ShardId: id,
            ShardIteratorType: firstRefresh ? options.startingPosition : 'TRIM_HORIZON',
          }),
        );
        if (ShardIterator) iterators.set(id, ShardIterator);
      }
      start = StreamDescription?.LastEvaluatedShardId;
    } while (start);
    firstRefresh = false;
  }

  /** One batch to the consumer, retried from its first failed record as Lambda does; false once given up. */
  async function deliver(batch: DynamoDBRecord[]): Promise<void> {
    let pending = batch;
    for (let attempt = 0; pending.length > 0; attempt++) {
      let failedFrom = -1;
      try {
        const answer = (await options.invoke({ Records: pending })) as
          { batchItemFailures?: Array<{ itemIdentifier?: string }> } | undefined;
        const failed = new Set((answer?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        failedFrom = pending.findIndex((r) => failed.has(r.dynamodb?.SequenceNumber));
      } catch (error) {
        options.onProblem('the consumer failed a batch', error);
        failedFrom = 0;
      }
      if (failedFrom < 0) return;
      if (attempt >= options.maximumRetryAttempts) {
        options.onProblem(
          `gave up on ${pending.length - failedFrom} record(s) after ${attempt + 1} attempts (in AWS: the on-failure queue)`,
        );
        return;
      }
      pending = pending.slice(failedFrom);
      await new Promise((r) => setTimeout(r, Math.max(options.intervalMs, 50)));
    }
  }

  /** Reads every open shard once; true when it found records. */
  async function pass(): Promise<boolean> {
    await refreshShards();
    let found = false;
    for (const [shard, iterator] of [...iterators]) {
      const { Records, NextShardIterator } = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      if (NextShardIterator) iterators.set(shard, NextShardIterator);
      else {
        iterators.delete(shard);
        finished.add(shard);
      }
      const records = (Records ?? [])
        .map((r) => lambdaRecord(r, streamArn!))
        .filter((r) => options.filterPatterns.some((p) => matchesPattern(r, p as Pattern)));
      if ((Records ?? []).length > 0) found = true;
      seen.push(...records);
      for (let i = 0; i < records.length; i += options.batchSize) await deliver(records.slice(i, i + options.batchSize));
    }
    return found;
  }

  const polling = startPolling(pass, {
    intervalMs: options.intervalMs,
    onProblem: options.onProblem,
    failure: 'polling the stream failed',
  });

  return {
    // The consumer's own writes are records too (filtered out): read until a pass finds nothing new.
    drain: () =>
      polling.serialized(async () => {
        for (let i = 0; i < 20 && (await pass()); i++);
      }),
    records: () => [...seen],
    async stop() {
      await polling.stop();
      streams.destroy();
    },
  };
}
