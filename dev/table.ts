// The service's table in DynamoDB Local, created from infra/table.json (the file serverless.yml deploys).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type AttributeDefinition,
  type BillingMode,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  type StreamViewType,
  type TimeToLiveSpecification,
} from '@aws-sdk/client-dynamodb';
import { localDynamoDbClient } from './emulator.js';
import { repoRoot } from './paths.js';

interface TableDefinition {
  AttributeDefinitions: AttributeDefinition[];
  KeySchema: KeySchemaElement[];
  GlobalSecondaryIndexes?: GlobalSecondaryIndex[];
  BillingMode?: BillingMode;
  TimeToLiveSpecification?: TimeToLiveSpecification;
  /** CloudFormation's form (no StreamEnabled): the stream deliverCode reads (dev/stream-poller.ts locally). */
  StreamSpecification?: { StreamViewType: StreamViewType };
}

/** Creates `tableName` idempotently (with its stream) and waits until it is ACTIVE with its TTL enabled. */
export async function createTable({ endpoint, tableName }: { endpoint: string; tableName: string }): Promise<void> {
  const definition = JSON.parse(await readFile(path.join(repoRoot, 'infra', 'table.json'), 'utf8')) as TableDefinition;
  const client = localDynamoDbClient(endpoint);
  try {
    try {
      // CreateTable has no TTL field; TTL is a separate call.
      await client.send(
        new CreateTableCommand({
          TableName: tableName,
          AttributeDefinitions: definition.AttributeDefinitions,
          KeySchema: definition.KeySchema,
          GlobalSecondaryIndexes: definition.GlobalSecondaryIndexes,
          BillingMode: definition.BillingMode,
          ...(definition.StreamSpecification
            ? { StreamSpecification: { StreamEnabled: true, StreamViewType: definition.StreamSpecification.StreamViewType } }
            : {}),
        }),
      );
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ResourceInUseException')) throw error;
    }
    // The default minDelay (20 s) would make every start slow.
    await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1, maxDelay: 2 }, { TableName: tableName });
    const ttl = definition.TimeToLiveSpecification;
    if (ttl?.Enabled) {
      const current = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
      const status = current.TimeToLiveDescription?.TimeToLiveStatus;
      // Enabling twice is a ValidationException, so only do it once.
      if (status !== 'ENABLED' && status !== 'ENABLING') {
        await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: ttl }));
      }
    }
  } finally {
    client.destroy();
  }
}
